// One version everywhere: the psql install file (`flowstage sql`, dist/flowstage.sql) names the
// version package.json says, in its header and in the line psql prints last; so does the CHANGELOG.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { buildInstallSql } from '../../src/install-sql.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('package.json names a semantic version', (t) => {
  t.regex(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
});

test("the install file's header names package.json's version", async (t) => {
  const [first] = (await buildInstallSql()).split('\n', 1);
  t.true(first.startsWith(`-- flowstage ${version}: `), first);
});

test("psql -f of the install file ends with 'flowstage <package.json version> is installed and up to date.'", async (t) => {
  const db = await testDatabase(t); // already migrated: the file finds nothing to do and says so
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-version-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'flowstage.sql'), await buildInstallSql());
  const { stdout } = await promisify(execFile)('psql', [
    '-X',
    '-q',
    '-t',
    '-A',
    '-v',
    'ON_ERROR_STOP=1',
    '-f',
    join(dir, 'flowstage.sql'),
    connectionStringOf(db),
  ]);
  t.is(stdout.trim().split('\n').at(-1), `flowstage ${version} is installed and up to date.`);
});

test("the CHANGELOG's newest section is package.json's version (released, or Unreleased while it is being built)", async (t) => {
  const changelog = await readFile(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
  const newest = /^## (.+)$/m.exec(changelog)?.[1];
  t.true(newest === `Unreleased (${version})` || newest?.startsWith(`${version} (`), newest);
});
