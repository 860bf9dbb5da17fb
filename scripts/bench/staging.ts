// B. Concurrent single-edge staging: ff_stage_dependency_edge through the generated client, each
// call its own transaction (autocommit), every connection staging into its own flow, next to a
// one-row INSERT (a named prepared statement) at the same connection counts. Each connection
// runs for the same wall-clock window; the figure is calls per second over all connections.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { stageDependencyEdge } from '../../src/generated/index.js';
import { client, now, pool, rotate } from './common.js';
import { NOOP_TASK, type Context } from './context.js';
import { buildFlow, membersPlan } from './dag.js';

/** Runs `call(connection index, call index)` on every connection until the window closes; calls per second. */
async function window(
  clients: pg.Client[],
  windowMs: number,
  limit: number,
  call: (c: number, i: number) => Promise<unknown>,
): Promise<{ rate: number; exhausted: boolean }> {
  const counts = clients.map(() => 0);
  let exhausted = false;
  const start = now();
  const end = start + windowMs;
  await Promise.all(
    clients.map(async (_, c) => {
      while (now() < end) {
        if (counts[c] >= limit) {
          exhausted = true;
          break;
        }
        await call(c, counts[c]);
        counts[c]++;
      }
    }),
  );
  const elapsed = now() - start;
  return { rate: (counts.reduce((a, b) => a + b, 0) * 1000) / elapsed, exhausted };
}

async function staging(ctx: Context, connections: number): Promise<number> {
  const { windowMs, warmCalls, side } = ctx.sizes.staging;
  return ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    // Fixtures: per connection a flow with `side` upstream and `side` downstream members; edge n joins
    // upstream n % side to downstream n / side, so every edge is new and its cycle check walks nothing.
    const setup = pool(url, 2);
    const flows: { flowId: string; ups: string[]; downs: string[]; revision: number }[] = [];
    for (let c = 0; c < connections; c++) {
      const flowId = randomUUID();
      const plan = membersPlan(2 * side, NOOP_TASK);
      await buildFlow(setup, flowId, plan);
      const { rows } = await setup.query('SELECT graph_revision FROM flowfabric.ff_describe_flow(p_flow_id => $1::uuid)', [
        flowId,
      ]);
      const ids = plan.executions.map((e) => e.execution_id);
      flows.push({ flowId, ups: ids.slice(0, side), downs: ids.slice(side), revision: Number(rows[0].graph_revision) });
    }
    await setup.end();
    const clients = await Promise.all(flows.map(() => client(url)));
    try {
      const offset = flows.map(() => 0);
      const stage = async (c: number, i: number) => {
        const flow = flows[c];
        const n = offset[c] + i;
        const [row] = await stageDependencyEdge(clients[c], {
          flowId: flow.flowId,
          edgeId: randomUUID(),
          upstreamExecutionId: flow.ups[n % side],
          downstreamExecutionId: flow.downs[Math.floor(n / side)],
          expectedGraphRevision: flow.revision,
        });
        if (row?.status !== 'staged') throw new Error(`bench B: staging answered ${JSON.stringify(row)}`);
        flow.revision++;
      };
      await Promise.all(
        clients.map(async (_, c) => {
          for (let i = 0; i < warmCalls; i++) await stage(c, i);
        }),
      );
      offset.fill(warmCalls);
      const { rate, exhausted } = await window(clients, windowMs, side * side - warmCalls, stage);
      if (exhausted)
        ctx.results.note(`B: a staging connection ran out of fixture edges (${side * side}) before its window closed.`);
      return rate;
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
}

async function insert(ctx: Context, connections: number): Promise<number> {
  const { windowMs, warmCalls } = ctx.sizes.staging;
  return ctx.scratch.with(undefined, async (url) => {
    const clients = await Promise.all(Array.from({ length: connections }, () => client(url)));
    try {
      await clients[0].query('CREATE TABLE bench_insert (id uuid PRIMARY KEY, flow_id uuid NOT NULL, payload jsonb)');
      const flowIds = clients.map(() => randomUUID());
      const row = (c: number) =>
        clients[c].query({
          name: 'bench_insert',
          text: 'INSERT INTO bench_insert (id, flow_id, payload) VALUES ($1, $2, $3)',
          values: [randomUUID(), flowIds[c], null],
        });
      await Promise.all(
        clients.map(async (_, c) => {
          for (let i = 0; i < warmCalls; i++) await row(c);
        }),
      );
      return (await window(clients, windowMs, Number.POSITIVE_INFINITY, (c) => row(c))).rate;
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
}

export async function stagingRound(ctx: Context, round: number): Promise<void> {
  for (const connections of ctx.sizes.staging.connections) {
    for (const contender of rotate(['stage', 'insert'] as const, round)) {
      if (contender === 'stage') {
        ctx.results.add(
          `B.stage.${connections}`,
          'B',
          `ff_stage_dependency_edge, ${connections} connection(s), a flow each`,
          'edges/s',
          await staging(ctx, connections),
        );
      } else {
        ctx.results.add(
          `B.insert.${connections}`,
          'B',
          `one-row INSERT, ${connections} connection(s)`,
          'rows/s',
          await insert(ctx, connections),
        );
      }
    }
  }
}
