// The flowstage worker: a Graphile Worker runner with flowstage's cascade tasks and the
// user's tasks (each wrapped so it begins, completes or fails its execution), plus a heartbeat:
// every few seconds it tells the database it is alive (ff_worker_heartbeat) and unlocks the jobs
// of workers that stopped doing so (ff_reap_dead_workers), so a crashed worker's flows resume.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import {
  Logger,
  run as runGraphileWorker,
  type LogFunctionFactory,
  type Runner,
  type Worker,
  type WorkerEvents,
  type WorkerPool,
} from 'graphile-worker';
import { buildTaskList, type FlowstageEvents, type TaskList } from './tasks.js';
import { callPool, retryingCalls } from './calls.js';
import type { Queryable } from '../client/queryable.js';
import { reapDeadWorkers, recoverJobs, workerHeartbeat } from '../generated/index.js';

export { buildTaskList, flowstageTasks, wrapUserTask, FLOWSTAGE_TASK_NAMES, SuspendedError } from './tasks.js';
export type {
  FlowFinishedEvent,
  FlowstageEventMap,
  FlowstageEvents,
  FlowstageHelpers,
  FlowstageTask,
  FlowstageTaskName,
  FlowstageTaskPayloads,
  RetryScheduledEvent,
  RunJobPayload,
  SuspendOptions,
  TaskList,
} from './tasks.js';

/**
 * Starts a worker. Unless `noHandleSignals`, SIGINT and SIGTERM shut it down gracefully:
 * running jobs finish (or are released for another worker), then the process exits.
 * `events` carries Graphile Worker's events (job:start, job:success, worker:create, ...) and
 * flowstage's: execution:completed, flow:completed, flow:failed, flow:cancelled (FlowstageEventMap).
 */
