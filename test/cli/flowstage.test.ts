// The real `flowstage` entry point (src/cli/index.ts; the package's bin dist/cli.js runs it) run as a
// child process against a test database, through tsx so the tests need no build.
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type pg from 'pg';
import { flowstage } from './bin.js';
import { drain } from '../helpers/cascade.js';
import { connectionStringOf } from '../helpers/database.js';
import { FIXED, buildFixedDag, call } from '../helpers/read.js';
import { testDatabase } from '../helpers/database.js';
import { emptyDatabase, queryUrl } from '../helpers/fixtures.js';
import { createLogin } from '../helpers/logins.js';
import { withDatabaseName as withName } from '../../src/database.js';
import { buildInstallSql } from '../../src/install-sql.js';
import { shippedMigrations } from '../../src/migrate.js';

async function fixedDatabase(t: Parameters<typeof testDatabase>[0]) {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  return { db, env: { DATABASE_URL: connectionStringOf(db) } };
}

test('describe prints the flow fields, its members and its edge groups as tables', async (t) => {
  const { env } = await fixedDatabase(t);
  const run = await flowstage(['describe', FIXED.flowId], env);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`^flow_id +${FIXED.flowId}$`, 'm'));
  t.regex(run.stdout, /^namespace +demo$/m);
  t.regex(run.stdout, /^graph_revision +8$/m);
  t.regex(run.stdout, /^created_at_ms +2025-11-26T00:00:00.000Z$/m);
  t.regex(run.stdout, /^members \(4\)$/m);
  t.regex(run.stdout, /^\{fp:238\}:0c000000-0000-4000-8000-000000000003 +index +skipped +not_applicable +skipped$/m);
  t.regex(run.stdout, /^\{fp:238\}:0c000000-0000-4000-8000-000000000003 +all_of +impossible +1 +1 +0 +0$/m);
});

test('describe --json prints the flow, its edge groups and its members for scripts', async (t) => {
  const { env } = await fixedDatabase(t);
  const run = await flowstage(['describe', FIXED.flowId, '--json'], env);
  t.is(run.code, 0, run.stderr);
  const flow = JSON.parse(run.stdout);
  t.like(flow, { flow_id: FIXED.flowId, namespace: 'demo', public_flow_state: 'open', graph_revision: '8', node_count: '4' });
  t.deepEqual(
    flow.members.map((m: { execution_id: string }) => m.execution_id),
    [FIXED.fetch, FIXED.parse, FIXED.index, FIXED.publish],
  );
  t.is(flow.edge_groups.length, 2);
});

test('list --json filters by namespace', async (t) => {
  const { db, env } = await fixedDatabase(t);
  await db.query("SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_namespace => 'other')", [randomUUID()]);
  const run = await flowstage(['list', '--namespace', 'demo', '--json'], env);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(
    JSON.parse(run.stdout).map((f: { flow_id: string }) => f.flow_id),
    [FIXED.flowId],
  );
});

test('list prints a table with a header', async (t) => {
  const { env } = await fixedDatabase(t);
  const run = await flowstage(['list'], env);
  t.is(run.code, 0, run.stderr);
  const [header, rule, row] = run.stdout.split('\n');
  t.regex(header, /^flow_id +namespace +public_flow_state +graph_revision +node_count +edge_count +last_mutation_at_ms$/);
  t.regex(rule, /^-+ +-+/);
  t.regex(row, new RegExp(`^${FIXED.flowId} +demo +open +8 +4 +4 +2025-11-26T00:00:00.000Z$`));
});

test('explain prints the one-line reason first', async (t) => {
  const { env } = await fixedDatabase(t);
  const run = await flowstage(['explain', FIXED.flowId, FIXED.index], env);
  t.is(run.code, 0, run.stderr);
  t.is(
    run.stdout.split('\n')[0],
    `terminal: skipped because its all_of dependencies became impossible (1 of 2 failed or skipped: edge ${FIXED.parseToIndex})`,
  );
  t.regex(run.stdout, /^inbound edges \(2\)$/m);
});

