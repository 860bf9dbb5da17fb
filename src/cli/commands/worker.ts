// `flowstage worker`: run flowstage's tasks and the user's on Graphile Worker.
import type { TaskList } from '../../worker/index.js';
import { UsageError, intOption, str, type Command } from '../command.js';
import { loadTaskList } from '../files.js';

const command: Command = {
  order: 110,
  args: [],
  summary: "run the cascade (and FILE's tasks) on Graphile Worker",
  description: "Runs flowstage's tasks and the user's tasks on Graphile Worker until SIGINT or SIGTERM.",
  options: {
    concurrency: { type: 'string', value: 'N', help: 'jobs at once (default 4)' },
    tasks: {
      type: 'string',
      value: 'FILE',
      help: 'a module exporting a task list (export const taskList = { name: async (payload, helpers) => ... })',
    },
  },
  run: async (ctx) => {
    const concurrency = intOption(ctx, 'concurrency');
    const { run } = await import('../../worker/index.js');
    let taskList: TaskList | undefined;
    const tasks = str(ctx, 'tasks');
    if (tasks) {
      const loaded = await loadTaskList(tasks);
      if (!loaded || typeof loaded !== 'object') {
        throw new UsageError(
          `--tasks ${tasks} must export a task list (export const taskList = { name: async (payload, helpers) => ... })`,
        );
      }
      taskList = loaded as TaskList;
    }
    // Signal handlers go first: a SIGTERM that lands before a listener exists kills the process.
    let worker: Awaited<ReturnType<typeof run>> | undefined;
    let stopRequested = false;
    const stop = () => {
      stopRequested = true;
      void worker?.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      worker = await run({ connectionString: ctx.url, taskList, concurrency, noHandleSignals: true });
      if (stopRequested) void worker.stop();
      ctx.io.err(`flowstage worker running (concurrency ${concurrency ?? 4}); Ctrl-C stops it\n`);
      await worker.promise;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    ctx.io.err('flowstage worker stopped\n');
    return 0;
  },
};

export default command;