export async function run(options: {
  /** The database flowstage (and Graphile Worker's schema) is installed in. */
  connectionString: string;
  /** User tasks by task_identifier. Names starting with flowstage__ are reserved. */
  taskList?: TaskList;
  /** Jobs run at once in this process (Graphile Worker's concurrency); default 4. */
  concurrency?: number;
  /** Milliseconds between polls when LISTEN/NOTIFY is quiet; default 2000. */
  pollInterval?: number;
  /** Graphile Worker log function factory; default: Graphile Worker's console logger. */
  logFactory?: LogFunctionFactory;
  /** Leave SIGINT/SIGTERM alone (the caller handles shutdown); default false. */
  noHandleSignals?: boolean;
  /**
   * Milliseconds between calls of ff_recover_jobs (repairs left by crashed workers: runs whose
   * last attempt died, lost cascade jobs); it also runs once at start and after a dead worker's
   * jobs were unlocked. Default 60000; 0 = only then.
   */
  recoverInterval?: number;
  /**
   * Milliseconds between heartbeats (ff_worker_heartbeat, then ff_reap_dead_workers, which unlocks
   * the jobs of every worker whose lease ran out). Default 5000.
   */
  heartbeatInterval?: number;
  /**
   * Milliseconds this worker may stay silent before a live worker declares it dead and unlocks its
   * jobs; more than heartbeatInterval (a task that blocks the event loop longer than this gets its
   * job run again elsewhere). Default 30000: a crashed worker's jobs run again within 35 s.
   */
  workerLease?: number;
  /**
   * Whether flowstage's own calls (begin and complete an attempt, cascade hops) wait for the
   * write-ahead log flush at commit. Default false: Graphile Worker's synchronous completion of
   * the same job, which follows each of them, flushes them (see src/worker/calls.ts).
   */
  synchronousCommit?: boolean;
}): Promise<{ stop(): Promise<void>; promise: Promise<void>; events: WorkerEvents & FlowstageEvents; workerId: string }> {
  if (!options.connectionString) throw new Error('run: connectionString is required');
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`run: concurrency must be a positive integer (got ${String(concurrency)})`);
  }
  if (
    options.taskList !== undefined &&
    (typeof options.taskList !== 'object' || options.taskList === null || Array.isArray(options.taskList))
  ) {
    throw new Error(
      `run: taskList must be an object of task functions by name (got ${Array.isArray(options.taskList) ? 'an array' : typeof options.taskList})`,
    );
  }
  const heartbeatInterval = options.heartbeatInterval ?? 5000;
  const workerLease = options.workerLease ?? 30_000;
  if (!(heartbeatInterval > 0) || !(workerLease > heartbeatInterval)) {
    throw new Error('run: heartbeatInterval must be positive and workerLease longer than heartbeatInterval');
  }
  // One emitter for Graphile Worker's events (runner.events) and flowstage's own (tasks.ts).
  const events = new EventEmitter() as WorkerEvents & FlowstageEvents;
  let calls: Queryable | undefined;
  const taskList = buildTaskList(options.taskList, events, () => calls!); // (refuses reserved names first)
  const logger = options.logFactory ? new Logger(options.logFactory) : undefined;
  const log = logger ?? console;
  await assertInstalled(options.connectionString); // before Graphile Worker creates its schema
  // Our own pools, so their error listeners outlive the runner: a connection still closing after
  // stop() may be told "terminating connection" by the server, which must not crash the process.
  // One per Graphile Worker pool (newPool; a pool replaced after a fault may hold its connections
  // a while, which must not starve its successor), one for the heartbeat and recovery, one for
  // flowstage's own calls from the tasks.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  const flowstagePool = callPool(options.connectionString, concurrency, options.synchronousCommit ?? false);
  let stopped = false;
  calls = retryingCalls(
    flowstagePool,
    () => stopped,
    (message) => log.warn(`flowstage worker: ${message}`),
  );
  const onError = (error: Error) => {
    if (!stopped) log.error(`flowstage worker: connection error: ${error.message}`);
  };
  const listen = (pool: pg.Pool) => {
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    return pool;
  };
  for (const pool of [pgPool, flowstagePool]) listen(pool);
  const newPool = () => listen(new pg.Pool({ connectionString: options.connectionString, max: concurrency + 2 }));
  const endPools = async () => {
    await pgPool.end().catch(() => {});
    await flowstagePool.end().catch(() => {});
  };
  // Graphile Worker 0.17 locks jobs in the name of the worker pool (jobs.locked_by = the pool's
  // id), and announces the pool with the pool:create event while run() starts it.
  // A pool that cannot record a job's completion or failure (its connection terminated) shuts
  // itself down (pool:fatalError; completions are batched so that such a failure reaches that
  // handler instead of escaping as an unhandled rejection, as it does unbatched). flowstage then
  // starts a new pool at once; the old one finishes its running jobs, and the jobs it could not
  // release stay locked by its id, which stops heartbeating: after workerLease this worker (or
  // another) reaps it and they run again; a job whose execution had completed then finds it
  // terminal (ff_begin_attempt) and does nothing.
  interface Current {
    runner: Runner;
    id: string;
    faulted: boolean;
    pool: pg.Pool;
    workerPool: WorkerPool;
    /** When one of its workers last got an answer to "a job?" (a job or none), or was running one. */
    lastAlive: number;
  }
  const startRunner = async (): Promise<Current> => {
    const pool = newPool();
    let created: WorkerPool | undefined;
    const onPool = ({ workerPool }: { workerPool: WorkerPool }) => {
      created ??= workerPool;
    };
    events.on('pool:create', onPool);
    let runner: Runner;
    try {
      runner = await runGraphileWorker({
        pgPool: pool,
        concurrency,
        pollInterval: options.pollInterval ?? 2000,
        noHandleSignals: options.noHandleSignals ?? false,
        taskList,
        events,
        // No crontab: Graphile Worker would otherwise look for ./crontab and log that cron is disabled.
        parsedCronItems: [],
        preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
        ...(logger ? { logger } : {}),
      });
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    } finally {
      events.off('pool:create', onPool);
    }
    if (!created) {
      await runner.stop().catch(() => {});
      await pool.end().catch(() => {});
      throw new Error('run: Graphile Worker did not announce its worker pool (pool:create); cannot heartbeat');
    }
    return { runner, id: created.id, faulted: false, pool, workerPool: created, lastAlive: Date.now() };
  };
  let current: Current;
  try {
    current = await startRunner();
  } catch (error) {
    await endPools();
    throw error;
  }
  let workerId = current.id;
  const recover = async () => {
    try {
      for (const row of await recoverJobs(pgPool)) log.info(`flowstage worker: recovered ${row.execution_id}: ${row.status}`);
    } catch (error) {
      if (!stopped) log.error(`flowstage worker: ff_recover_jobs failed: ${(error as Error).message}`);
    }
  };
  const info = { host: hostname(), pid: process.pid };
  // The heartbeat's secret: only this process can renew its workers' leases (the database keeps
  // its hash, docs/operations.md#trust-model).
  const secret = randomBytes(32).toString('hex');
  const heartbeat = async () => {
    try {
      await workerHeartbeat(pgPool, { workerId, secret, leaseMs: workerLease, info });
      let unlocked = 0;
      for (const row of await reapDeadWorkers(pgPool)) {
        if (row.jobs_unlocked > 0) {
          log.warn(
            `flowstage worker: worker ${row.worker_id} was silent for ${row.silent_ms} ms: unlocked its ${row.jobs_unlocked} job(s)`,
          );
        }
        unlocked += row.jobs_unlocked;
      }
      if (unlocked > 0) await recover(); // runs whose last attempt died with that worker
    } catch (error) {
      if (!stopped) log.error(`flowstage worker: heartbeat failed: ${(error as Error).message}`);
    }
  };
  // Supervision: a pool that reports a fatal error is replaced (see above); a pool that ends
  // without one (stop(), or Graphile Worker's own SIGINT/SIGTERM handling) ends the worker.
  const retired: Promise<unknown>[] = [];
  let replacing: Promise<void> | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const replace = (from: Current, reason: string) => {
    if (stopped || from !== current || from.faulted) return;
    from.faulted = true;
    retire(from);
    log.error(`flowstage worker: Graphile Worker pool ${from.id} stopped ${reason}; starting a new pool`);
    replacing = (async () => {
      for (let delay = 250; !stopped; delay = Math.min(delay * 2, 10_000)) {
        try {
          const next = await startRunner();
          if (stopped) {
            await next.runner.stop().catch(() => {});
            return;
          }
          current = next;
          workerId = next.id;
          watch(next);
          await heartbeat();
          return;
        } catch (error) {
          log.error(
            `flowstage worker: could not start a new Graphile Worker pool (${(error as Error).message}); retrying in ${delay} ms`,
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })().finally(() => {
      replacing = undefined;
    });
  };
  const watch = (c: Current) => {
    const settled = c.runner.promise.then(
      () => {
        if (!c.faulted) finish();
      },
      (error: unknown) => {
        if (!c.faulted) replace(c, `after a database fault (${(error as Error)?.message ?? String(error)})`);
      },
    );
    retired.push(settled);
    // A replaced pool's connections are closed once it has settled, or after 10 s if its shutdown
    // hangs (see shutDown); the live pool's, at shutdown.
    void settled.then(async () => {
      if (!c.faulted) return;
      await c.pool.end().catch(() => {});
    });
  };
  const retire = (c: Current) => {
    setTimeout(() => {
      void c.pool.end().catch(() => {});
    }, 10_000).unref();
  };
  events.on('pool:fatalError', ({ workerPool, error }: { workerPool: { id: string }; error: unknown }) => {
    if (workerPool.id === current.id) replace(current, `after a database fault (${(error as Error)?.message ?? String(error)})`);
  });
  // A pool can also stall without a fault, taking none of the due jobs (the fault probe saw it for
  // minutes, the pool holding no connection; the cause found is below). Such a pool is stopped and
  // replaced like a faulted one: it runs no job, so none can run twice, and a job it might still
  // lock stays locked by its id until that id's lease runs out and it is reaped. Besides the cause
  // found, a pool whose workers run no job and got no answer to "a job?" (a job or none) for
  // stallAfter is taken for stalled (e.g. waiting on connections that never answer).
  const replaceStalled = (c: Current, reason: string) => {
    if (stopped || c !== current || c.faulted) return;
    replace(c, `taking jobs: ${reason}`);
    void Promise.resolve(c.runner.stop()).catch(() => {}); // it did not stop itself, unlike a faulted pool
  };
  const stallAfter = Math.max(workerLease, 10 * (options.pollInterval ?? 2000));
  const alive = ({ worker }: { worker: Worker }) => {
    if (worker.workerPool.id === current.id) current.lastAlive = Date.now();
  };
  events.on('worker:getJob:empty', alive);
  events.on('job:start', alive);
  // The stall the probe found: Graphile Worker 0.17 looks a pool's task names up once, on its first
  // poll, and keeps the promise; when that lookup's connection is terminated, every later poll of
  // the pool fails with that same rejected promise's error object, without asking the database,
  // for as long as the pool lives. A fresh failure is a new error object, so the same one twice
  // means the pool can never take a job: it is replaced at once.
  let lastGetJobError: { poolId: string; error: unknown } | undefined;
  events.on('worker:getJob:error', ({ worker, error }: { worker: Worker; error: unknown }) => {
    const c = current;
    if (worker.workerPool.id !== c.id) return;
    if (lastGetJobError?.poolId === c.id && lastGetJobError.error === error) {
      replaceStalled(c, `every poll fails with the same error (${(error as Error)?.message ?? String(error)})`);
    }
    lastGetJobError = { poolId: c.id, error };
  });
  const checkStalled = () => {
    const c = current;
    if (stopped || c.faulted || replacing) return;
    if (c.workerPool._workers.some((worker) => worker.getActiveJob())) c.lastAlive = Date.now();
    if (Date.now() - c.lastAlive <= stallAfter) return;
    replaceStalled(c, `none of its workers got an answer from the database for ${stallAfter} ms`);
  };
  watch(current);
  await heartbeat();
  await recover();
  let beating: Promise<void> | undefined;
  const heartbeatTimer = setInterval(() => {
    checkStalled();
    beating ??= heartbeat().finally(() => {
      beating = undefined;
    });
  }, heartbeatInterval);
  heartbeatTimer.unref();
  const interval = options.recoverInterval ?? 60_000;
  const timer = interval > 0 ? setInterval(() => void recover(), interval) : undefined;
  timer?.unref();
  const shutDown = async () => {
    stopped = true;
    clearInterval(heartbeatTimer);
    if (timer) clearInterval(timer);
    await replacing;
    if (!current.faulted) await current.runner.stop().catch(() => {});
    // A pool that shut itself down after a fault does not always settle (Graphile Worker 0.17
    // can leave its shutdown waiting on a batch that failed): its jobs are released by the lease,
    // so waiting for it longer than its own abort timeout (5 s) would only hang the stop.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(retired),
      new Promise((resolve) => {
        waited = setTimeout(resolve, 6000);
      }),
    ]);
    clearTimeout(waited);
    await beating;
    await current.pool.end().catch(() => {});
    await endPools();
  };
  // When Graphile Worker stops on its own (SIGINT/SIGTERM), close the pools too.
  let stopping: Promise<void> | undefined;
  const promise = finished.then(() => {
    stopping ??= shutDown();
    return stopping;
  });
  return {
    stop() {
      stopping ??= shutDown();
      return stopping.then(() => finish());
    },
    promise,
    events,
    get workerId() {
      return workerId;
    },
  };
}

