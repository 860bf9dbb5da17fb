// D. Running a DAG: flowstage's runner (src/worker run(), no-op task) on the layered DAG, bare
// Graphile Worker (its own run(), no-op task) on as many independent jobs, and pg-boss 12
// workers on the same DAG submitted with flow(). Wall time from the moment work is released
// (ff_start_flow / add_jobs / the pg-boss workers starting, the DAG being already inserted) until
// the last execution is done, seen by a poll every 20 ms; executions/s = nodes / wall time.
// Building the DAG is not timed. The flowstage DAG runs twice: as is, and with a condition that
// holds on every edge (`$.rows > 0`, the task returning {"rows": 1}), the cost of conditions. E. A chain through flowstage's runner: the hop from a parent's
// completion to its child's attempt start, from the timestamps flowstage stores.
import { randomUUID } from 'node:crypto';
import { Logger, run as runGraphileWorker, type LogFunctionFactory } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import { startFlow } from '../../src/generated/index.js';
import { run as runFlowstage } from '../../src/worker/index.js';
import { client, median, now, percentile, pool, rotate, sleep, waitUntil, walPosition } from './common.js';
import { NOOP_TASK, PG_BOSS_QUEUE, type Context } from './context.js';
import { buildFlow, chainDag, layeredDag, pgBossJobs, planOf, type Dag } from './dag.js';

const POLL_MS = 20;
/** Worker logs: errors only. */
const errorsOnly =
  (ctx: Context): LogFunctionFactory =>
  () =>
  (level, message) => {
    if (level === 'error') ctx.log(`[worker error] ${message.split('\n')[0]}`);
  };

/** flowstage: build (untimed), start a runner, time ff_start_flow until the flow is completed. */
async function flowstageRun(
  ctx: Context,
  dag: Dag,
  concurrency: number,
  timeoutMs: number,
  after?: (db: ReturnType<typeof pool>, flowId: string) => Promise<void>,
  condition?: string,
): Promise<RunMeasure & { how: string; hot: HotShare }> {
  return ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const db = pool(url, 2);
    let polls = 0;
    let ms = 0;
    let walBytes = 0;
    const flowId = randomUUID();
    const how = await buildFlow(db, flowId, planOf(dag, NOOP_TASK, condition));
    const result = condition === undefined ? null : { rows: 1 };
    const runner = await runFlowstage({
      connectionString: url,
      concurrency,
      taskList: { [NOOP_TASK]: () => result },
      noHandleSignals: true,
      pollInterval: 2000,
      logFactory: errorsOnly(ctx),
    });
    try {
      const walStart = await walPosition(db);
      const start = now();
      await startFlow(db, { flowId });
      let state = 'open';
      await waitUntil(
        'the flowstage flow to finish',
        async () => {
          polls++;
          const { rows } = await db.query('SELECT public_flow_state FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
          state = rows[0].public_flow_state;
          return state !== 'open';
        },
        POLL_MS,
        timeoutMs,
      );
      ms = now() - start;
      walBytes = (await walPosition(db)) - walStart;
      if (state !== 'completed') throw new Error(`bench: the flowstage flow ended ${state}`);
      await after?.(db, flowId);
    } finally {
      await runner.stop();
      await db.end();
    }
    const stats = await settledStats(url, ['ff_exec_core', 'ff_edge', 'ff_edge_group']);
    return { ms, how, walBytes, transactions: stats.transactions - polls, hot: stats.hot };
  });
}

/** What one timed run measured: wall time, WAL bytes written in the timed window, and committed transactions. */
interface RunMeasure {
  ms: number;
  walBytes: number;
  /** Transactions committed in the database over its life (the untimed setup's few included), the bench's own polls left out. */
  transactions: number;
}

/** Per table: [HOT updates, all updates]. */
type HotShare = Record<string, [number, number]>;

/**
 * The database's committed transactions and its tables' updates (HOT and all), once every
 * session has ended and flushed its statistics (a backend flushes them when it exits, shortly
 * after its client disconnects): read until two readings 300 ms apart agree.
 */
