// `flowstage priority <execution_id> <n>`: change an unfinished execution's priority
// (ff_change_priority); its queued run job is re-prioritised in place.
import { changePriority } from '../../generated/index.js';
import { JSON_OPTION, UsageError, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 85.7,
  args: ['execution_id', 'n'],
  summary: "change an unfinished execution's priority",
  description:
    'Sets the priority of the unfinished execution to N, -32767..32767, higher runs first (ff_change_priority); its\n' +
    'queued run job is re-prioritised in place. A negative N goes after --: flowstage priority ID -- -5.\n' +
    'Prints the execution, its priority and changed or unchanged. N out of range or a terminal execution is\n' +
    'refused (invalid_input, exit 1).',
  options: { json: JSON_OPTION },
  run: async (ctx) => {
    const [executionId, n] = ctx.args;
    if (!/^-?\d+$/.test(n)) throw new UsageError(`<n> must be an integer (got ${n})`);
    return withClient(ctx, async (db) => {
      const [row] = await changePriority(db, { executionId, priority: Number(n) });
      if (ctx.values.json) return json(ctx, row);
      ctx.io.out(`${row.execution_id} priority ${row.priority} (${row.status})\n`);
      return 0;
    });
  },
};

export default command;
