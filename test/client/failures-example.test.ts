// docs/failures.md shows scripts/failures-example.ts and its output: the page's code block must be
// the file, and running the file must print the page's output block.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function blocks(): Promise<{ code: string; output: string }> {
  const page = await readFile(`${root}/docs/failures.md`, 'utf8');
  const code = /<!-- example:failures-example\.ts -->\n```ts\n([\s\S]*?)```/.exec(page)?.[1];
  const output = /<!-- output:failures-example\.ts -->\n```text\n([\s\S]*?)```/.exec(page)?.[1];
  if (code === undefined || output === undefined) throw new Error('docs/failures.md: the example or its output block is missing');
  return { code, output };
}

test('docs/failures.md shows scripts/failures-example.ts as it is', async (t) => {
  t.is((await blocks()).code, await readFile(`${root}/scripts/failures-example.ts`, 'utf8'));
});

test('the failures example runs and prints the output docs/failures.md shows', async (t) => {
  const db = await testDatabase(t);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=flowstage-source', '--import=tsx', 'scripts/failures-example.ts'],
    { cwd: root, env: { ...process.env, DATABASE_URL: connectionStringOf(db) } },
  );
  t.is(stdout, (await blocks()).output);
});
