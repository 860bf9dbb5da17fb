import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, applyEdge, call, dependOn, setPolicy, stageEdge } from '../helpers/read.js';
import { assertRefused, createFlow, eventCount, NOW } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

type Db = Awaited<ReturnType<typeof testDatabase>>;

const setSql = `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1, p_downstream_execution_id => $2, p_kind => $3,
  p_on_satisfied => $4, p_k => $5)`;

async function groupOf(db: Db, flowId: string) {
  return call(
    db,
    'SELECT policy, k_target, success_count, fail_count, skip_count, running_count FROM flowfabric.ff_edge_group WHERE flow_id = $1',
    [flowId],
  );
}

async function pair(db: Db) {
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const up = await addMember(db, flowId);
  const down = await addMember(db, flowId);
  return { flowId, up, down };
}

test('sets an any_of policy before any edge: the group is created with zero counters and k_target 1', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  const row = await setPolicy(db, flowId, down, 'any_of', 'cancel_remaining');
  t.deepEqual(row, {
    status: 'set',
    downstream_execution_id: down,
    policy: { kind: 'any_of', on_satisfied: 'cancel_remaining' },
    k_target: 1,
  });
  t.deepEqual(await groupOf(db, flowId), [
    {
      policy: { kind: 'any_of', on_satisfied: 'cancel_remaining' },
      k_target: 1,
      success_count: 0,
      fail_count: 0,
      skip_count: 0,
      running_count: 0,
    },
  ]);
});

test('sets a quorum policy with k_target = k', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  const row = await setPolicy(db, flowId, down, 'quorum', 'let_run', 2);
  t.deepEqual(row.policy, { kind: 'quorum', k: 2, on_satisfied: 'let_run' });
  t.is(row.k_target, 2);
});

test('sets an all_of policy as {"kind":"all_of"} with a NULL k_target', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  const row = await setPolicy(db, flowId, down, 'all_of');
  t.deepEqual(row.policy, { kind: 'all_of' });
  t.is(row.k_target, null);
});

test('replaces a policy while no edge has been applied to the downstream', async (t) => {
  const db = await testDatabase(t);
  const { flowId, up, down } = await pair(db);
  await setPolicy(db, flowId, down, 'any_of', 'let_run');
  await stageEdge(db, flowId, up, down); // staged, not applied
  const row = await setPolicy(db, flowId, down, 'quorum', 'let_run', 1);
  t.is(row.status, 'set');
  t.like((await groupOf(db, flowId))[0], { policy: { kind: 'quorum', k: 1, on_satisfied: 'let_run' }, k_target: 1 });
});

test('an apply keeps the policy that was set', async (t) => {
  const db = await testDatabase(t);
  const { flowId, up, down } = await pair(db);
  await setPolicy(db, flowId, down, 'quorum', 'cancel_remaining', 1);
  await dependOn(db, flowId, up, down);
  t.like((await groupOf(db, flowId))[0], {
    policy: { kind: 'quorum', k: 1, on_satisfied: 'cancel_remaining' },
    k_target: 1,
    running_count: 1,
  });
});

test('the same policy again is already_set and logs nothing', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  await setPolicy(db, flowId, down, 'quorum', 'let_run', 2);
  const events = await eventCount(db, flowId);
  t.is((await setPolicy(db, flowId, down, 'quorum', 'let_run', 2)).status, 'already_set');
  t.is(await eventCount(db, flowId), events);
});

test('the same policy again after an edge was applied is still already_set', async (t) => {
  const db = await testDatabase(t);
  const { flowId, up, down } = await pair(db);
  await setPolicy(db, flowId, down, 'any_of', 'let_run');
  await dependOn(db, flowId, up, down);
  t.is((await setPolicy(db, flowId, down, 'any_of', 'let_run')).status, 'already_set');
});

test('restating the default all_of after an edge was applied is already_set', async (t) => {
  const db = await testDatabase(t);
  const { flowId, up, down } = await pair(db);
  await dependOn(db, flowId, up, down);
  t.is((await setPolicy(db, flowId, down, 'all_of')).status, 'already_set');
});