async function settledStats(url: string, tables: string[]): Promise<{ transactions: number; hot: HotShare }> {
  const db = await client(url);
  try {
    let last = '';
    for (let reading = 0; ; reading++) {
      await sleep(300);
      const { rows } = await db.query(
        `
        SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::bigint AS transactions,
               coalesce((SELECT jsonb_object_agg(relname, jsonb_build_array(n_tup_hot_upd, n_tup_upd))
                         FROM pg_stat_user_tables WHERE schemaname = 'flowfabric' AND relname = ANY ($1)), '{}') AS hot`,
        [tables],
      );
      const now = JSON.stringify(rows[0]);
      if (now === last || reading === 10) {
        // This session's own readings (at most 11 transactions) may be counted: noise.
        return { transactions: Number(rows[0].transactions), hot: rows[0].hot };
      }
      last = now;
    }
  } finally {
    await db.end();
  }
}

/** Bare Graphile Worker: a runner with a no-op task; time add_jobs of n jobs until none is left. */
async function graphileRun(ctx: Context, jobs: number, concurrency: number, timeoutMs: number): Promise<RunMeasure> {
  return ctx.scratch.with(ctx.templates.graphile, async (url) => {
    const db = pool(url, 2);
    let polls = 0;
    let ms = 0;
    let walBytes = 0;
    // Its own pool, sized as flowstage's runner sizes its pool.
    const workerPool = pool(url, concurrency + 2);
    const runner = await runGraphileWorker({
      pgPool: workerPool,
      concurrency,
      taskList: { [NOOP_TASK]: async () => {} },
      noHandleSignals: true,
      pollInterval: 2000,
      logger: new Logger(errorsOnly(ctx)),
    });
    try {
      const walStart = await walPosition(db);
      const start = now();
      await db.query(
        `
        SELECT graphile_worker.add_jobs(ARRAY(
          SELECT ROW($1, json_build_object('node', i), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
          FROM generate_series(1, $2::int) i))`,
        [NOOP_TASK, jobs],
      );
      await waitUntil(
        'Graphile Worker to run every job',
        async () => {
          polls++;
          const { rows } = await db.query('SELECT count(*)::int AS left FROM graphile_worker._private_jobs');
          return rows[0].left === 0;
        },
        POLL_MS,
        timeoutMs,
      );
      ms = now() - start;
      walBytes = (await walPosition(db)) - walStart;
    } finally {
      await runner.stop();
      await workerPool.end();
      await db.end();
    }
    const stats = await settledStats(url, []);
    return { ms, walBytes, transactions: stats.transactions - polls };
  });
}

/**
 * pg-boss 12: the DAG inserted with flow() (untimed), then one worker with at most `concurrency`
 * jobs in flight (batchSize = concurrency, burstWhenBatchFull: fetch again at once while batches
 * come back full), pollingIntervalSeconds and flowIntervalSeconds at their minimums (0.5 s, 1 s).
 */