test('export --format mermaid prints ff_flow_to_mermaid exactly', async (t) => {
  const { db, env } = await fixedDatabase(t);
  const [{ text }] = await call<{ text: string }>(db, 'SELECT flowfabric.ff_flow_to_mermaid(p_flow_id => $1) AS text', [
    FIXED.flowId,
  ]);
  const run = await flowstage(['export', FIXED.flowId, '--format', 'mermaid'], env);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, text);
});

test('export --format dot prints ff_flow_to_dot exactly', async (t) => {
  const { db, env } = await fixedDatabase(t);
  const [{ text }] = await call<{ text: string }>(db, 'SELECT flowfabric.ff_flow_to_dot(p_flow_id => $1) AS text', [
    FIXED.flowId,
  ]);
  const run = await flowstage(['export', FIXED.flowId, '--format', 'dot'], env);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, text);
});

test('a refusal prints error: <code>: <detail> and the hint, no stack trace, and exits 1', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['describe', flowId], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.is(run.stderr, `error: flow_not_found: flow_id=${flowId}\nhint: Create the flow with ff_create_flow first.\n`);
});

test('an invalid_input refusal names the field', async (t) => {
  const db = await testDatabase(t);
  const run = await flowstage(['list', '--limit', '0'], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1);
  t.is(run.stderr.split('\n')[0], 'error: invalid_input: p_limit: must be 1..1000 (got 0)');
});

test('export without --format is a usage error and exits 2', async (t) => {
  const db = await testDatabase(t);
  const run = await flowstage(['export', randomUUID()], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 2);
  t.regex(
    run.stderr,
    /^error: export needs --format mermaid, --format dot or --format html\n\nusage: flowstage export <flow_id>/,
  );
});

test('an unknown command exits 2 with the usage', async (t) => {
  const run = await flowstage(['frobnicate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: unknown command frobnicate\n\nusage: flowstage <command>/);
});

test('without DATABASE_URL or --database-url it exits 2 and says so', async (t) => {
  const run = await flowstage(['list'], { DATABASE_URL: '' });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: DATABASE_URL is not set and no --database-url was given/);
});

test('sql prints the psql install file, without a database', async (t) => {
  const run = await flowstage(['sql'], { DATABASE_URL: '' });
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, await buildInstallSql());
});

test('migrate installs flowstage into an empty database', async (t) => {
  const url = await emptyDatabase(t);
  const run = await flowstage(['migrate'], { DATABASE_URL: url });
  t.is(run.code, 0, run.stderr);
  const applied = (await shippedMigrations()).map((m) => `applied ${basename(m.path, '.sql')}\n`).join('');
  t.is(run.stdout, `${applied}flowstage is installed and up to date.\n`, 'each migration applied, then up to date');
  t.is(run.stderr, '', 'no node-pg-migrate progress lines without --verbose');
  const again = await flowstage(['migrate'], { DATABASE_URL: url });
  t.is(again.code, 0, again.stderr);
  t.is(again.stdout, 'flowstage is installed and up to date.\n');
  t.is(again.stderr, '', 'no "No migrations to run!" without --verbose');
  const rows = await queryUrl(url, "SELECT to_regprocedure('flowfabric.ff_describe_flow(uuid)') IS NOT NULL AS installed");
  t.true(rows[0].installed);
});