test('a different policy after an edge was applied is edge_group_policy_already_fixed and changes nothing', async (t) => {
  const db = await testDatabase(t);
  const { flowId, up, down } = await pair(db);
  await setPolicy(db, flowId, down, 'any_of', 'let_run');
  const edgeId = await stageEdge(db, flowId, up, down);
  await applyEdge(db, flowId, edgeId);
  const before = await groupOf(db, flowId);
  const events = await eventCount(db, flowId);
  await assertRefused(t, setPolicy(db, flowId, down, 'any_of', 'cancel_remaining'), 'edge_group_policy_already_fixed');
  t.deepEqual(await groupOf(db, flowId), before);
  t.is(await eventCount(db, flowId), events);
});

test('logs set_edge_group_policy with the downstream and the policy', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  await setPolicy(db, flowId, down, 'quorum', 'let_run', 1);
  const rows = await call(
    db,
    "SELECT graph_revision, arguments FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation = 'set_edge_group_policy'",
    [flowId],
  );
  t.deepEqual(rows, [
    {
      graph_revision: '2',
      arguments: { downstream_execution_id: down, policy: { kind: 'quorum', k: 1, on_satisfied: 'let_run' } },
    },
  ]);
});

const invalid: [string, string | null, string | null, number | null, string][] = [
  ['an unknown kind', 'some_of', null, null, 'p_kind'],
  ['a NULL kind', null, null, null, 'p_kind'],
  ['an unknown on_satisfied', 'any_of', 'stop', null, 'p_on_satisfied'],
  ['any_of without on_satisfied', 'any_of', null, null, 'p_on_satisfied'],
  ['quorum without on_satisfied', 'quorum', null, 2, 'p_on_satisfied'],
  ['an on_satisfied for all_of', 'all_of', 'let_run', null, 'p_on_satisfied'],
  ['quorum without k', 'quorum', 'let_run', null, 'p_k'],
  ['quorum with k 0', 'quorum', 'let_run', 0, 'p_k'],
  ['a k for any_of', 'any_of', 'let_run', 2, 'p_k'],
  ['a k for all_of', 'all_of', null, 1, 'p_k'],
];
for (const [what, kind, onSatisfied, k, field] of invalid) {
  test(`refuses ${what} with invalid_input naming ${field}, writing nothing`, async (t) => {
    const db = await testDatabase(t);
    const { flowId, down } = await pair(db);
    await assertRefused(t, db.query(setSql, [flowId, down, kind, onSatisfied, k]), 'invalid_input', field);
    t.deepEqual(await groupOf(db, flowId), []);
  });
}

test('refuses a malformed downstream id with invalid_input naming p_downstream_execution_id', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(setSql, [flowId, 'x', 'all_of', null, null]), 'invalid_input', 'p_downstream_execution_id');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(setSql, [randomUUID(), randomUUID(), 'all_of', null, null]), 'flow_not_found');
});

test('refuses a cancelled flow with flow_already_terminal', async (t) => {
  const db = await testDatabase(t);
  const { flowId, down } = await pair(db);
  await db.query(
    "SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'x', p_cancellation_policy => 'cancel_flow_only')",
    [flowId],
  );
  await assertRefused(t, setPolicy(db, flowId, down, 'all_of'), 'flow_already_terminal');
});

test('refuses a downstream that is not a member with execution_not_in_flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ execution_id }] = await call<{ execution_id: string }>(
    db,
    'SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)',
    [flowId],
  );
  await assertRefused(t, setPolicy(db, flowId, execution_id, 'all_of'), 'execution_not_in_flow');
  t.deepEqual(await groupOf(db, flowId), []);
});

test('racing an apply, a policy change either lands before it or is refused as already fixed', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  for (let round = 0; round < 10; round++) {
    const { flowId, up, down } = await pair(db);
    const edgeId = await stageEdge(db, flowId, up, down);
    const [policy, apply] = await Promise.allSettled([
      setPolicy(db, flowId, down, 'any_of', 'let_run'),
      applyEdge(db, flowId, edgeId),
    ]);
    t.is(apply.status, 'fulfilled');
    const [group] = await groupOf(db, flowId);
    if (policy.status === 'fulfilled') {
      t.is(policy.value.status, 'set');
      t.like(group, { policy: { kind: 'any_of', on_satisfied: 'let_run' }, k_target: 1, running_count: 1 });
    } else {
      t.is((policy.reason as { code: string }).code, 'FF013');
      t.like(group, { policy: { kind: 'all_of' }, k_target: null, running_count: 1 });
    }
  }
});
