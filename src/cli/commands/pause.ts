// `flowstage pause <flow_id>`: pause a flow (ff_pause_flow): none of its executions starts until
// `flowstage resume`; running attempts finish.
import { pauseFlow } from '../../generated/index.js';
import { JSON_OPTION, str, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 85.1,
  args: ['flow_id'],
  summary: 'pause a flow: none of its executions starts until resume',
  description:
    'Pauses the flow (ff_pause_flow): none of its executions starts until flowstage resume; the queued run jobs of\n' +
    'its eligible members are removed and those members held; running attempts finish. Prints paused and how many\n' +
    'members it held, or already_paused. A flow that is not open is refused (flow_already_terminal, exit 1).',
  options: {
    reason: { type: 'string', value: 'R', help: 'why, shown by describe while it is paused' },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [flowId] = ctx.args;
    return withClient(ctx, async (db) => {
      const [row] = await pauseFlow(db, { flowId, reason: str(ctx, 'reason') ?? null });
      if (ctx.values.json) return json(ctx, row);
      const since = new Date(Number(row.paused_at_ms)).toISOString();
      ctx.io.out(
        row.status === 'paused'
          ? `${row.flow_id} paused: ${row.held_count} member(s) held\n`
          : `${row.flow_id} already_paused (since ${since})\n`,
      );
      return 0;
    });
  },
};

export default command;
