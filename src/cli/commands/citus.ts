// `flowstage citus distribute`: distribute an installed flowstage across a Citus cluster, by running
// db/citus/distribute.sql (the same file psql users run) on the coordinator. Prints each step it
// took; a second run takes none (docs/scale-out.md).
import { readFile } from 'node:fs/promises';
import { UsageError, withClient, type Command } from '../command.js';

/** db/citus/distribute.sql: three folders up from src/cli/commands/ and from dist/cli/commands/. */
async function distributeSql(): Promise<string> {
  return readFile(new URL('../../../db/citus/distribute.sql', import.meta.url), 'utf8');
}

const command: Command = {
  order: 95,
  args: ['action'],
  summary: 'distribute flowstage across a Citus cluster (action: distribute)',
  description:
    'Run on the coordinator of a Citus cluster, as a superuser, after `flowstage migrate`, once every worker\n' +
    'has been added (citus_add_node). Distributes every flowstage table with a partition_key by it (co-located),\n' +
    "makes the others reference tables, leaves Graphile Worker's tables on the coordinator, lets\n" +
    'flowstage_owner log in (Citus connects to the workers as it) and creates the functions on every node.\n' +
    'Running it again changes nothing. The same steps for psql: db/citus/distribute.sql (docs/scale-out.md).',
  options: {},
  run: async (ctx) => {
    const [action] = ctx.args;
    if (action !== 'distribute') throw new UsageError(`unknown action ${action}: the one action is distribute`);
    const sql = await distributeSql();
    return withClient(ctx, async (db) => {
      const steps: string[] = [];
      // The file's own steps are its NOTICEs prefixed flowstage: (Citus adds notices of its own).
      db.on('notice', (notice) => {
        if (notice.message?.startsWith('flowstage: ')) steps.push(notice.message.slice('flowstage: '.length));
      });
      try {
        await db.query(sql);
      } catch (error) {
        const pgError = error as { message?: string; hint?: string };
        ctx.io.err(`error: ${pgError.message}\n`);
        if (pgError.hint) ctx.io.err(`hint: ${pgError.hint}\n`);
        return 1;
      }
      for (const step of steps) ctx.io.out(`${step}\n`);
      ctx.io.out(steps.length > 0 ? 'flowstage is distributed.\n' : 'flowstage is already distributed: nothing to change.\n');
      return 0;
    });
  },
};

export default command;
