// Type-level tests of the public API, checked by `npm run test:types` (tsc --noEmit). The line
// after each ts-expect-error directive must fail to compile; if it ever compiles, tsc reports the
// unused directive and the check fails.
// They import src/index.ts, the package's entry point (scripts/quickstart.ts, also checked by
// test:types, imports it by the package name 'flowstage').
import pg from 'pg';
import {
  CycleDetectedError, DependencyAlreadyExistsError, FlowstageError, StaleGraphRevisionError, applyDependencyToChild,
  createExecution, createFlow, describeFlow, flowPartition, listFlows, resolveDependency, stageDependencyEdge,
  withRevisionRetry, withTransaction, type CreateFlowRow, type FlowstageErrorCode, type Queryable,
  type StageDependencyEdgeStatus,
} from '../../src/index.js';

declare const pool: pg.Pool;
declare const poolClient: pg.PoolClient;
declare const client: pg.Client;
const flowId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';

export async function queryables(): Promise<void> {
  // A pool, a pool client (the caller's transaction) and a client all run the generated functions.
  const a: Queryable = pool;
  const b: Queryable = poolClient;
  const c: Queryable = client;
  await createFlow(a, { flowId });
  await createFlow(b, { flowId });
  await createFlow(c, { flowId });
  await withTransaction(pool, (tx) => createFlow(tx, { flowId }));
  // @ts-expect-error a string is not something to query
  await createFlow('postgres://localhost/db', { flowId });
}

export async function requiredParameters(): Promise<void> {
  // @ts-expect-error flowId is required (p_flow_id has no DEFAULT)
  await createFlow(pool, {});
  // @ts-expect-error expectedGraphRevision is required
  await stageDependencyEdge(pool, { flowId, edgeId: flowId, upstreamExecutionId: 'a', downstreamExecutionId: 'b' });
  // @ts-expect-error the parameters object itself is required when a parameter is
  await applyDependencyToChild(pool);
  // Optional parameters are exactly those with a SQL DEFAULT: all of ff_create_execution's.
  await createExecution(pool);
  await listFlows(pool, { namespace: null, limit: 10 });
}

export async function parameterTypes(): Promise<void> {
  // @ts-expect-error uuid parameters are strings
  await createFlow(pool, { flowId: 42 });
  // @ts-expect-error integer parameters are numbers
  await listFlows(pool, { limit: '10' });
  // @ts-expect-error unknown parameters are refused
  await createFlow(pool, { flowId, flowKind: 'dag', colour: 'red' });
  // @ts-expect-error a required parameter does not take null (only optional ones do: null = SQL NULL)
  await describeFlow(pool, { flowId: null });
  // bigint parameters take a number, a decimal string or a bigint.
  for (const expectedGraphRevision of [1, '1', 1n]) {
    await stageDependencyEdge(pool, {
      flowId, edgeId: flowId, upstreamExecutionId: 'a', downstreamExecutionId: 'b', expectedGraphRevision,
    });
  }
}

export async function resultTypes(): Promise<void> {
  const [flow] = await createFlow(pool, { flowId });
  const row: CreateFlowRow = flow!;
  // bigint results are strings; smallint/int results are numbers.
  const revision: string | null = row.graph_revision;
  const partition: number | null = row.partition_key;
  // @ts-expect-error graph_revision is a string (bigint), not a number
  const wrong: number = row.graph_revision;
  const value: number | null = await flowPartition(pool, { flowId });
  void [revision, partition, wrong, value];

  // Status columns are unions of the documented statuses.
  if (row.status === 'created' || row.status === 'already_satisfied') void row;
  // @ts-expect-error 'added' is not a status ff_create_flow can return
  if (row.status === 'added') void row;
  const [staged] = await stageDependencyEdge(pool, {
    flowId, edgeId: flowId, upstreamExecutionId: 'a', downstreamExecutionId: 'b', expectedGraphRevision: 0,
  });
  const status: StageDependencyEdgeStatus = staged!.status;
  // @ts-expect-error 'staged_ok' is not a stage status
  if (status === 'staged_ok') void status;
  const [resolved] = await resolveDependency(pool, { flowId, edgeId: flowId, upstreamOutcome: 'success' });
  // Other documented text columns are unions too (decision: pending | satisfied | impossible | already_decided).
  // @ts-expect-error 'maybe' is not a decision
  if (resolved!.decision === 'maybe') void resolved;
  // @ts-expect-error result rows have the SQL column names, not camelCase
  void flow!.graphRevision;
}

export async function errorTypes(): Promise<void> {
  try {
    await withRevisionRetry(pool, flowId, ({ graphRevision }) => stageDependencyEdge(pool, {
      flowId, edgeId: flowId, upstreamExecutionId: 'a', downstreamExecutionId: 'b', expectedGraphRevision: graphRevision,
    }));
  } catch (error) {
    if (error instanceof CycleDetectedError) {
      const path: string[] = error.cyclePath;
      const code: 'cycle_detected' = error.code;
      void [path, code];
    } else if (error instanceof DependencyAlreadyExistsError) {
      void error.existingEdge?.upstream_execution_id;
    } else if (error instanceof StaleGraphRevisionError) {
      const retryable: boolean = error.retryable;
      void retryable;
      // @ts-expect-error a StaleGraphRevisionError's code is stale_graph_revision
      const code: 'flow_not_found' = error.code;
      void code;
    } else if (error instanceof FlowstageError) {
      const detail: string | undefined = error.detail;
      void [detail, error.hint, error.sqlstate];
    }
  }
  const code: FlowstageErrorCode = 'flow_not_found';
  // @ts-expect-error not a catalogued code
  const bad: FlowstageErrorCode = 'flow_missing';
  void [code, bad];
}