test('migrate as a login that may not install says what it lacks and the GRANT that gives it', async (t) => {
  const login = await createLogin(t, ['flowstage_owner']);
  const db = await testDatabase(t);
  const name = `flowstage_cli_${randomUUID().replaceAll('-', '')}`;
  await db.query(`CREATE DATABASE ${name}`);
  t.teardown(() => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined));
  const run = await flowstage(['migrate'], { DATABASE_URL: login.urlFor(withName(connectionStringOf(db), name)) });
  t.is(run.code, 1);
  t.regex(
    run.stderr,
    new RegExp(
      `^error: flowstage migrate: permission denied for database ${name} \\(SQLSTATE 42501\\)\\. ` +
        `Role ${login.name} cannot install flowstage here:$`,
      'm',
    ),
  );
  t.regex(run.stderr, new RegExp(`^  GRANT CREATE ON DATABASE ${name} TO ${login.name};$`, 'm'));
});

test('a login granted no flowstage role is told which role to ask for', async (t) => {
  const login = await createLogin(t);
  const { db } = await fixedDatabase(t);
  const run = await flowstage(['describe', FIXED.flowId], { DATABASE_URL: login.urlFor(connectionStringOf(db)) });
  t.is(run.code, 1);
  t.is(
    run.stderr,
    'error: permission denied for schema flowfabric\n' +
      "hint: this login has not been granted flowstage's roles: a DBA runs GRANT flowstage_writer TO <login> " +
      '(or flowstage_reader for reading only); see docs/operations.md#roles-and-privileges\n',
  );
});

test("worker as a flowstage_writer login without Graphile Worker's grants exits 1 and points at them", async (t) => {
  const login = await createLogin(t, ['flowstage_writer']);
  const db = await testDatabase(t);
  const run = await flowstage(['worker'], { DATABASE_URL: login.urlFor(connectionStringOf(db)) });
  t.is(run.code, 1);
  t.true(
    run.stderr.endsWith(
      "hint: a worker's login needs flowstage_writer and rights on Graphile Worker's tables; the GRANT " +
        'lines are in docs/operations.md#roles-and-privileges\n',
    ),
    run.stderr,
  );
});

test("worker on a database without flowstage exits 1 with run()'s message, creating nothing there", async (t) => {
  const url = await emptyDatabase(t);
  const run = await flowstage(['worker'], { DATABASE_URL: url });
  t.is(run.code, 1, run.stderr);
  t.is(
    run.stderr,
    'error: run: flowstage is not installed in this database (no schema flowfabric): ' +
      'install it with `flowstage migrate` before starting the worker\n',
  );
  const rows = await queryUrl(url, "SELECT to_regnamespace('graphile_worker') IS NULL AS absent");
  t.true(rows[0].absent);
});

test("worker --concurrency 0 exits 1 with run()'s message", async (t) => {
  const db = await testDatabase(t);
  const run = await flowstage(['worker', '--concurrency', '0'], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1, run.stderr);
  t.is(run.stderr, 'error: run: concurrency must be a positive integer (got 0)\n');
});

