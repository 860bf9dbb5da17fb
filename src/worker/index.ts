// The flowstage worker: a Graphile Worker runner with flowstage's cascade tasks and the
// user's tasks (each wrapped so it begins, completes or fails its execution).
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { Logger, run as runGraphileWorker, type LogFunctionFactory, type Runner, type WorkerEvents } from 'graphile-worker';
import { buildTaskList, type FlowstageEvents, type TaskList } from './tasks.js';
import { recoverJobs } from '../generated/index.js';

export { buildTaskList, flowstageTasks, wrapUserTask, FLOWSTAGE_TASK_NAMES } from './tasks.js';
export type {
  FlowFinishedEvent,
  FlowstageEventMap,
  FlowstageEvents,
  FlowstageHelpers,
  FlowstageTask,
  FlowstageTaskName,
  FlowstageTaskPayloads,
  RunJobPayload,
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
   * last attempt died, lost cascade jobs); it also runs once at start. Default 60000; 0 = only at start.
   */
  recoverInterval?: number;
}): Promise<{ stop(): Promise<void>; promise: Promise<void>; events: WorkerEvents & FlowstageEvents }> {
  if (!options.connectionString) throw new Error('run: connectionString is required');
  const concurrency = options.concurrency ?? 4;
  // One emitter for Graphile Worker's events (runner.events) and flowstage's own (tasks.ts).
  const events = new EventEmitter() as WorkerEvents & FlowstageEvents;
  const taskList = buildTaskList(options.taskList, events);
  const logger = options.logFactory ? new Logger(options.logFactory) : undefined;
  // Our own pool, so its error listener outlives the runner: a connection still closing after
  // stop() may be told "terminating connection" by the server, which must not crash the process.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: concurrency + 2 });
  let stopped = false;
  const onError = (error: Error) => {
    if (!stopped) (logger ?? console).error(`flowstage worker: connection error: ${error.message}`);
  };
  pgPool.on('error', onError);
  pgPool.on('connect', (client) => client.on('error', onError));
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
    throw error;
  }
  const recover = async () => {
    try {
      for (const row of await recoverJobs(pgPool)) (logger ?? console).info(`flowstage worker: recovered ${row.execution_id}: ${row.status}`);
    } catch (error) {
      if (!stopped) (logger ?? console).error(`flowstage worker: ff_recover_jobs failed: ${(error as Error).message}`);
    }
  };
  await recover();
  const interval = options.recoverInterval ?? 60_000;
  const timer = interval > 0 ? setInterval(() => void recover(), interval) : undefined;
  timer?.unref();
  // When Graphile Worker stops on its own (SIGINT/SIGTERM), close the pool too.
  const promise = runner.promise.finally(async () => {
    stopped = true;
    if (timer) clearInterval(timer);
    await pgPool.end().catch(() => {});
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
