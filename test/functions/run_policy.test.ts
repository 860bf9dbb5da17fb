// docs/semantics.md §9.1: the run policy, given per execution (ff_create_execution, a plan item),
// per flow (ff_create_flow, a plan's default_policy) or as FlowPlan options; validated key by key,
// stored resolved and shown by ff_list_members / ff_describe_flow.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { assertRefused, assertRefusedWritesNothing } from '../helpers/fixtures.js';
import { FlowPlan } from '../../src/client/plan.js';

const CREATE_FLOW = 'SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_default_policy => $2)';
const CREATE = "SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1, p_policy => $2, p_task_identifier => 't')";

async function policyOf(db: import('pg').Pool, id: string) {
  const { rows } = await db.query('SELECT policy FROM flowfabric.ff_exec_core WHERE execution_id = $1', [id.slice(-36)]);
  return rows[0].policy;
}

test("an execution's keys win over its flow's default_policy; the stored policy holds the keys set", async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await db.query(CREATE_FLOW, [flowId, { max_retries: 3, attempt_timeout_ms: 5000 }]);
  const {
    rows: [created],
  } = await db.query(CREATE, [flowId, { max_retries: 1 }]);
  t.deepEqual(await policyOf(db, created.execution_id), { max_retries: 1, attempt_timeout_ms: 5000 });
});

test('a backoff is stored whole: the fields not given take their defaults', async (t) => {
  const db = await testDatabase(t);
  const {
    rows: [created],
  } = await db.query(CREATE, [null, { backoff: { type: 'exponential', multiplier: 3 } }]);
  t.deepEqual(await policyOf(db, created.execution_id), {
    backoff: { type: 'exponential', initial_delay_ms: 1000, max_delay_ms: 60000, multiplier: 3 },
  });
});

const refusals: Array<[string, unknown, RegExp]> = [
  ['an unknown key', { retries: 2 }, /^p_policy\.retries: unknown key/],
  ['max_retries not an integer', { max_retries: 1.5 }, /^p_policy\.max_retries/],
  ['max_retries over 1000', { max_retries: 1001 }, /^p_policy\.max_retries/],
  ['a zero attempt timeout', { attempt_timeout_ms: 0 }, /^p_policy\.attempt_timeout_ms/],
  ['a negative deadline', { execution_deadline_ms: -5 }, /^p_policy\.execution_deadline_ms/],
  ['a deadline as a string', { execution_deadline_ms: '500' }, /^p_policy\.execution_deadline_ms/],
  ['an unknown backoff type', { backoff: { type: 'linear' } }, /^p_policy\.backoff/],
  ['a fixed backoff with an exponential field', { backoff: { type: 'fixed', multiplier: 2 } }, /^p_policy\.backoff\.multiplier/],
  ['a zero delay', { backoff: { type: 'fixed', delay_ms: 0 } }, /^p_policy\.backoff\.delay_ms/],
  ['a multiplier below 1', { backoff: { type: 'exponential', multiplier: 0.5 } }, /^p_policy\.backoff\.multiplier/],
  ['a negative max_replays', { max_replays: -1 }, /^p_policy\.max_replays/],
  ['not an object', [1], /^p_policy: must be a JSON object/],
];
for (const [what, policy, detail] of refusals) {
  test(`ff_create_execution: ${what} is invalid_input naming the key, and nothing is written`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(
      t,
      db,
      () => db.query(CREATE, [null, JSON.stringify(policy)]),
      'invalid_input',
    );
    t.regex(error.detail!, detail);
  });
}

test('ff_create_flow: a bad default policy is invalid_input naming p_default_policy.<key>', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(CREATE_FLOW, [randomUUID(), { max_retries: 'many' }]),
    'invalid_input',
  );
  t.regex(error.detail!, /^p_default_policy\.max_retries/);
});

test('ff_create_execution: a negative p_delay_until_ms is invalid_input', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefused(
    t,
    db.query('SELECT * FROM flowfabric.ff_create_execution(p_delay_until_ms => -1)'),
    'invalid_input',
  );
  t.regex(error.detail!, /^p_delay_until_ms/);
});

test("ff_submit_flow: items' policy and delay_until_ms, the plan's default_policy; the flow keeps it", async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  const later = Date.now() + 3_600_000;
  await db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2)', [
    flowId,
    {
      default_policy: { max_retries: 4 },
      executions: [
        { execution_id: a, task_identifier: 't', policy: { attempt_timeout_ms: 100 } },
        { execution_id: b, task_identifier: 't', policy: { max_retries: 0 }, delay_until_ms: later },
      ],
    },
  ]);
  t.deepEqual(await policyOf(db, a), { max_retries: 4, attempt_timeout_ms: 100 });
  t.deepEqual(await policyOf(db, b), { max_retries: 0 });
  const {
    rows: [row],
  } = await db.query('SELECT public_state, delay_until_ms FROM flowfabric.ff_exec_core WHERE execution_id = $1', [b]);
  t.deepEqual(row, { public_state: 'delayed', delay_until_ms: String(later) });
  const {
    rows: [flow],
  } = await db.query('SELECT default_policy FROM flowfabric.ff_describe_flow($1)', [flowId]);
  t.deepEqual(flow.default_policy, { max_retries: 4 });
});

