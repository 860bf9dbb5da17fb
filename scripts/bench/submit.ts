// A. Building a layered DAG in one call: ff_submit_flow next to pg-boss flow() and the floor
// (plain INSERT ... SELECT of the same rows). Each contender on a fresh database; one small
// untimed call first on the same connection, so the timed call finds its plans and caches warm.
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { client, rotate, timeMs, walPosition } from './common.js';
import { NOOP_TASK, PG_BOSS_QUEUE, type Context } from './context.js';
import { SUBMIT_SQL, floorSql, hasSubmitFlow, layeredDag, pgBossJobs, planOf, type Plan } from './dag.js';

type Contender = 'submit' | 'pgboss' | 'floor' | 'floorPlanLog';

export function prepareSubmit(ctx: Context) {
  const { layers, width, fanIn } = ctx.sizes.submit;
  const dag = layeredDag(layers, width, fanIn);
  const plan = planOf(dag, NOOP_TASK);
  const jobs = pgBossJobs(dag, PG_BOSS_QUEUE);
  const warmDag = layeredDag(2, 3, 1, 7);
  const label = `${dag.parents.length.toLocaleString('en-US')} executions / ${dag.edgeCount.toLocaleString('en-US')} edges`;
  return { dag, plan, jobs, warmPlan: planOf(warmDag, NOOP_TASK), warmJobs: pgBossJobs(warmDag, PG_BOSS_QUEUE), label };
}

export async function submitRound(ctx: Context, round: number, input: ReturnType<typeof prepareSubmit>): Promise<void> {
  const { plan, jobs, warmPlan, warmJobs, label } = input;
  for (const contender of rotate<Contender>(['submit', 'pgboss', 'floor', 'floorPlanLog'], round)) {
    if (contender === 'submit') {
      const ms = await ctx.scratch.with(ctx.templates.flowstage, async (url) => {
        const db = await client(url);
        try {
          if (!(await hasSubmitFlow(db))) return undefined;
          await db.query(SUBMIT_SQL, [randomUUID(), JSON.stringify(warmPlan)]);
          const flowId = randomUUID();
          let row: Record<string, unknown> | undefined;
          const walStart = await walPosition(db);
          const elapsed = await timeMs(async () => {
            row = (await db.query(SUBMIT_SQL, [flowId, JSON.stringify(plan)])).rows[0];
          });
          walPerNode(ctx, 'A.submit', 'ff_submit_flow', (await walPosition(db)) - walStart, plan);
          if (
            row?.status !== 'submitted' ||
            Number(row.edges_staged) !== plan.edges.length ||
            Number(row.members_added) !== plan.executions.length
          ) {
            throw new Error(`bench A: ff_submit_flow answered ${JSON.stringify(row)}`);
          }
          return elapsed;
        } finally {
          await db.end();
        }
      });
      if (ms === undefined)
        ctx.results.note('A: ff_submit_flow is not installed on this branch; its figure and goals are not measured.');
      else ctx.results.add('A.submit', 'A', `ff_submit_flow, one call (${label})`, 'ms', ms);
    } else if (contender === 'pgboss') {
      const ms = await ctx.scratch.with(ctx.templates.pgboss, async (url) => {
        const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, max: 2 });
        boss.on('error', (error) => ctx.log(`pg-boss error: ${error.message}`));
        await boss.start();
        try {
          await boss.flow(warmJobs);
          let ids: Record<string, string> = {};
          const db = await client(url);
          const walStart = await walPosition(db);
          const elapsed = await timeMs(async () => {
            ids = await boss.flow(jobs);
          });
          walPerNode(ctx, 'A.pgboss', 'pg-boss flow()', (await walPosition(db)) - walStart, plan);
          await db.end();
          if (Object.keys(ids).length !== jobs.length) throw new Error('bench A: pg-boss flow() returned too few ids');
          return elapsed;
        } finally {
          await boss.stop({ timeout: 5000 });
        }
      });
      ctx.results.add('A.pgboss', 'A', `pg-boss flow() with dependsOn, one call (${label})`, 'ms', ms);
    } else if (contender === 'floor') {
      ctx.results.add(
        'A.floor',
        'A',
        `floor: INSERT ... SELECT, one log row per item (${label})`,
        'ms',
        await floor(ctx, 'A.floor', 'floor, one log row per item', floorSql('perItem'), plan, warmPlan),
      );
    } else {
      ctx.results.add(
        'A.floorPlanLog',
        'A',
        `floor with one log row per plan, for reference (${label})`,
        'ms',
        await floor(ctx, 'A.floorPlanLog', 'floor, one log row per plan', floorSql('perPlan'), plan, warmPlan),
      );
    }
  }
}

/** WAL written by one build, per execution of the plan. */
function walPerNode(ctx: Context, key: string, who: string, bytes: number, plan: Plan): void {
  ctx.results.add(`${key}.wal`, 'A', `${who}: WAL per submitted node`, 'bytes', bytes / plan.executions.length);
}

async function floor(ctx: Context, key: string, who: string, sql: string, plan: Plan, warmPlan: Plan): Promise<number> {
  return ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const db = await client(url);
    try {
      await db.query(sql, [randomUUID(), JSON.stringify(warmPlan), Date.now()]);
      let row: Record<string, unknown> | undefined;
      const walStart = await walPosition(db);
      const elapsed = await timeMs(async () => {
        row = (await db.query(sql, [randomUUID(), JSON.stringify(plan), Date.now()])).rows[0];
      });
      walPerNode(ctx, key, who, (await walPosition(db)) - walStart, plan);
      if (Number(row?.edges) !== plan.edges.length) throw new Error(`bench A: floor wrote ${JSON.stringify(row)}`);
      return elapsed;
    } finally {
      await db.end();
    }
  });
}
