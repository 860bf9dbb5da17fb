// A flowstage runner (run()) for a test: silent, without signal handlers, stopped when the test ends.
import type { ExecutionContext } from 'ava';
import { run, type RunOptions, type TaskList } from '../../src/worker/index.js';

/** Logs nothing (Graphile Worker's logFactory). */
export const silent = () => () => {};

/** run() with two job slots polling every 100 ms (options override), stopped by the test's teardown. */
export async function startWorker(
  t: ExecutionContext,
  connectionString: string,
  taskList: TaskList,
  options: Partial<RunOptions> = {},
) {
  const worker = await run({
    connectionString,
    taskList,
    concurrency: 2,
    pollInterval: 100,
    noHandleSignals: true,
    logFactory: silent,
    ...options,
  });
  t.teardown(() => worker.stop());
  return worker;
}