test("ff_submit_flow: a bad item policy is invalid_input with the item's place, and nothing is written", async (t) => {
  const db = await testDatabase(t);
  const plan = { executions: [{ execution_id: randomUUID() }, { execution_id: randomUUID(), policy: { max_retries: -1 } }] };
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2)', [randomUUID(), plan]),
    'invalid_input',
  );
  t.regex(error.detail!, /^executions\[1\]\.policy\.max_retries/);
});

test('ff_submit_flow: a bad default_policy is invalid_input naming p_plan.default_policy', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () =>
      db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2)', [
        randomUUID(),
        { default_policy: { backoff: 'fast' }, executions: [] },
      ]),
    'invalid_input',
  );
  t.regex(error.detail!, /^p_plan\.default_policy\.backoff/);
});

test("ff_list_members shows each member's resolved policy (defaults filled in, max_retries from ff_start_flow)", async (t) => {
  const db = await testDatabase(t);
  const plan = new FlowPlan(randomUUID(), {
    a: { task: 't', policy: { attempt_timeout_ms: 250 } },
    b: { task: 't', after: ['a'] },
  });
  await plan.submit(db);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1, p_max_attempts => 3)', [plan.flowId]);
  const { rows } = await db.query(
    'SELECT policy, retry_count, replay_count, failure_reason FROM flowfabric.ff_list_members($1)',
    [plan.flowId],
  );
  const byTimeout = rows.sort((x, y) => Number('attempt_timeout_ms' in y.policy) - Number('attempt_timeout_ms' in x.policy));
  const backoff = { type: 'exponential', initial_delay_ms: 1000, max_delay_ms: 60000, multiplier: 2 };
  t.deepEqual(byTimeout, [
    {
      policy: { max_retries: 2, backoff, max_replays: 10, attempt_timeout_ms: 250 },
      retry_count: 0,
      replay_count: 0,
      failure_reason: null,
    },
    { policy: { max_retries: 2, backoff, max_replays: 10 }, retry_count: 0, replay_count: 0, failure_reason: null },
  ]);
});

test("FlowPlan.submit({ maxRetries }) is the plan's default max_retries; a step's policy wins", async (t) => {
  const db = await testDatabase(t);
  const plan = new FlowPlan(randomUUID(), { a: { task: 't' }, b: { task: 't', policy: { max_retries: 0 } } });
  t.deepEqual(plan.toJSON().executions[1]!.policy, { max_retries: 0 });
  const { ids } = await plan.submit(db, { start: true, maxRetries: 5 });
  t.deepEqual(await policyOf(db, ids.a), { max_retries: 5 });
  t.deepEqual(await policyOf(db, ids.b), { max_retries: 0 });
});

test('ff_add_execution_to_flow: an execution created without the flow takes its default_policy keys it does not set', async (t) => {
  const db = await testDatabase(t);
  const {
    rows: [solo],
  } = await db.query(CREATE, [null, { max_retries: 0 }]);
  // A flow on the solo execution's partition (the default lane's), so it can join.
  const {
    rows: [{ id: flowId }],
  } = await db.query(
    `
    SELECT u AS id FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 20000)) s
    WHERE flowfabric.ff_flow_partition(u) = $1 LIMIT 1`,
    [Number(/^\{fp:(\d+)\}/.exec(solo.execution_id)![1])],
  );
  await db.query(CREATE_FLOW, [flowId, { max_retries: 3, max_replays: 2 }]);
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [
    flowId,
    solo.execution_id,
  ]);
  t.deepEqual(await policyOf(db, solo.execution_id), { max_retries: 0, max_replays: 2 });
});

// The attempt fencing argument (§9): every run call that takes p_attempt refuses a number below 1
// before it reads anything (so the execution need not exist).
for (const [call, sql] of [
  ['ff_complete_execution', "SELECT * FROM flowfabric.ff_complete_execution($1, 'success', p_attempt => 0)"],
  ['ff_fail_execution', "SELECT * FROM flowfabric.ff_fail_execution($1, 'boom', p_attempt => 0)"],
  ['ff_expire_execution', "SELECT * FROM flowfabric.ff_expire_execution($1, 'attempt_timeout', p_attempt => 0)"],
  ['ff_delay_execution', 'SELECT * FROM flowfabric.ff_delay_execution($1, 9000000000000, p_attempt => 0)'],
] as const) {
  test(`${call}: p_attempt below 1 is invalid_input naming p_attempt, and writes nothing`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(sql, [randomUUID()]), 'invalid_input');
    t.true(error.detail?.startsWith('p_attempt'), error.detail);
  });
}
