// G. Retention: ff_prune_flows deleting 500 finished flows of 10 members each beside an open
// 100,000-member flow (issue 23 item 5: the prune must reach the candidates' rows by index, not
// scan ff_exec_core once per candidate). The flows are built and cancelled untimed, the tables
// analysed, then one ff_prune_flows call is timed. --quick: 20 flows beside 1,000 members.
import { randomUUID } from 'node:crypto';
import { now, pool } from './common.js';
import { NOOP_TASK, type Context } from './context.js';
import { buildFlow, membersPlan } from './dag.js';

export async function pruneRound(ctx: Context): Promise<void> {
  const finished = ctx.quick ? 20 : 500;
  const bigFlow = ctx.quick ? 1_000 : 100_000;
  const ms = await ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const db = pool(url, 2);
    try {
      await buildFlow(db, randomUUID(), membersPlan(bigFlow, NOOP_TASK));
      const flowIds = Array.from({ length: finished }, () => randomUUID());
      for (const flowId of flowIds) await buildFlow(db, flowId, membersPlan(10, NOOP_TASK));
      await db.query(
        `SELECT count(*) FROM unnest($1::uuid[]) f, LATERAL flowfabric.ff_cancel_flow(p_flow_id => f, p_reason => 'bench') c`,
        [flowIds],
      );
      await db.query('ANALYZE');
      // A cutoff after every cancellation and before the prune's own now (a later one is refused).
      await new Promise((r) => setTimeout(r, 5));
      const { rows: cutoff } = await db.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms');
      const start = now();
      const { rows } = await db.query('SELECT * FROM flowfabric.ff_prune_flows(p_finished_before_ms => $1, p_limit => $2)', [
        cutoff[0].ms,
        finished,
      ]);
      const elapsed = now() - start;
      if (Number(rows[0].flows) !== finished || Number(rows[0].executions) !== finished * 10)
        throw new Error(`bench G: ff_prune_flows answered ${JSON.stringify(rows[0])}`);
      return elapsed;
    } finally {
      await db.end();
    }
  });
  ctx.results.add(
    'G.prune',
    'G',
    `ff_prune_flows: ${finished} finished flows of 10 members beside a ${bigFlow}-member flow`,
    'ms',
    ms,
  );
  ctx.log(`G: ff_prune_flows of ${finished} finished flows beside a ${bigFlow}-member flow: ${ms.toFixed(0)} ms`);
}
