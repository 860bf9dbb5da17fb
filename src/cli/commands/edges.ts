// `flowstage edges <flow_id>`: the flow's edges (or one member's), a page at a time.
import { listEdges } from '../../generated/index.js';
import { JSON_OPTION, LIMIT_OPTION, intOption, str, withClient, type Command } from '../command.js';
import { printPage } from '../format.js';

const command: Command = {
  order: 40,
  args: ['flow_id'],
  summary: "the flow's edges, a page at a time",
  description: "Lists the flow's edges, or one member's, in edge_id order (ff_list_edges).",
  options: {
    execution: { type: 'string', value: 'ID', help: 'only the edges of this member' },
    direction: {
      type: 'string',
      value: 'in|out|both',
      help: 'with --execution: its inbound, outbound or all edges (default both)',
    },
    after: { type: 'string', value: 'EDGE_ID', help: 'the page after this edge' },
    limit: LIMIT_OPTION,
    json: JSON_OPTION,
  },
  run: (ctx) =>
    withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const limit = intOption(ctx, 'limit');
      const rows = await listEdges(db, {
        flowId,
        executionId: str(ctx, 'execution'),
        direction: str(ctx, 'direction'),
        after: str(ctx, 'after'),
        limit,
      });
      return printPage(
        ctx,
        rows,
        ['edge_id', 'upstream_execution_id', 'downstream_execution_id', 'edge_state', 'upstream_outcome'],
        limit,
        'edge_id',
      );
    }),
};

export default command;
