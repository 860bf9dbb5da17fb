// `flowstage submit <plan.json>`: the real binary (src/cli.ts, through tsx) run as a child process
// against a test database; the plan goes to ff_submit_flow through the generated client.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { flowstage } from './bin.js';

/** Writes `content` (JSON unless a string) to a plan file in a temporary directory. */
async function planFile(t: ExecutionContext, content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-plan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'plan.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
const PLAN = {
  executions: [
    { execution_id: a, task_identifier: 'fetch' },
    { execution_id: b, task_identifier: 'fetch' },
    { execution_id: c, task_identifier: 'merge' },
  ],
  groups: [{ downstream_execution_id: c, kind: 'all_of' }],
  edges: [
    { edge_id: randomUUID(), upstream_execution_id: a, downstream_execution_id: c },
    { edge_id: randomUUID(), upstream_execution_id: b, downstream_execution_id: c, data_passing_ref: 'right' },
  ],
};

test('submit --json builds the flow named in the plan file and prints the result row with its flow_id', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['submit', await planFile(t, { flow_id: flowId, ...PLAN }), '--json'], {
    DATABASE_URL: connectionStringOf(db),
  });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout), {
    flow_id: flowId,
    status: 'submitted',
    graph_revision: '5',
    executions_created: 3,
    members_added: 3,
    edges_staged: 2,
    edges_applied: 2,
    groups_set: 1,
    started: false,
  });
  const { rows } = await db.query('SELECT graph_revision FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
  t.is(rows[0].graph_revision, '5');
});

test('submit --start --flow-id starts the flow it builds and prints the result as key/value lines', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['submit', await planFile(t, PLAN), '--start', '--flow-id', flowId], {
    DATABASE_URL: connectionStringOf(db),
  });
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`^flow_id +${flowId}$`, 'm'));
  t.regex(run.stdout, /^status +submitted$/m);
  t.regex(run.stdout, /^started +true$/m);
  const { rows } = await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
  t.is(rows[0].n, 2);
});

test("submit --max-retries sets the plan's default run policy: the executions it creates may retry that often", async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['submit', await planFile(t, PLAN), '--start', '--flow-id', flowId, '--max-retries', '3'], {
    DATABASE_URL: connectionStringOf(db),
  });
  t.is(run.code, 0, run.stderr);
  const { rows } = await db.query("SELECT DISTINCT policy->>'max_retries' AS n FROM flowfabric.ff_exec_core WHERE flow_id = $1", [
    flowId,
  ]);
  t.deepEqual(rows, [{ n: '3' }]);
});

test('submit --max-retries refuses a value the run policy does not allow (exit 1) and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['submit', await planFile(t, PLAN), '--flow-id', flowId, '--max-retries', '5000'], {
    DATABASE_URL: connectionStringOf(db),
  });
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: invalid_input: .*max_retries/m);
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
  t.is(rows[0].n, 0);
});

test('submit without a flow id anywhere builds a new flow and prints its id', async (t) => {
  const db = await testDatabase(t);
  const run = await flowstage(['submit', await planFile(t, { executions: [{ execution_id: randomUUID() }] }), '--json'], {
    DATABASE_URL: connectionStringOf(db),
  });
  t.is(run.code, 0, run.stderr);
  const { flow_id: flowId } = JSON.parse(run.stdout);
  const { rows } = await db.query(
    "SELECT (raw_fields->>'node_count')::int AS n FROM flowfabric.ff_flow_core WHERE flow_id = $1",
    [flowId],
  );
  t.is(rows[0].n, 1);
});

test('submit prints a refusal as error: <code>: <detail> and exits 1', async (t) => {
  const db = await testDatabase(t);
  const cyclic = {
    ...PLAN,
    edges: [...PLAN.edges, { edge_id: randomUUID(), upstream_execution_id: c, downstream_execution_id: a }],
  };
  const run = await flowstage(['submit', await planFile(t, cyclic)], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: cycle_detected: edges\[2\]: \{fp:\d+\}:/m);
  t.is(run.stdout, '');
});

test('submit refuses a plan file that is not JSON as a usage error (exit 2)', async (t) => {
  const db = await testDatabase(t);
  const run = await flowstage(['submit', await planFile(t, '{"executions": [')], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 2);
  t.regex(run.stderr, /plan\.json is not JSON/);
});

test('submitting the same plan file again is already_submitted and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const file = await planFile(t, { flow_id: randomUUID(), ...PLAN });
  const env = { DATABASE_URL: connectionStringOf(db) };
  t.is((await flowstage(['submit', file], env)).code, 0);
  const again = await flowstage(['submit', file, '--json'], env);
  t.is(again.code, 0, again.stderr);
  t.like(JSON.parse(again.stdout), { status: 'already_submitted', graph_revision: '5', executions_created: 0, edges_staged: 0 });
});

test('a flow_id in the plan file that is not a string is a usage error', async (t) => {
  const run = await flowstage(['submit', await planFile(t, { flow_id: 7, ...PLAN })], {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: .*plan\.json: flow_id must be a string\n/);
});
