// `flowstage migrate`: install or upgrade flowstage in the database. Quiet by default: stdout names
// each migration applied, then says flowstage is up to date; --verbose adds node-pg-migrate's own
// progress lines on stderr.
import { migrate } from '../../migrate.js';
import { type Command } from '../command.js';

const command: Command = {
  order: 90,
  args: [],
  summary: 'install or upgrade flowstage in the database',
  description:
    "Installs or upgrades flowstage (and Graphile Worker's schema) in the database; running it again is a no-op.\n" +
    'Prints each migration it applied, then that flowstage is installed and up to date.',
  options: {
    verbose: { type: 'boolean', help: "also print node-pg-migrate's progress lines on stderr" },
  },
  run: async (ctx) => {
    const log = ctx.values.verbose ? (line: string) => ctx.io.err(`${line}\n`) : undefined;
    for (const name of await migrate(ctx.url, { log })) ctx.io.out(`applied ${name}\n`);
    ctx.io.out('flowstage is installed and up to date.\n');
    return 0;
  },
};

export default command;
