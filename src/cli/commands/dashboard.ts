// `flowstage dashboard`: serve the live web page of the flows (src/dashboard, docs/dashboard.md)
// until SIGINT or SIGTERM.
import { UsageError, intOption, str, type Command } from '../command.js';

const command: Command = {
  order: 120,
  args: [],
  summary: 'serve a live web page of the flows (docs/dashboard.md)',
  description:
    "Serves a live web page of the flows in the database: the flows list, each flow's DAG coloured by\n" +
    "state and updated as it runs, a node's explanation, payload and result, the flow's log, and the\n" +
    'actions the database login may take (cancel, replay, signal, pause, resume). GET /metrics answers\n' +
    'in Prometheus text format. Runs until SIGINT or SIGTERM.',
  options: {
    port: { type: 'string', value: 'N', help: 'port to listen on (default 4000)' },
    host: { type: 'string', value: 'ADDR', help: 'address to bind (default 127.0.0.1); any other address requires --token' },
    token: {
      type: 'string',
      value: 'T',
      help: 'a secret every request must carry (default $FLOWSTAGE_DASHBOARD_TOKEN); open http://HOST:PORT/?token=T once, the page keeps it in a cookie',
    },
  },
  run: async (ctx) => {
    const port = intOption(ctx, 'port') ?? 4000;
    if (port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535 (got ${port})`);
    const { startDashboard } = await import('../../dashboard/index.js');
    const dashboard = await startDashboard({
      connectionString: ctx.url,
      port,
      host: str(ctx, 'host'),
      token: str(ctx, 'token') ?? process.env.FLOWSTAGE_DASHBOARD_TOKEN,
    });
    ctx.io.err(`flowstage dashboard on ${dashboard.url} ; Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    ctx.io.err('flowstage dashboard stopped\n');
    return 0;
  },
};

export default command;
