// `flowstage delay <execution_id> <until>`: defer an execution until a time (ff_delay_execution)
// without spending a retry; UNTIL is an ISO time or +N s/m/h from now.
import { delayExecution } from '../../generated/index.js';
import { JSON_OPTION, UsageError, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** UNTIL as epoch milliseconds: `+30s`, `+5m`, `+2h` from this machine's clock, or an ISO time. */
export function parseUntil(text: string, nowMs = Date.now()): number {
  const relative = /^\+(\d+)([smh])$/.exec(text);
  if (relative) return nowMs + Number(relative[1]) * UNITS[relative[2]];
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`<until> must be an ISO time (2026-01-31T12:00:00Z) or +N followed by s, m or h (got ${text})`);
  }
  return ms;
}

const command: Command = {
  order: 85.6,
  args: ['execution_id', 'until'],
  summary: 'defer an execution until a time, without spending a retry',
  description:
    'Defers the execution until UNTIL (ff_delay_execution): an ISO time (2026-01-31T12:00:00Z) or +N followed by\n' +
    's, m or h (+30s, +5m, +2h from now). A running attempt it interrupts ends without spending a retry; its run\n' +
    'job is enqueued for that time. Prints the execution and the time it runs again. A time in the past, or an\n' +
    'execution that is terminal or waiting for its dependencies, is refused (invalid_input, exit 1).',
  options: { json: JSON_OPTION },
  run: async (ctx) => {
    const [executionId, until] = ctx.args;
    const delayUntilMs = parseUntil(until);
    return withClient(ctx, async (db) => {
      const [row] = await delayExecution(db, { executionId, delayUntilMs });
      if (ctx.values.json) return json(ctx, row);
      ctx.io.out(`${row.execution_id} ${row.status} until ${new Date(Number(row.delay_until_ms)).toISOString()}\n`);
      return 0;
    });
  },
};

export default command;
