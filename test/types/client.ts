// Type-level tests of the public API, checked by `npm run test:types` (tsc --noEmit). The line
// after each ts-expect-error directive must fail to compile; if it ever compiles, tsc reports the
// unused directive and the check fails.
// They import src/index.ts, the package's entry point (scripts/quickstart.ts, also checked by
// test:types, imports it by the package name 'flowstage').
import pg from 'pg';
import {
  CycleDetectedError,
  DependencyAlreadyExistsError,
  FlowstageError,
  StaleGraphRevisionError,
  applyDependencyToChild,
  completeExecution,
  createExecution,
  createFlow,
  describeFlow,
  flowPartition,
  listEdges,
  listFlows,
  listMembers,
  publicStateValues,
  resolveDependency,
  stageDependencyEdge,
  withRevisionRetry,
  withTransaction,
  type CreateFlowRow,
  type FlowstageErrorCode,
  type PublicFlowState,
  type PublicState,
  type Queryable,
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
      flowId,
      edgeId: flowId,
      upstreamExecutionId: 'a',
      downstreamExecutionId: 'b',
      expectedGraphRevision,
    });
  }
}

export async function resultTypes(): Promise<void> {
  const [flow] = await createFlow(pool, { flowId });
  const row: CreateFlowRow = flow!;
  // bigint results are strings; smallint/int results are numbers.
  const revision: string = row.graph_revision;
  const partition: number = row.partition_key;
  // @ts-expect-error graph_revision is a string (bigint), not a number
  const wrong: number = row.graph_revision;
  const value: number | null = await flowPartition(pool, { flowId });
  void [revision, partition, wrong, value];

  // Status columns are unions of the documented statuses.
  if (row.status === 'created' || row.status === 'already_satisfied') void row;
  // @ts-expect-error 'added' is not a status ff_create_flow can return
  if (row.status === 'added') void row;
  const [staged] = await stageDependencyEdge(pool, {
    flowId,
    edgeId: flowId,
    upstreamExecutionId: 'a',
    downstreamExecutionId: 'b',
    expectedGraphRevision: 0,
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

export async function nullability(): Promise<void> {
  // Columns the function always fills (NOT NULL domains) need no `!` and no null check.
  const [created] = await createExecution(pool, { flowId });
  const executionId: string = created!.execution_id;
  const [flow] = await describeFlow(pool, { flowId });
  const nodeCount: string = flow!.node_count;
  const createdAt: string = flow!.created_at_ms;
  for (const m of await listMembers(pool, { flowId })) {
    const id: string = m.execution_id;
    const priority: number = m.priority;
    // Columns that may be NULL stay `| null`: terminal_at_ms is NULL until the execution is terminal.
    // @ts-expect-error terminal_at_ms may be null
    const terminalAt: string = m.terminal_at_ms;
    // @ts-expect-error task_identifier may be null (an execution without a task)
    const task: string = m.task_identifier;
    void [id, priority, terminalAt, task];
  }
  // @ts-expect-error terminal_at_ms of a flow is NULL until it finishes
  const flowEnd: string = flow!.terminal_at_ms;
  // @ts-expect-error started_at_ms is NULL until ff_start_flow
  const startedAt: string = flow!.started_at_ms;
  void [executionId, nodeCount, createdAt, flowEnd, startedAt];
}

export async function states(): Promise<void> {
  // States are unions of their domain's values: a misspelt state does not compile.
  for (const m of await listMembers(pool, { flowId })) {
    const state: PublicState = m.public_state;
    if (m.public_state === 'completed' || m.terminal_outcome === 'skipped' || m.lifecycle_phase === 'terminal') void state;
    // @ts-expect-error 'complted' is not a public_state
    if (m.public_state === 'complted') void m;
    // @ts-expect-error 'succeeded' is not a terminal_outcome (success is)
    if (m.terminal_outcome === 'succeeded') void m;
    // @ts-expect-error 'blocked' is not an eligibility_state
    if (m.eligibility_state === 'blocked') void m;
  }
  const [flow] = await describeFlow(pool, { flowId });
  const flowState: PublicFlowState = flow!.public_flow_state;
  // @ts-expect-error 'finished' is not a public_flow_state
  if (flowState === 'finished') void flowState;
  for (const e of await listEdges(pool, { flowId })) {
    // @ts-expect-error 'resolved' is not an edge_state
    if (e.edge_state === 'resolved') void e;
    // upstream_outcome is NULL until the edge is resolved, and an outcome once it is.
    if (e.upstream_outcome !== null && e.upstream_outcome === 'success') void e;
    // @ts-expect-error upstream_outcome may be null
    const outcome: 'success' | 'failed' | 'cancelled' | 'expired' | 'skipped' = e.upstream_outcome;
    void outcome;
  }
  const [completed] = await completeExecution(pool, { executionId: 'x', outcome: 'success' });
  // public_flow_state of a completion is NULL for a solo execution: a nullable state.
  const after: PublicFlowState | null = completed!.public_flow_state;
  // @ts-expect-error it may be null
  const afterNotNull: PublicFlowState = completed!.public_flow_state;
  void [after, afterNotNull];
  // The values are also there at run time.
  const known: readonly PublicState[] = publicStateValues;
  void known;
}

export async function errorTypes(): Promise<void> {
  try {
    await withRevisionRetry(pool, flowId, ({ graphRevision }) =>
      stageDependencyEdge(pool, {
        flowId,
        edgeId: flowId,
        upstreamExecutionId: 'a',
        downstreamExecutionId: 'b',
        expectedGraphRevision: graphRevision,
      }),
    );
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
