// scripts/failures-example.ts, docs/failures.md's worked example, prints the output the page shows
// (test/client/fixtures/failures-example.out.txt; npm run generate:docs copies both into the page).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the failures example runs and prints its recorded output', async (t) => {
  const db = await testDatabase(t);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=flowstage-source', '--import=tsx', 'scripts/failures-example.ts'],
    { cwd: root, env: { ...process.env, DATABASE_URL: connectionStringOf(db) } },
  );
  t.is(stdout, await readFile(`${root}/test/client/fixtures/failures-example.out.txt`, 'utf8'));
});
