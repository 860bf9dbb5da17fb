// `flowstage list`: flows, a page at a time.
import { listFlows } from '../../generated/index.js';
import { JSON_OPTION, LIMIT_OPTION, intOption, str, withClient, type Command } from '../command.js';
import { json, nextPage, table } from '../format.js';

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
      if (ctx.values.json) return json(ctx, rows);
      ctx.io.out(
        table(rows, [
          'flow_id',
          'namespace',
          'public_flow_state',
          'graph_revision',
          'node_count',
          'edge_count',
          'last_mutation_at_ms',
        ]),
      );
      nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.flow_id);
      return 0;
    }),
};

export default command;
