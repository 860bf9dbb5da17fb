// dist/flowstage.sql (src/install-sql.ts): `psql -f` installs what migrate() installs, twice
// without harm, recorded so that migrate() afterwards has nothing to do.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import { buildInstallSql } from '../../src/install-sql.js';
import { MIGRATION_MISMATCH, migrate } from '../../src/migrate.js';
import { fingerprint } from '../helpers/catalogue.js';
import { emptyDatabase } from '../helpers/fixtures.js';

const execFileAsync = promisify(execFile);

let file: Promise<string> | undefined;
/** The install file, built once per test file. */
function installFile(): Promise<string> {
  file ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowstage-install-sql-'));
    const path = join(dir, 'flowstage.sql');
    await writeFile(path, await buildInstallSql());
    return path;
  })();
  return file;
}
test.after.always(async () => {
  if (file) await rm(join(await file, '..'), { recursive: true, force: true });
});

interface Psql {
  code: number;
  stdout: string;
  stderr: string;
}

/** psql -v ON_ERROR_STOP=1 -f <the install file> <url>, as a DBA runs it (errors with their SQLSTATE). */
async function psqlInstall(url: string): Promise<Psql> {
  try {
    const { stdout, stderr } = await execFileAsync('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-v',
      'VERBOSITY=verbose',
      '-f',
      await installFile(),
      url,
    ]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function installedWithPsql(t: ExecutionContext): Promise<string> {
  const url = await emptyDatabase(t);
  const run = await psqlInstall(url);
  t.is(run.code, 0, run.stderr);
  return url;
}

async function rows(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

test('psql -f installs the same catalogue as migrate(), object by object', async (t) => {
  const withPsql = await installedWithPsql(t);
  const withMigrate = await emptyDatabase(t);
  await migrate(withMigrate);
  const expected = await fingerprint(withMigrate);
  const actual = await fingerprint(withPsql);
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    t.deepEqual(actual[key], expected[key], key);
  }
  t.true(expected.functions.length > 0 && expected.workerMigrations.length > 0);
});

test('the file records what it applied as migrate() records it: migration names in order, checksums, Graphile Worker revisions', async (t) => {
  const url = await installedWithPsql(t);
  const print = await fingerprint(url);
  t.deepEqual(
    print.migrations.map((m) => m.name),
    print.checksums.map((c) => c.name),
  );
  t.deepEqual(
    print.workerMigrations.map((m) => m.id),
    print.workerMigrations.map((_, i) => i + 1),
  );
});

test('running the file twice changes nothing, and leaves the data alone', async (t) => {
  const url = await installedWithPsql(t);
  await rows(url, `SELECT * FROM flowfabric.ff_create_flow(p_flow_id => '11111111-1111-1111-1111-111111111111')`);
  const once = await fingerprint(url);
  const recorded = await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id');
  const again = await psqlInstall(url);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(await fingerprint(url), once);
  t.deepEqual(await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id'), recorded);
  t.deepEqual(await rows(url, 'SELECT count(*)::int AS flows FROM flowfabric.ff_flow_core'), [{ flows: 1 }]);
});

test('migrate() after the file has nothing to do', async (t) => {
  const url = await installedWithPsql(t);
  const before = await fingerprint(url);
  const recorded = await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id');
  const log: string[] = [];
  await migrate(url, { log: (line) => log.push(line) });
  t.deepEqual(log, ['No migrations to run!']);
  t.deepEqual(await fingerprint(url), before);
  t.deepEqual(await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id'), recorded);
});

test('the file after migrate() has nothing to do', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const before = await fingerprint(url);
  const recorded = await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id');
  const run = await psqlInstall(url);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(await fingerprint(url), before);
  t.deepEqual(await rows(url, 'SELECT * FROM flowfabric.ff_schema_migrations ORDER BY id'), recorded);
});

test('the file refuses a database whose recorded migration differs from the shipped one, and changes nothing', async (t) => {
  const url = await installedWithPsql(t);
  const [last] = await rows(url, 'SELECT name FROM flowfabric.ff_schema_migrations ORDER BY id DESC LIMIT 1');
  await rows(url, `UPDATE flowfabric.ff_migration_checksum SET sha256 = repeat('0', 64) WHERE name = '${last.name}'`);
  const before = await fingerprint(url);
  const run = await psqlInstall(url);
  t.is(run.code, 3); // psql: an error in a script with ON_ERROR_STOP
  t.regex(run.stderr, new RegExp(`ERROR:  ${MIGRATION_MISMATCH}: flowstage migration ${last.name} `), run.stderr);
  t.deepEqual(await fingerprint(url), before);
  await t.throwsAsync(migrate(url), { code: MIGRATION_MISMATCH } as object);
});