test('worker starts, and stops cleanly on SIGTERM', async (t) => {
  const db = await testDatabase(t);
  let signalled = false;
  const run = await flowstage(['worker', '--concurrency', '1'], { DATABASE_URL: connectionStringOf(db) }, (stderr, child) => {
    if (!signalled && stderr.includes('flowstage worker running')) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  t.true(signalled, run.stderr);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /flowstage worker stopped\n$/);
});

test("worker --tasks runs a started flow to completion with the user's TypeScript tasks", async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await db.query('SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)', [flowId]);
  const [{ execution_id: produce }] = await call<{ execution_id: string }>(
    db,
    "SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1, p_task_identifier => 'produce')",
    [flowId],
  );
  const [{ execution_id: double }] = await call<{ execution_id: string }>(
    db,
    "SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1, p_task_identifier => 'double')",
    [flowId],
  );
  for (const id of [produce, double]) {
    await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [flowId, id]);
  }
  const edgeId = randomUUID();
  await db.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3,
    p_downstream_execution_id => $4, p_expected_graph_revision => 2, p_data_passing_ref => 'input')`,
    [flowId, edgeId, produce, double],
  );
  await db.query('SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2)', [flowId, edgeId]);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);

  // A copy outside the project (no package.json "type": "module" above it), as users keep theirs.
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-tasks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tasks = join(dir, 'tasks.ts');
  await copyFile(fileURLToPath(new URL('fixtures/tasks.ts', import.meta.url)), tasks);
  let finished = false;
  const deadline = Date.now() + 60_000;
  const run = await flowstage(
    ['worker', '--tasks', tasks, '--concurrency', '2'],
    { DATABASE_URL: connectionStringOf(db) },
    (stderr, child) => {
      if (finished || !stderr.includes('flowstage worker running')) return;
      finished = true;
      void (async () => {
        for (;;) {
          const [flow] = await call<{ public_flow_state: string }>(
            db,
            'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1)',
            [flowId],
          );
          if (flow.public_flow_state !== 'open' || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        child.kill('SIGTERM');
      })();
    },
  );
  t.is(run.code, 0, run.stderr);
  const [flow] = await call(db, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1)', [flowId]);
  t.is(flow.public_flow_state, 'completed');
  const [result] = await call(db, 'SELECT result FROM flowfabric.ff_exec_core WHERE execution_id = $1', [
    double.replace(/^\{fp:\d+\}:/, ''),
  ]);
  t.deepEqual(result.result, { value: 42 });
});

// ---- help, options and the database ----------------------------------------------------------

test("<command> --help prints that command's usage and options, and exits 0", async (t) => {
  const run = await flowstage(['describe', '--help'], { DATABASE_URL: '' });
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, '');
  t.regex(run.stdout, /^usage: flowstage describe <flow_id> \[options\]\n/);
  t.regex(run.stdout, /^ {2}--json +print JSON instead of tables$/m);
  t.regex(run.stdout, /^ {2}--database-url URL +the database \(default: \$DATABASE_URL\)$/m);
  t.notRegex(run.stdout, /--limit/);
});

test('help <command> prints the same as <command> --help', async (t) => {
  const [help, flag] = await Promise.all([
    flowstage(['help', 'wait'], { DATABASE_URL: '' }),
    flowstage(['wait', '-h'], { DATABASE_URL: '' }),
  ]);
  t.is(help.code, 0);
  t.is(help.stdout, flag.stdout);
  t.regex(help.stdout, /^ {2}--timeout SECONDS +/m);
});

test("an option the command does not take is refused with exit 2 and that command's usage", async (t) => {
  const run = await flowstage(['describe', randomUUID(), '--limit', '5'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.is(run.stdout, '');
  t.regex(run.stderr, /^error: unknown option --limit\n\nusage: flowstage describe <flow_id> \[options\]\n/);
});

test("a missing argument is refused with exit 2 and the command's usage", async (t) => {
  const run = await flowstage(['explain', randomUUID()], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: expected <flow_id> <execution_id>, got 1 argument\(s\)\n\nusage: flowstage explain/);
});

test('--database-url, before or after the command, wins over DATABASE_URL', async (t) => {
  const { env } = await fixedDatabase(t);
  const elsewhere = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
  const before = await flowstage(['--database-url', env.DATABASE_URL, 'list', '--json'], elsewhere);
  t.is(before.code, 0, before.stderr);
  t.deepEqual(
    JSON.parse(before.stdout).map((f: { flow_id: string }) => f.flow_id),
    [FIXED.flowId],
  );
  const after = await flowstage(['list', `--database-url=${env.DATABASE_URL}`, '--json'], { DATABASE_URL: '' });
  t.is(after.code, 0, after.stderr);
  t.is(after.stdout, before.stdout);
});

test('a database without flowstage is answered with what to run, not a missing schema', async (t) => {
  const db = await testDatabase(t);
  const name = `flowstage_cli_${randomUUID().replaceAll('-', '')}`;
  await db.query(`CREATE DATABASE ${name}`);
  t.teardown(() => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined));
  const run = await flowstage(['describe', randomUUID()], { DATABASE_URL: withName(connectionStringOf(db), name) });
  t.is(run.code, 1);
  t.is(
    run.stderr,
    'error: flowstage is not installed in this database (schema "flowfabric" does not exist)\n' +
      'hint: install it with `flowstage migrate`, or have a DBA run `flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"`\n',
  );
});

