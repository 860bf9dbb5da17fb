// `flowstage resume <flow_id>`: resume a paused flow (ff_resume_flow): its held members get their
// run jobs again.
import { resumeFlow } from '../../generated/index.js';
import { JSON_OPTION, withClient, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 85.2,
  args: ['flow_id'],
  summary: 'resume a paused flow',
  description:
    'Resumes the paused flow (ff_resume_flow): the members it held get their run jobs again. Prints resumed and how\n' +
    'many jobs it enqueued, or not_paused (nothing changes). An unknown flow is refused (flow_not_found, exit 1).',
  options: { json: JSON_OPTION },
  run: async (ctx) => {
    const [flowId] = ctx.args;
    return withClient(ctx, async (db) => {
      const [row] = await resumeFlow(db, { flowId });
      if (ctx.values.json) return json(ctx, row);
      ctx.io.out(
        row.status === 'resumed'
          ? `${row.flow_id} resumed: ${row.enqueued_count} job(s) enqueued\n`
          : `${row.flow_id} not_paused\n`,
      );
      return 0;
    });
  },
};

export default command;
