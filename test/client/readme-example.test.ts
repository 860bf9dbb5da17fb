// The TypeScript quickstart (docs/quickstart.md shows scripts/quickstart.ts and this output, both
// copied in by scripts/generate-docs.ts): run it as a user would (importing the package by name)
// against a fresh database and compare its output with the fixture the page shows.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the quickstart example (scripts/quickstart.ts) runs and prints the output docs/quickstart.md shows', async (t) => {
  const db = await testDatabase(t);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    // flowstage-source: resolve `import ... from 'flowstage'` to src/ instead of the built dist/.
    ['--conditions=flowstage-source', '--import=tsx', 'scripts/quickstart.ts'],
    { cwd: root, env: { ...process.env, DATABASE_URL: connectionStringOf(db) } },
  );
  t.is(stdout, await readFile(`${root}/test/client/fixtures/quickstart.out.txt`, 'utf8'));
});
