// `flowstage sql`: print the psql install file (no database needed).
import { type Command } from '../command.js';
import { installSql } from '../files.js';

const command: Command = {
  order: 100,
  args: [],
  summary: 'print the psql install file (no database needed)',
  description:
    'Prints the psql install file (every migration in order), for databases installed by a DBA:\n' +
    '  flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"',
  options: {},
  offline: true,
  run: async (ctx) => {
    ctx.io.out(await installSql());
    return 0;
  },
};

export default command;
