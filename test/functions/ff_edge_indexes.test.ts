// The run path and the readers look edges up by (partition_key, flow_id, endpoint); on tables the
// planner has never analysed, those lookups must still use an adjacency index (ff_edge_outbound,
// ff_edge_inbound, ff_edge_walk_out, ff_edge_walk_in), not a sequential scan nor the primary key's
// (partition_key, flow_id) prefix, which reads every edge of the flow at each lookup. A change to
// ff_edge's indexes must keep these plans. Plan shapes only, never times.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { plansOf } from '../helpers/plans.js';
import type pg from 'pg';

/** A 10 x 20 layered DAG (each node below the first layer depends on 3 nodes of the layer above), submitted, not started. */
async function layeredFlow(db: pg.Pool): Promise<{ flowId: string; ids: string[] }> {
  const flowId = randomUUID();
  const width = 20;
  const ids = Array.from({ length: 10 * width }, () => randomUUID());
  const edges = ids.flatMap((id, i) =>
    i < width
      ? []
      : [0, 7, 13].map((k) => ({
          edge_id: randomUUID(),
          upstream_execution_id: ids[(Math.floor(i / width) - 1) * width + ((i + k) % width)],
          downstream_execution_id: id,
        })),
  );
  await db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
    flowId,
    JSON.stringify({ executions: ids.map((id) => ({ execution_id: id, task_identifier: 'noop' })), edges }),
  ]);
  return { flowId, ids };
}

/** The plans auto_explain logged for `sql` that read ff_edge, on one connection of `db`. */
async function edgePlans(db: pg.Pool, sql: string, values: unknown[]): Promise<string[]> {
  const client = await db.connect();
  try {
    return (await plansOf(client, sql, values)).filter((plan) => /\bon ff_edge\b|\bff_edge_\w+ on\b|using ff_edge/i.test(plan));
  } finally {
    client.release();
  }
}

/** A plan that scans ff_edge sequentially, or its primary key without an edge_id condition (every edge of the flow). */
function readsFlowEdges(plan: string): boolean {
  const lines = plan.split('\n');
  return lines.some(
    (line, i) =>
      /Seq Scan on ff_edge\b/.test(line) ||
      (/using ff_edge_pkey\b/.test(line) && !/Index Cond: .*\bedge_id = /.test(lines[i + 1] ?? '')),
  );
}

async function neverAnalysed(db: pg.Pool): Promise<boolean> {
  const { rows } = await db.query(`SELECT bool_and(last_analyze IS NULL AND last_autoanalyze IS NULL) AS never
    FROM pg_stat_user_tables WHERE schemaname = 'flowfabric' AND relname IN ('ff_exec_core', 'ff_edge', 'ff_edge_group')`);
  return rows[0].never;
}

const calls: [string, string, (flowId: string, ids: string[]) => unknown[]][] = [
  [
    'ff_complete_execution (out-edges of the completed execution)',
    'SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2)',
    (_flowId, ids) => [ids[0], 'success'],
  ],
  [
    'ff_explain_execution (in-edges of a child)',
    'SELECT * FROM flowfabric.ff_explain_execution(p_flow_id => $1::uuid, p_execution_id => $2)',
    (flowId, ids) => [flowId, ids[25]],
  ],
  [
    'ff_replay_execution with its downstream (out-edges, level by level)',
    'SELECT * FROM flowfabric.ff_replay_execution(p_execution_id => $1, p_downstream => true)',
    (_flowId, ids) => [ids[0]],
  ],
];

for (const [name, sql, args] of calls) {
  test(`on never-analysed tables, ${name} reads ff_edge through an adjacency index only`, async (t) => {
    const db = await testDatabase(t);
    const { flowId, ids } = await layeredFlow(db);
    if (name.startsWith('ff_replay_execution')) {
      await db.query('SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2)', [ids[0], 'failed']);
    }
    t.true(await neverAnalysed(db), 'the tables were never analysed');
    const plans = await edgePlans(db, sql, args(flowId, ids));
    t.true(plans.length > 0, 'the call reads ff_edge');
    t.true(
      plans.some((plan) => /ff_edge_walk_(out|in)\b/.test(plan)),
      'an adjacency index is used',
    );
    t.deepEqual(
      plans.filter(readsFlowEdges),
      [],
      'no sequential scan of ff_edge, no scan of the primary key by its prefix alone',
    );
  });
}
