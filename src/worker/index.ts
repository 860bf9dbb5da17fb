// The flowstage worker: a Graphile Worker runner with flowstage's cascade tasks and the
// user's tasks (each wrapped so it begins, completes or fails its execution), plus a heartbeat:
// every few seconds it tells the database it is alive (ff_worker_heartbeat) and unlocks the jobs
// of workers that stopped doing so (ff_reap_dead_workers), so a crashed worker's flows resume.
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import pg from 'pg';
import { Logger, run as runGraphileWorker, type LogFunctionFactory, type Runner, type WorkerEvents } from 'graphile-worker';
import { buildTaskList, type FlowstageEvents, type TaskList } from './tasks.js';
import { callPool } from './calls.js';
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
  const heartbeatInterval = options.heartbeatInterval ?? 5000;
  const workerLease = options.workerLease ?? 30_000;
  if (!(heartbeatInterval > 0) || !(workerLease > heartbeatInterval)) {
    throw new Error('run: heartbeatInterval must be positive and workerLease longer than heartbeatInterval');
  }
  // One emitter for Graphile Worker's events (runner.events) and flowstage's own (tasks.ts).
  const events = new EventEmitter() as WorkerEvents & FlowstageEvents;
  let calls: Queryable | undefined;
  const taskList = buildTaskList(options.taskList, events, () => calls!);  // (refuses reserved names first)
  const logger = options.logFactory ? new Logger(options.logFactory) : undefined;
  // Our own pools, so their error listeners outlive the runner: a connection still closing after
  // stop() may be told "terminating connection" by the server, which must not crash the process.
  // One for Graphile Worker, one for flowstage's own calls from the tasks.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: concurrency + 2 });
  const flowstagePool = callPool(options.connectionString, concurrency, options.synchronousCommit ?? false);
  calls = flowstagePool;
  let stopped = false;
  const onError = (error: Error) => {
    if (!stopped) (logger ?? console).error(`flowstage worker: connection error: ${error.message}`);
  };
  for (const pool of [pgPool, flowstagePool]) {
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
  }
  // Graphile Worker 0.17 locks jobs in the name of the worker pool (jobs.locked_by = the pool's
  // id), and announces the pool with the pool:create event while run() starts it.
  let workerId: string | undefined;
  events.on('pool:create', ({ workerPool }) => { workerId ??= workerPool.id; });
  let runner: Runner;
  try {
    runner = await runGraphileWorker({
      pgPool,
      concurrency,
      pollInterval: options.pollInterval ?? 2000,
      noHandleSignals: options.noHandleSignals ?? false,
      taskList,
      events,
      ...(logger ? { logger } : {}),
    });
  } catch (error) {
    await pgPool.end();
    await flowstagePool.end();
    throw error;
  }
  if (!workerId) {
    await runner.stop();
    await pgPool.end().catch(() => {});
    await flowstagePool.end().catch(() => {});
    throw new Error('run: Graphile Worker did not announce its worker pool (pool:create); cannot heartbeat');
  }
  const log = logger ?? console;
  const recover = async () => {
    try {
      for (const row of await recoverJobs(pgPool)) log.info(`flowstage worker: recovered ${row.execution_id}: ${row.status}`);
    } catch (error) {
      if (!stopped) log.error(`flowstage worker: ff_recover_jobs failed: ${(error as Error).message}`);
    }
  };
  const info = { host: hostname(), pid: process.pid };
  const heartbeat = async () => {
    try {
      await workerHeartbeat(pgPool, { workerId: workerId!, leaseMs: workerLease, info });
      let unlocked = 0;
      for (const row of await reapDeadWorkers(pgPool)) {
        if (row.jobs_unlocked > 0) {
          log.warn(`flowstage worker: worker ${row.worker_id} was silent for ${row.silent_ms} ms: unlocked its ${row.jobs_unlocked} job(s)`);
        }
        unlocked += row.jobs_unlocked;
      }
      if (unlocked > 0) await recover();  // runs whose last attempt died with that worker
    } catch (error) {
      if (!stopped) log.error(`flowstage worker: heartbeat failed: ${(error as Error).message}`);
    }
  };
  await heartbeat();
  await recover();
  let beating: Promise<void> | undefined;
  const heartbeatTimer = setInterval(() => { beating ??= heartbeat().finally(() => { beating = undefined; }); }, heartbeatInterval);
  heartbeatTimer.unref();
  const interval = options.recoverInterval ?? 60_000;
  const timer = interval > 0 ? setInterval(() => void recover(), interval) : undefined;
  timer?.unref();
  // When Graphile Worker stops on its own (SIGINT/SIGTERM), close the pool too.
  const promise = runner.promise.finally(async () => {
    stopped = true;
    clearInterval(heartbeatTimer);
    if (timer) clearInterval(timer);
    await beating;
    await pgPool.end().catch(() => {});
    await flowstagePool.end().catch(() => {});
  });
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await runner.stop();
        await promise;
      })();
      return stopping;
    },
    promise,
    events,
    workerId,
  };
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
