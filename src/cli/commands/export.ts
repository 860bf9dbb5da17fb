// `flowstage export <flow_id> --format mermaid|dot|html`: the DAG as text or an HTML picture.
import { writeFile } from 'node:fs/promises';
import { flowToHtml } from '../../client/html.js';
import { flowToDot, flowToMermaid } from '../../generated/index.js';
import { UsageError, str, withClient, type Command } from '../command.js';

const command: Command = {
  order: 60,
  args: ['flow_id'],
  summary: 'the DAG as Mermaid, Graphviz DOT or an HTML picture',
  description:
    'Prints the DAG as Mermaid text (ff_flow_to_mermaid), Graphviz DOT text (ff_flow_to_dot), or a self-contained\n' +
    "HTML page that draws it coloured by state (nodes labelled with their payload's label or name key when present;\n" +
    'the page loads nothing from the network).',
  options: {
    format: { type: 'string', value: 'mermaid|dot|html', help: 'the format (required)' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE instead of stdout' },
  },
  run: async (ctx) => {
    const [flowId] = ctx.args;
    const format = ctx.values.format;
    if (format !== 'mermaid' && format !== 'dot' && format !== 'html') {
      throw new UsageError('export needs --format mermaid, --format dot or --format html');
    }
    return withClient(ctx, async (db) => {
      const text =
        format === 'mermaid'
          ? await flowToMermaid(db, { flowId })
          : format === 'dot'
            ? await flowToDot(db, { flowId })
            : await flowToHtml(db, flowId);
      const output = str(ctx, 'output');
      if (output === undefined) ctx.io.out(text ?? '');
      else {
        await writeFile(output, text ?? '');
        ctx.io.err(`wrote ${output}\n`);
      }
      return 0;
    });
  },
};

export default command;