// ---- wait ------------------------------------------------------------------------------------

const PLAN_A = '0a000000-0000-4000-8000-00000000000a';

async function startedFlow(db: pg.Pool): Promise<{ flowId: string; a: string }> {
  const flowId = randomUUID();
  await call(db, `SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2, p_start => true)`, [
    flowId,
    JSON.stringify({ executions: [{ execution_id: PLAN_A, task_identifier: 'a' }] }),
  ]);
  return { flowId, a: PLAN_A };
}

test('wait exits 0 with the state when the flow completes while it waits', async (t) => {
  const db = await testDatabase(t);
  const { flowId, a } = await startedFlow(db);
  let finishing: Promise<void> | undefined;
  const run = await flowstage(['wait', flowId, '--timeout', '60'], { DATABASE_URL: connectionStringOf(db) }, (stderr) => {
    if (finishing || !stderr.includes('waiting for flow')) return;
    finishing = (async () => {
      await call(db, "SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')", [a]);
      await drain(connectionStringOf(db));
    })();
  });
  await finishing;
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, `waiting for flow ${flowId} (open)\n`);
  t.is(run.stdout, `${flowId} completed\n`);
});

test('wait exits 1 for a flow that failed, printing its state', async (t) => {
  const db = await testDatabase(t);
  const { flowId, a } = await startedFlow(db);
  await call(db, "SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'failed')", [a]);
  await drain(connectionStringOf(db));
  const run = await flowstage(['wait', flowId, '--json'], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1, run.stderr);
  t.like(JSON.parse(run.stdout), { flow_id: flowId, public_flow_state: 'failed' });
});

test('wait exits 1 for a cancelled flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await startedFlow(db);
  await call(db, "SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'stop')", [flowId]);
  const run = await flowstage(['wait', flowId], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1, run.stderr);
  t.is(run.stdout, `${flowId} cancelled\n`);
});

test('wait --timeout exits 1 when the flow is still open', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await startedFlow(db);
  // 3 s, not less: the first read must come back before the timeout even when every test file
  // runs at once on two cores (0.5 s was missed there once, and the "waiting for" line with it).
  const run = await flowstage(['wait', flowId, '--timeout', '3'], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.is(run.stderr, `waiting for flow ${flowId} (open)\nerror: flow ${flowId} is still open after 3 s\n`);
});

test("wait on an unknown flow is the database's flow_not_found", async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['wait', flowId], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`^error: flow_not_found: flow_id=${flowId}\n`));
});

test("migrate --verbose adds node-pg-migrate's progress lines on stderr", async (t) => {
  const url = await emptyDatabase(t);
  const run = await flowstage(['migrate', '--verbose'], { DATABASE_URL: url });
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /^> Migrating files:$/m);
  t.regex(run.stderr, /^### MIGRATION \d+_flowstage-0\.3\.0 \(UP\) ###$/m);
  const again = await flowstage(['migrate', '--verbose'], { DATABASE_URL: url });
  t.regex(again.stderr, /No migrations to run!/);
  t.is(again.stdout, 'flowstage is installed and up to date.\n');
});

test("--version prints package.json's version and exits 0, without a database", async (t) => {
  const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  const run = await flowstage(['--version'], { DATABASE_URL: undefined });
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${version}\n`);
});

test('submit --help says what a plan is in words, citing no file a user does not have', async (t) => {
  const run = await flowstage(['submit', '--help'], {});
  t.is(run.code, 0, run.stderr);
  t.notRegex(run.stdout, /SPEC/);
  t.regex(run.stdout, /all of it or nothing/);
});
