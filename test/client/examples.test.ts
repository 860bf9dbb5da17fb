// The two programs of examples/ (docs/quickstart.md shows them and their output, copied in by
// scripts/generate-docs.ts): each runs against a fresh database as the page says and prints exactly
// the output the page shows (test/client/fixtures/example-*.out.txt). scripts/check-package.sh runs
// them again from an app that installed the packed package.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { assertReplayWritesNothing } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => readFile(`${root}/test/client/fixtures/${name}`, 'utf8');

test('examples/quickstart.mts runs a three-step flow with typed tasks to completed and prints its results', async (t) => {
  const db = await testDatabase(t);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    // flowstage-source: `import ... from 'flowstage'` resolves to src/ instead of the built dist/.
    ['--conditions=flowstage-source', '--import=tsx', 'examples/quickstart.mts'],
    { cwd: root, env: { ...process.env, DATABASE_URL: connectionStringOf(db) } },
  );
  t.is(stdout, await fixture('example-ts.out.txt'));
  const [flow] = (await db.query(`SELECT public_flow_state FROM flowfabric.ff_list_flows()`)).rows;
  t.is(flow.public_flow_state, 'completed');
});

test('examples/quickstart.sql, run with psql -f, completes its flow and prints what the page shows', async (t) => {
  const db = await testDatabase(t);
  const { stdout } = await promisify(execFile)(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-f', 'examples/quickstart.sql', connectionStringOf(db)],
    { cwd: root },
  );
  t.is(stdout, await fixture('example-sql.out.txt'));
});

test('examples/quickstart.sql run a second time changes nothing: already_submitted, then already_terminal', async (t) => {
  const db = await testDatabase(t);
  const psql = () =>
    promisify(execFile)(
      'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-A', '-t', '-f', 'examples/quickstart.sql', connectionStringOf(db)],
      { cwd: root },
    );
  await psql();
  const { stdout } = await assertReplayWritesNothing(t, db, psql);
  const lines = stdout.split('\n');
  t.is(lines[0], 'already_submitted|0|0|t'); // the plan: nothing created, nothing applied, started before
  // the three completions (status|outcome[|public_flow_state]): each already_terminal, none completed again
  t.deepEqual(
    lines.filter((l) => /^\w+\|success(\||$)/.test(l)),
    ['already_terminal|success', 'already_terminal|success', 'already_terminal|success|'],
  );
  const [flow] = (await db.query(`SELECT public_flow_state FROM flowfabric.ff_list_flows()`)).rows;
  t.is(flow.public_flow_state, 'completed');
});
