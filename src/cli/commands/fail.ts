// `flowstage fail <execution_id> <reason>`: fail the running attempt of an execution
// (ff_fail_execution): a retry is scheduled when its policy has one left, else it fails for good.
import { failExecution } from '../../generated/index.js';
import { JSON_OPTION, str, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 85.5,
  args: ['execution_id', 'reason'],
  summary: 'fail the running attempt of an execution (retry or fail)',
  description:
    'Fails the running attempt of the active execution with REASON (ff_fail_execution), as a task that threw does:\n' +
    'retry_scheduled when its run policy has a retry left (it runs again at delay_until), else failed for good and\n' +
    "the cascade runs. Prints the status, delay_until and retry_count (and the flow's state when this finished it).\n" +
    'An execution with no running attempt is refused (invalid_input execution_not_active, exit 1).',
  options: {
    category: { type: 'string', value: 'C', help: "the failure's category (1..128 characters), kept in its result" },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [executionId, reason] = ctx.args;
    return withClient(ctx, async (db) => {
      const [row] = await failExecution(db, {
        executionId,
        failureReason: reason,
        failureCategory: str(ctx, 'category') ?? null,
      });
      if (ctx.values.json) return json(ctx, row);
      const delay = row.delay_until_ms === null ? '' : `, delay_until ${new Date(Number(row.delay_until_ms)).toISOString()}`;
      const flow = row.public_flow_state === null ? '' : `; its flow is now ${row.public_flow_state}`;
      ctx.io.out(`${row.execution_id} ${row.status} (retry_count ${row.retry_count}${delay})${flow}\n`);
      return 0;
    });
  },
};

export default command;