/**
 * Refuses to start on a database where flowstage is not installed (nothing is created there: not
 * even Graphile Worker's schema, which its runner would otherwise install).
 */
async function assertInstalled(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT to_regprocedure('flowfabric.ff_worker_heartbeat(text, text, bigint, jsonb, bigint)') IS NOT NULL AS installed,
              to_regnamespace('flowfabric') IS NOT NULL AS schema`,
    );
    if (!rows[0].installed) {
      throw new Error(
        rows[0].schema
          ? 'run: this database holds an older flowstage (flowfabric.ff_worker_heartbeat with a secret is missing): upgrade it with `flowstage migrate` before starting the worker'
          : 'run: flowstage is not installed in this database (no schema flowfabric): install it with `flowstage migrate` before starting the worker',
      );
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export type RunOptions = Parameters<typeof run>[0];

/**
 * A log function factory that keeps warnings and errors only (for progress displays, tests): each
 * message whole, without the stack trace Graphile Worker appends to a failed task's line.
 */
export const quietLogFactory: LogFunctionFactory = () => (level, message, meta) => {
  if (level !== 'error' && level !== 'warning') return;
  const error = (meta as { error?: unknown } | undefined)?.error;
  let text = message;
  if (error instanceof Error && error.stack) {
    // Graphile Worker writes `...with error '<message>':\n  <stack, indented>`.
    const stack = `:\n  ${String(error.stack).replace(/\n/g, '\n  ').trim()}`;
    if (text.endsWith(stack)) text = text.slice(0, -stack.length);
  }
  console.error(`[worker ${level}] ${text.replace(/\n/g, '\n    ')}`);
};
