// `flowstage cancel <flow_id>`: cancel an open flow for good (ff_cancel_flow), by default with its
// unfinished members; prints what became of each member.
import { cancelFlow } from '../../generated/index.js';
import { JSON_OPTION, UsageError, str, withClient, type Command } from '../command.js';
import { json, table } from '../format.js';

const POLICIES = ['cancel_all', 'cancel_flow_only'];

const command: Command = {
  order: 85,
  args: ['flow_id'],
  summary: 'cancel an open flow (and its unfinished members)',
  description:
    'Cancels the open flow for good (ff_cancel_flow): with cancel_all (the default) its unfinished members are\n' +
    'cancelled in the same transaction and their queued jobs removed; with cancel_flow_only they are left as they are.\n' +
    "Prints one line for the flow, then each member's status: cancelled (by this call), already_terminal or left_running.\n" +
    'A flow that is not open is refused (flow_already_terminal, exit 1).',
  options: {
    reason: {
      type: 'string',
      value: 'R',
      help: 'why, kept with the flow and in its event log (default: cancelled with flowstage cancel)',
    },
    policy: {
      type: 'string',
      value: 'cancel_all|cancel_flow_only',
      help: 'what becomes of unfinished members (default cancel_all)',
    },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [flowId] = ctx.args;
    const policy = str(ctx, 'policy') ?? 'cancel_all';
    if (!POLICIES.includes(policy)) throw new UsageError(`--policy must be cancel_all or cancel_flow_only (got ${policy})`);
    return withClient(ctx, async (db) => {
      const members = await cancelFlow(db, {
        flowId,
        reason: str(ctx, 'reason') ?? 'cancelled with flowstage cancel',
        cancellationPolicy: policy,
      });
      if (ctx.values.json)
        return json(ctx, { flow_id: flowId, public_flow_state: 'cancelled', cancellation_policy: policy, members });
      const count = (status: string) => members.filter((m) => m.status === status).length;
      ctx.io.out(
        `${flowId} cancelled (${policy}): ${count('cancelled')} member(s) cancelled, ` +
          `${count('already_terminal')} already terminal, ${count('left_running')} left running\n\n`,
      );
      ctx.io.out(table(members, ['execution_id', 'status', 'public_state', 'terminal_outcome']));
      return 0;
    });
  },
};

export default command;
