// Small builders for the tests of docs/semantics.md §10 (kinds, conditions, signals, pause), kept
// apart from the shared fixture modules so they do not depend on how those are arranged.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export type Db = pg.Pool | pg.PoolClient | pg.Client;

/** A flow: the database it lives in, its id and its partition (the shape test/helpers/cascade.ts takes). */
export interface TestFlow {
  db: Db;
  flowId: string;
  partition: number;
}

/** ff_create_flow with a fresh id. */
export async function createFlow(db: Db): Promise<TestFlow> {
  const flowId = randomUUID();
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)', [flowId]);
  return { db, flowId, partition: rows[0].partition_key };
}

/** ff_complete_execution with an optional result; returns its row. */
export async function complete(db: Db, executionId: string, outcome: string, result?: unknown) {
  const { rows } = await db.query(
    'SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1::text, p_outcome => $2::text, p_result => $3::jsonb)',
    [executionId, outcome, result === undefined ? null : JSON.stringify(result)],
  );
  return rows[0] as { status: string; outcome: string };
}

/** The flow's ff_flow_core row. */
export async function flowRow(flow: TestFlow) {
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_flow_core WHERE flow_id = $1::uuid', [flow.flowId]);
  return rows[0] as { public_flow_state: string; terminal_at_ms: string | null; raw_fields: Record<string, unknown> };
}
