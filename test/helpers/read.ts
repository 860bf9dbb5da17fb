// Fixture helpers for the read-surface, policy, cancel, log and export tests: small builders
// over the public ff_* functions (named arguments) and one refusal assertion.
import { randomUUID } from 'node:crypto';

import { NOW, createFlow, revisionOf, type Db } from './fixtures.js';

/** Runs one ff_* call and returns its rows. */
export async function call<T = Record<string, unknown>>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/** Creates an execution on the flow's partition and adds it; returns its canonical id. */
export async function addMember(
  db: Db,
  flowId: string,
  options: { executionId?: string; taskIdentifier?: string } = {},
): Promise<string> {
  const [created] = await call<{ execution_id: string }>(
    db,
    'SELECT * FROM flowfabric.ff_create_execution(p_execution_id => $1, p_flow_id => $2, p_task_identifier => $3, p_now_ms => $4)',
    [options.executionId ?? null, flowId, options.taskIdentifier ?? null, NOW],
  );
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2, p_now_ms => $3)', [
    flowId,
    created.execution_id,
    NOW,
  ]);
  return created.execution_id;
}

/** Stages upstream -> downstream at the flow's current revision; returns the edge id. */
export async function stageEdge(
  db: Db,
  flowId: string,
  upstream: string,
  downstream: string,
  options: { edgeId?: string; dataPassingRef?: string } = {},
): Promise<string> {
  const edgeId = options.edgeId ?? randomUUID();
  await db.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3,
       p_downstream_execution_id => $4, p_expected_graph_revision => $5, p_data_passing_ref => $6, p_now_ms => $7)`,
    [flowId, edgeId, upstream, downstream, await revisionOf(db, flowId), options.dataPassingRef ?? null, NOW],
  );
  return edgeId;
}

export async function applyEdge(db: Db, flowId: string, edgeId: string): Promise<void> {
  await db.query('SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2, p_now_ms => $3)', [
    flowId,
    edgeId,
    NOW,
  ]);
}

/** Stages and applies upstream -> downstream; returns the edge id. */
export async function dependOn(db: Db, flowId: string, upstream: string, downstream: string, edgeId?: string): Promise<string> {
  const id = await stageEdge(db, flowId, upstream, downstream, { edgeId });
  await applyEdge(db, flowId, id);
  return id;
}

/**
 * Completes an execution, which resolves its outgoing edges in the same transaction, then calls
 * ff_resolve_dependency for the given edges (already_resolved unless the edge was applied later).
 */
export async function completeAndResolve(
  db: Db,
  flowId: string,
  executionId: string,
  outcome: string,
  edgeIds: string[] = [],
): Promise<void> {
  await db.query('SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2, p_now_ms => $3)', [
    executionId,
    outcome,
    NOW,
  ]);
  for (const edgeId of edgeIds) {
    await db.query(
      'SELECT * FROM flowfabric.ff_resolve_dependency(p_flow_id => $1, p_edge_id => $2, p_upstream_outcome => $3, p_now_ms => $4)',
      [flowId, edgeId, outcome, NOW],
    );
  }
}

export async function setPolicy(
  db: Db,
  flowId: string,
  downstream: string,
  kind: string,
  onSatisfied: string | null = null,
  k: number | null = null,
): Promise<{ status: string; downstream_execution_id: string; policy: unknown; k_target: number | null }> {
  const [row] = await call<{ status: string; downstream_execution_id: string; policy: unknown; k_target: number | null }>(
    db,
    `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1, p_downstream_execution_id => $2, p_kind => $3,
       p_on_satisfied => $4, p_k => $5, p_now_ms => $6)`,
    [flowId, downstream, kind, onSatisfied, k, NOW],
  );
  return row;
}

/**
 * The fixed DAG of the export snapshots and CLI tests, on flow 6f1d2c3b-… (partition 238):
 * fetch -> index (satisfied), parse -> index (impossible: parse failed, so index is skipped),
 * index -> publish (applied), fetch -> publish (staged only). Ids are fixed so output is stable.
 */
export const FIXED = {
  flowId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
  fetch: '{fp:238}:0a000000-0000-4000-8000-000000000001',
  parse: '{fp:238}:0b000000-0000-4000-8000-000000000002',
  index: '{fp:238}:0c000000-0000-4000-8000-000000000003',
  publish: '{fp:238}:0d000000-0000-4000-8000-000000000004',
  fetchToIndex: 'e0000000-0000-4000-8000-000000000001',
  parseToIndex: 'e0000000-0000-4000-8000-000000000002',
  indexToPublish: 'e0000000-0000-4000-8000-000000000003',
  fetchToPublish: 'e0000000-0000-4000-8000-000000000004',
} as const;

export async function buildFixedDag(db: Db): Promise<typeof FIXED> {
  await createFlow(db, { flowId: FIXED.flowId, namespace: 'demo', nowMs: NOW });
  await addMember(db, FIXED.flowId, { executionId: FIXED.fetch, taskIdentifier: 'fetch' });
  await addMember(db, FIXED.flowId, { executionId: FIXED.parse, taskIdentifier: 'parse' });
  await addMember(db, FIXED.flowId, { executionId: FIXED.index, taskIdentifier: 'index' });
  await addMember(db, FIXED.flowId, { executionId: FIXED.publish, taskIdentifier: 'notify<"ops">' });
  await dependOn(db, FIXED.flowId, FIXED.fetch, FIXED.index, FIXED.fetchToIndex);
  await dependOn(db, FIXED.flowId, FIXED.parse, FIXED.index, FIXED.parseToIndex);
  await dependOn(db, FIXED.flowId, FIXED.index, FIXED.publish, FIXED.indexToPublish);
  await stageEdge(db, FIXED.flowId, FIXED.fetch, FIXED.publish, { edgeId: FIXED.fetchToPublish });
  await completeAndResolve(db, FIXED.flowId, FIXED.fetch, 'success', [FIXED.fetchToIndex]);
  await completeAndResolve(db, FIXED.flowId, FIXED.parse, 'failed', [FIXED.parseToIndex]);
  return FIXED;
}
