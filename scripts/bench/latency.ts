// C. Per-call latency of the generated client next to the same call sent by hand as a named
// prepared statement through pg ({ name, text, values }), on one connection. The two are
// interleaved call by call (which goes first alternates), so drift hits both alike.
import { randomUUID } from 'node:crypto';
import { createFlow, stageDependencyEdge } from '../../src/generated/index.js';
import { client, median, now, percentile, pool } from './common.js';
import { NOOP_TASK, type Context } from './context.js';
import { buildFlow, chainDag, planOf } from './dag.js';

interface Pair {
  key: string;
  label: string;
  generated: () => Promise<unknown>;
  raw: () => Promise<unknown>;
}

export async function latencyRound(ctx: Context): Promise<void> {
  const { calls, warmCalls } = ctx.sizes.latency;
  await ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const setup = pool(url, 1);
    const flowId = randomUUID();
    const plan = planOf(chainDag(2), NOOP_TASK);
    await buildFlow(setup, flowId, plan);
    await setup.end();
    const edge = plan.edges[0];
    const db = await client(url);
    try {
      const pairs: Pair[] = [
        {
          key: 'createFlow',
          label: 'createFlow replay (ff_create_flow, flow exists)',
          generated: () => createFlow(db, { flowId }),
          raw: () =>
            db.query({
              name: 'bench_create_flow',
              text: 'SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)',
              values: [flowId],
            }),
        },
        {
          key: 'stageDependencyEdge',
          label: 'stageDependencyEdge replay (already_staged)',
          generated: () =>
            stageDependencyEdge(db, {
              flowId,
              edgeId: edge.edge_id,
              upstreamExecutionId: edge.upstream_execution_id,
              downstreamExecutionId: edge.downstream_execution_id,
              expectedGraphRevision: 0,
            }),
          raw: () =>
            db.query({
              name: 'bench_stage_dependency_edge',
              text:
                'SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1::uuid, p_edge_id => $2::uuid, ' +
                'p_upstream_execution_id => $3::text, p_downstream_execution_id => $4::text, p_expected_graph_revision => $5::bigint)',
              values: [flowId, edge.edge_id, edge.upstream_execution_id, edge.downstream_execution_id, 0],
            }),
        },
      ];
      const [created] = await createFlow(db, { flowId });
      const [staged] = (await pairs[1].generated()) as { status: string }[];
      if (created.status !== 'already_satisfied' || staged.status !== 'already_staged') {
        throw new Error(`bench C: the replays answered ${created.status}, ${staged.status}`);
      }
      for (const pair of pairs) {
        for (let i = 0; i < warmCalls; i++) {
          await pair.generated();
          await pair.raw();
        }
        const generated: number[] = [];
        const raw: number[] = [];
        for (let i = 0; i < calls; i++) {
          const order =
            i % 2
              ? ([
                  ['raw', pair.raw],
                  ['generated', pair.generated],
                ] as const)
              : ([
                  ['generated', pair.generated],
                  ['raw', pair.raw],
                ] as const);
          for (const [which, call] of order) {
            const start = now();
            await call();
            (which === 'raw' ? raw : generated).push((now() - start) * 1000);
          }
        }
        ctx.results.add(
          `C.${pair.key}.generated.median`,
          'C',
          `${pair.label}, generated client, median`,
          'µs',
          median(generated),
        );
        ctx.results.add(
          `C.${pair.key}.generated.p95`,
          'C',
          `${pair.label}, generated client, p95`,
          'µs',
          percentile(generated, 0.95),
        );
        ctx.results.add(
          `C.${pair.key}.raw.median`,
          'C',
          `${pair.label}, raw named prepared statement, median`,
          'µs',
          median(raw),
        );
        ctx.results.add(
          `C.${pair.key}.raw.p95`,
          'C',
          `${pair.label}, raw named prepared statement, p95`,
          'µs',
          percentile(raw, 0.95),
        );
      }
    } finally {
      await db.end();
    }
  });
}
