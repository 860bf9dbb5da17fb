// `flowstage replay <execution_id>`: run a terminal execution again (ff_replay_execution), with
// --downstream its terminal downstreams too; prints each replayed execution.
import { replayExecution } from '../../generated/index.js';
import { JSON_OPTION, withClient, type Command } from '../command.js';
import { json, table } from '../format.js';

const command: Command = {
  order: 85.4,
  args: ['execution_id'],
  summary: 'run a terminal execution again (and its downstreams)',
  description:
    'Turns the terminal execution runnable again (ff_replay_execution) with its whole retry budget; its flow reopens\n' +
    'if it had finished. With --downstream every terminal execution downstream of it is replayed in the same call.\n' +
    'Prints one row per replayed execution (execution_id, replay_count, eligibility_state), in topological order.\n' +
    'Refusals exit 1: execution_not_terminal, max_replays_exhausted, flow_already_terminal (a cancelled flow).',
  options: {
    downstream: { type: 'boolean', help: 'replay its terminal downstreams too' },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [executionId] = ctx.args;
    return withClient(ctx, async (db) => {
      const rows = await replayExecution(db, { executionId, downstream: ctx.values.downstream === true });
      if (ctx.values.json) return json(ctx, rows);
      ctx.io.out(`${executionId} replayed: ${rows.length} execution(s)\n\n`);
      ctx.io.out(table(rows, ['execution_id', 'replay_count', 'eligibility_state']));
      return 0;
    });
  },
};

export default command;
