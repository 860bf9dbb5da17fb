// The desired state: what a flowstage database holds at HEAD, built straight from db/ without the
// migrations. db/schema has one file per table (with its indexes, comments and triggers) and one
// per group of types; db/functions one file per function; db/privileges the roles and grants.
// Migrations are the way an existing install gets there (db/upgrades/<version> + every function +
// every privilege file, scripts/build-migrations.ts); test/migrations/desired-state.test.ts proves
// that a fresh install, an upgrade from 0.1.0 and one from 0.2.0 all end equal to this, object
// by object.
//
// Order: the schema, its tables and types, every function (by file name, as the migration orders
// them; a trigger is created with its function), the privileges.
// Graphile Worker's schema must exist first: the privilege layer grants on its tables.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The .sql files below dir (relative to the repository), ordered by file name, then by path. */
export async function sqlFilesByName(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.sql'))
    .sort((a, b) => compare(basename(a), basename(b)) || compare(a, b))
    .map((f) => join(dir, f));
}

/** The SQL that installs the desired state into a database holding Graphile Worker's schema. */
export async function desiredStateSql(): Promise<string> {
  const read = async (file: string) => `-- ${file}\n${(await readFile(join(root, file), 'utf8')).trimEnd()}\n`;
  const files = [
    ...(await sqlFilesByName('db/schema')),
    ...(await sqlFilesByName('db/functions')),
    ...(await sqlFilesByName('db/privileges')),
  ];
  return (await Promise.all(files.map(read))).join('\n');
}
