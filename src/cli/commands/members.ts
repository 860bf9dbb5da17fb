// `flowstage members <flow_id>`: the flow's members, a page at a time.
import { listMembers } from '../../generated/index.js';
import { JSON_OPTION, LIMIT_OPTION, intOption, str, withClient, type Command } from '../command.js';
import { printPage } from '../format.js';

const command: Command = {
  order: 30,
  args: ['flow_id'],
  summary: "the flow's members, a page at a time",
  description: "Lists the flow's members in execution uuid order (ff_list_members).",
  options: {
    after: { type: 'string', value: 'EXECUTION_ID', help: 'the page after this execution' },
    limit: LIMIT_OPTION,
    json: JSON_OPTION,
  },
  run: (ctx) =>
    withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const limit = intOption(ctx, 'limit');
      const rows = await listMembers(db, { flowId, after: str(ctx, 'after'), limit });
      return printPage(
        ctx,
        rows,
        ['execution_id', 'task_identifier', 'lifecycle_phase', 'public_state', 'eligibility_state', 'terminal_outcome'],
        limit,
        'execution_id',
      );
    }),
};

export default command;