async function pgBossRun(ctx: Context, dag: Dag, concurrency: number, timeoutMs: number): Promise<number> {
  return ctx.scratch.with(ctx.templates.pgboss, async (url) => {
    const db = pool(url, 1);
    const boss = new PgBoss({ connectionString: url, flowIntervalSeconds: 1, schedule: false, max: concurrency + 2 });
    boss.on('error', (error) => ctx.log(`pg-boss error: ${error.message}`));
    await boss.start();
    try {
      await boss.flow(pgBossJobs(dag, PG_BOSS_QUEUE));
      const total = dag.parents.length;
      const start = now();
      await boss.work(
        PG_BOSS_QUEUE,
        {
          batchSize: concurrency,
          burstWhenBatchFull: true,
          pollingIntervalSeconds: 0.5,
        },
        async (jobs) => {
          await Promise.all(jobs.map(async () => {}));
        },
      );
      await waitUntil(
        'pg-boss to run every job',
        async () => {
          const { rows } = await db.query(
            `SELECT count(*)::int AS done FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
            [PG_BOSS_QUEUE],
          );
          return rows[0].done === total;
        },
        POLL_MS,
        timeoutMs,
      );
      return now() - start;
    } finally {
      await boss.stop({ timeout: 5000 });
      await db.end();
    }
  });
}

export async function runRound(ctx: Context, round: number): Promise<void> {
  const { layers, width, fanIn, concurrencies, timeoutMs } = ctx.sizes.run;
  const dag = layeredDag(layers, width, fanIn);
  const nodes = dag.parents.length;
  const label = `${nodes.toLocaleString('en-US')}-node DAG (${layers} x ${width}, fan-in ${fanIn}, ${dag.edgeCount.toLocaleString('en-US')} edges)`;
  for (const concurrency of concurrencies) {
    for (const contender of rotate(['flowstage', 'graphile', 'pgboss'] as const, round)) {
      if (contender === 'flowstage') {
        const plain = await flowstageRun(ctx, dag, concurrency, timeoutMs);
        ctx.results.note(`D: flowstage's DAGs were built with ${plain.how} (untimed).`);
        const what = `flowstage runner, ${label}, concurrency ${concurrency}`;
        record(ctx, `D.flowstage.${concurrency}`, what, plain, nodes);
        for (const [table, [hot, all]] of Object.entries(plain.hot)) {
          if (all > 0) {
            ctx.results.add(
              `D.flowstage.${concurrency}.hot.${table}`,
              'D',
              `${what}: HOT share of ${table} updates`,
              '%',
              (100 * hot) / all,
            );
          }
        }
        const conditioned = await flowstageRun(ctx, dag, concurrency, timeoutMs, undefined, '$.rows > 0');
        record(
          ctx,
          `D.condition.${concurrency}`,
          `flowstage runner, ${label}, a true condition on every edge, concurrency ${concurrency}`,
          conditioned,
          nodes,
        );
      } else if (contender === 'graphile') {
        const measured = await graphileRun(ctx, nodes, concurrency, timeoutMs);
        record(
          ctx,
          `D.graphile.${concurrency}`,
          `bare Graphile Worker, ${nodes.toLocaleString('en-US')} independent jobs, concurrency ${concurrency}`,
          measured,
          nodes,
        );
      } else {
        const ms = await pgBossRun(ctx, dag, concurrency, timeoutMs);
        record(ctx, `D.pgboss.${concurrency}`, `pg-boss flow() workers, ${label}, concurrency ${concurrency}`, { ms }, nodes);
      }
    }
  }
}

function record(ctx: Context, key: string, label: string, measured: Partial<RunMeasure> & { ms: number }, nodes: number) {
  const { ms, walBytes, transactions } = measured;
  ctx.results.add(key, 'D', `${label}: wall time`, 's', ms / 1000, 2);
  ctx.results.add(`${key}.rate`, 'D', `${label}: executions/s`, 'executions/s', (nodes * 1000) / ms);
  if (walBytes !== undefined) ctx.results.add(`${key}.wal`, 'D', `${label}: WAL per executed node`, 'bytes', walBytes / nodes);
  if (transactions !== undefined) {
    ctx.results.add(
      `${key}.xacts`,
      'D',
      `${label}: committed transactions per executed node`,
      'transactions',
      transactions / nodes,
      2,
    );
  }
}

export async function chainRound(ctx: Context): Promise<void> {
  const { length, concurrency, timeoutMs } = ctx.sizes.chain;
  let hops: number[] = [];
  const { ms } = await flowstageRun(ctx, chainDag(length), concurrency, timeoutMs, async (db, flowId) => {
    const { rows } = await db.query(
      `
      SELECT (c.raw_fields->>'last_attempt_started_at_ms')::bigint - p.terminal_at_ms AS hop_ms
      FROM flowfabric.ff_edge e
      JOIN flowfabric.ff_exec_core p ON p.partition_key = e.partition_key AND p.execution_id = e.upstream_eid
      JOIN flowfabric.ff_exec_core c ON c.partition_key = e.partition_key AND c.execution_id = e.downstream_eid
      WHERE e.flow_id = $1`,
      [flowId],
    );
    hops = rows.map((r) => Number(r.hop_ms));
  });
  if (hops.length !== length - 1 || hops.some((h) => !Number.isFinite(h))) throw new Error('bench E: hops not recorded');
  const label = `${length}-node chain, concurrency ${concurrency}`;
  ctx.results.add(
    'E.hop.median',
    'E',
    `${label}: hop (child attempt start - parent terminal_at_ms), median`,
    'ms',
    median(hops),
    1,
  );
  ctx.results.add('E.hop.p95', 'E', `${label}: hop, p95`, 'ms', percentile(hops, 0.95), 1);
  ctx.results.add('E.wall', 'E', `${label}: wall time`, 's', ms / 1000, 2);
}
