// `flowstage signal <waitpoint_id> <name>`: deliver a signal to a waitpoint (ff_deliver_signal);
// prints whether it resumed the execution, was recorded, was a duplicate or found it closed.
import { deliverSignal } from '../../generated/index.js';
import { JSON_OPTION, UsageError, str, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 85.3,
  args: ['waitpoint_id', 'name'],
  summary: 'deliver a signal to a waitpoint (resumes a suspended execution)',
  description:
    'Delivers signal NAME, with --payload, to the waitpoint (ff_deliver_signal). Prints the status and the execution:\n' +
    'resumed (the execution was suspended on it and its condition is met: it runs again), recorded (kept until it\n' +
    'suspends, or not every name yet), duplicate (--key was delivered before; nothing changes) or waitpoint_closed\n' +
    "(nothing recorded). A login that is not a flowstage_writer must pass the waitpoint's --token. An unknown\n" +
    'waitpoint, a name it does not wait for or a wrong token is refused (invalid_input, exit 1).',
  options: {
    payload: { type: 'string', value: 'JSON', help: "the signal's payload, a JSON value (default none)" },
    key: { type: 'string', value: 'K', help: 'an idempotency key: the same key delivered again is a duplicate' },
    token: {
      type: 'string',
      value: 'T',
      help: "the waitpoint's token (from ff_suspend_execution), for a flowstage_signaler login",
    },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [waitpointId, signalName] = ctx.args;
    const text = str(ctx, 'payload');
    let payload: unknown;
    if (text !== undefined) {
      try {
        payload = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`--payload must be JSON (${(error as Error).message})`);
      }
    }
    return withClient(ctx, async (db) => {
      const [row] = await deliverSignal(db, {
        waitpointId,
        signalName,
        payload,
        idempotencyKey: str(ctx, 'key'),
        token: str(ctx, 'token'),
      });
      if (ctx.values.json) return json(ctx, row);
      ctx.io.out(`${row.status}: execution ${row.execution_id} (waitpoint ${row.waitpoint_id ?? waitpointId})\n`);
      return 0;
    });
  },
};

export default command;
