// H. Fresh tables (issue 23 item 4, goal: within 2x): one ff_stage_dependency_edges batch of a
// 20,000-edge chain over 20,001 members, on a database whose flow tables were never analysed
// (autovacuum off on them, so they stay so) and on one analysed after the members were added.
// Members are added untimed (ff_submit_flow); the batch is timed. --quick: a 200-edge chain.
import { randomUUID } from 'node:crypto';
import { now, pool } from './common.js';
import { NOOP_TASK, type Context } from './context.js';
import { buildFlow, membersPlan } from './dag.js';

const FLOW_TABLES = ['ff_exec_core', 'ff_edge', 'ff_edge_group'];

async function chainBatch(ctx: Context, edges: number, analysed: boolean): Promise<number> {
  return ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const db = pool(url, 2);
    try {
      for (const table of FLOW_TABLES) await db.query(`ALTER TABLE flowfabric.${table} SET (autovacuum_enabled = false)`);
      const flowId = randomUUID();
      const plan = membersPlan(edges + 1, NOOP_TASK);
      await buildFlow(db, flowId, plan);
      if (analysed) await db.query(`ANALYZE ${FLOW_TABLES.map((t) => `flowfabric.${t}`).join(', ')}`);
      const ids = plan.executions.map((e) => e.execution_id);
      const chain = ids
        .slice(1)
        .map((id, i) => ({ edge_id: randomUUID(), upstream_execution_id: ids[i], downstream_execution_id: id }));
      const start = now();
      const { rows } = await db.query(
        `SELECT * FROM flowfabric.ff_stage_dependency_edges(p_flow_id => $1::uuid, p_expected_graph_revision => $2::bigint,
           p_edges => $3::jsonb)`,
        [flowId, edges + 1, JSON.stringify(chain)],
      );
      const elapsed = now() - start;
      if (rows[0].status !== 'staged') throw new Error(`bench H: ff_stage_dependency_edges answered ${JSON.stringify(rows[0])}`);
      return elapsed;
    } finally {
      await db.end();
    }
  });
}

export async function freshRound(ctx: Context): Promise<void> {
  const edges = ctx.quick ? 200 : 20_000;
  const fresh = await chainBatch(ctx, edges, false);
  const analysed = await chainBatch(ctx, edges, true);
  ctx.results.add('H.fresh', 'H', `${edges}-edge chain batch, never-analysed tables`, 'ms', fresh);
  ctx.results.add('H.analysed', 'H', `${edges}-edge chain batch, analysed tables`, 'ms', analysed);
  ctx.log(
    `H: ${edges}-edge chain batch: ${fresh.toFixed(0)} ms fresh, ${analysed.toFixed(0)} ms analysed (${(fresh / analysed).toFixed(2)}x)`,
  );
}
