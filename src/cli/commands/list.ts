// `flowstage list`: flows, a page at a time.
import { listFlows } from '../../generated/index.js';
import { JSON_OPTION, LIMIT_OPTION, intOption, str, withClient, type Command } from '../command.js';
import { printPage } from '../format.js';

const command: Command = {
  order: 20,
  args: [],
  summary: 'flows, a page at a time',
  description:
    'Lists flows in flow_id order (ff_list_flows), one page at a time; a full page says on stderr how to ask for the next.',
  options: {
    namespace: { type: 'string', value: 'NS', help: 'only this namespace' },
    state: { type: 'string', value: 'STATE', help: 'only flows in this state: open | cancelled | completed | failed' },
    after: { type: 'string', value: 'FLOW_ID', help: 'the page after this flow_id' },
    limit: LIMIT_OPTION,
    json: JSON_OPTION,
  },
  run: (ctx) =>
    withClient(ctx, async (db) => {
      const limit = intOption(ctx, 'limit');
      const rows = await listFlows(db, {
        namespace: str(ctx, 'namespace'),
        state: str(ctx, 'state'),
        after: str(ctx, 'after'),
        limit,
      });
      return printPage(
        ctx,
        rows,
        ['flow_id', 'namespace', 'public_flow_state', 'graph_revision', 'node_count', 'edge_count', 'last_mutation_at_ms'],
        limit,
        'flow_id',
      );
    }),
};

export default command;
