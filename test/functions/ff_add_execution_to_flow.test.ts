// docs/semantics.md §4.2: ff_add_execution_to_flow makes an execution a member of a flow, checks in order 1-5.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  addMember,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  createExecution,
  createFlow,
  events,
  executionRow,
  flowIdOffDefaultLane,
  flowRow,
  makeFlowTerminal,
  otherPartition,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const ADD = `SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2, p_now_ms => $3)`;

// Step 1
test('1. a missing flow is flow_not_found (checked before the execution)', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(t, db, () => db.query(ADD, [randomUUID(), randomUUID(), null]), 'flow_not_found');
});

for (const state of ['cancelled', 'completed', 'failed'] as const) {
  test(`1. a ${state} flow is flow_already_terminal, nothing written`, async (t) => {
    const db = await testDatabase(t);
    const { flowId } = await createFlow(db);
    const executionId = await createExecution(db, { flowId });
    await makeFlowTerminal(db, flowId, state);
    await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, executionId, null]), 'flow_already_terminal');
  });
}

test('1. a terminal flow is refused before a missing execution is looked at', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await makeFlowTerminal(db, flowId);
  await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, randomUUID(), null]), 'flow_already_terminal');
});

// Step 2
test('2. a missing execution is execution_not_found, DETAIL names it canonically', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const id = randomUUID();
  const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, id, null]), 'execution_not_found');
  t.true(error.detail?.includes(`{fp:${partition}}:${id}`), error.detail);
});

test('2. a {fp:N} prefix naming another partition than the flow is invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const executionId = await createExecution(db, { flowId });
  const wrong = `{fp:${otherPartition(partition)}}:${uuidOf(executionId)}`;
  const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, wrong, null]), 'invalid_input');
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
  t.regex(error.hint ?? '', /p_flow_id/);
});

test('2. a solo execution stored on another partition (bare uuid) is invalid_input partition_mismatch with a hint', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { flowId: await flowIdOffDefaultLane(db) });
  const solo = await createExecution(db);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, uuidOf(solo), null]), 'invalid_input');
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
  t.regex(error.hint ?? '', /p_flow_id/);
});

// Step 3
test('3. an execution already in this flow: already_member with the current counts, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const a = await createExecution(db, { flowId });
  const b = await createExecution(db, { flowId });
  await addMember(db, flowId, a);
  await addMember(db, flowId, b);
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(ADD, [flowId, a, NOW]));
  t.deepEqual(rows, [{ status: 'already_member', execution_id: a, node_count: '2', graph_revision: '2' }]);
});

test('3. a repeated add by bare uuid: already_member, canonical id in the result', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const a = await createExecution(db, { flowId });
  await addMember(db, flowId, a);
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(ADD, [flowId, uuidOf(a), null]));
  t.is(rows[0].status, 'already_member');
  t.is(rows[0].execution_id, a);
});

// Step 4
test('4. an execution in another flow is already_member_of_different_flow, DETAIL names that flow', async (t) => {
  const db = await testDatabase(t);
  // Two flows on one partition, so the execution's partition fits both.
  const first = await createFlow(db);
  let secondId: string;
  do secondId = randomUUID();
  while ((await db.query(`SELECT flowfabric.ff_flow_partition($1) p`, [secondId])).rows[0].p !== first.partition);
  const second = await createFlow(db, { flowId: secondId });
  const executionId = await createExecution(db, { flowId: first.flowId });
  await addMember(db, first.flowId, executionId);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(ADD, [second.flowId, executionId, null]),
    'already_member_of_different_flow',
  );
  t.true(error.detail?.includes(first.flowId), error.detail);
  t.is((await executionRow(db, executionId)).flow_id, first.flowId);
});

// Step 5
test('5. added: flow_id stamped, revision and node_count + 1, last_mutation_at_ms = now', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const executionId = await createExecution(db, { flowId });
  const { rows } = await db.query(ADD, [flowId, executionId, NOW + 10]);
  t.deepEqual(rows, [{ status: 'added', execution_id: executionId, node_count: '1', graph_revision: '1' }]);
  t.is((await executionRow(db, executionId)).flow_id, flowId);
  const flow = await flowRow(db, flowId);
  t.is(flow.graph_revision, '1');
  t.like(flow.raw_fields, { node_count: 1, edge_count: 0, last_mutation_at_ms: NOW + 10 });
});

test('5. added by bare uuid: the result carries the canonical id', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const executionId = await createExecution(db, { flowId });
  const { rows } = await db.query(ADD, [flowId, uuidOf(executionId), null]);
  t.is(rows[0].execution_id, `{fp:${partition}}:${uuidOf(executionId)}`);
});

test('5. a solo execution that happens to live on the flow partition can be added', async (t) => {
  const db = await testDatabase(t);
  const { rows: lane } = await db.query(`SELECT flowfabric._solo_partition('default') AS p`);
  let flowId: string;
  do flowId = randomUUID();
  while ((await db.query(`SELECT flowfabric.ff_flow_partition($1) p`, [flowId])).rows[0].p !== lane[0].p);
  await createFlow(db, { flowId });
  const solo = await createExecution(db);
  const { rows } = await db.query(ADD, [flowId, uuidOf(solo), null]);
  t.is(rows[0].status, 'added');
});

test('5. adding logs one add_execution_to_flow event with the new revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const executionId = await createExecution(db, { flowId });
  await db.query(ADD, [flowId, executionId, NOW]);
  const log = (await events(db, flowId)).filter((e) => e.operation !== 'create_flow');
  t.is(log.length, 1);
  t.like(log[0], { operation: 'add_execution_to_flow', graph_revision: '1', occurred_at_ms: String(NOW) });
  t.deepEqual(log[0].arguments, { execution_id: executionId });
});

test('20 concurrent adds of distinct executions: node_count and revision both rise by exactly 20', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await createExecution(db, { flowId }));
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c, i) => c.query(ADD, [flowId, ids[i], null])));
  } finally {
    connections.forEach((c) => c.release());
  }
  t.true(results.every((r) => r.rows[0].status === 'added'));
  t.deepEqual(
    results.map((r) => Number(r.rows[0].graph_revision)).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const flow = await flowRow(db, flowId);
  t.is(flow.graph_revision, '20');
  t.is(flow.raw_fields.node_count, 20);
  t.is((await events(db, flowId)).filter((e) => e.operation === 'add_execution_to_flow').length, 20);
});

test('20 concurrent adds of one execution: one added, 19 already_member, counts rise by one', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db);
  const executionId = await createExecution(db, { flowId });
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c) => c.query(ADD, [flowId, executionId, null])));
  } finally {
    connections.forEach((c) => c.release());
  }
  t.is(results.filter((r) => r.rows[0].status === 'added').length, 1);
  t.is(results.filter((r) => r.rows[0].status === 'already_member').length, 19);
  const flow = await flowRow(db, flowId);
  t.is(flow.graph_revision, '1');
  t.is(flow.raw_fields.node_count, 1);
});

test('concurrent adds of one execution to two flows: exactly one wins, the other is already_member_of_different_flow', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const first = await createFlow(db);
  let secondId: string;
  do secondId = randomUUID();
  while ((await db.query(`SELECT flowfabric.ff_flow_partition($1) p`, [secondId])).rows[0].p !== first.partition);
  await createFlow(db, { flowId: secondId });
  const flows = [first.flowId, secondId];
  for (let round = 0; round < 5; round++) {
    const executionId = await createExecution(db, { flowId: first.flowId });
    const connections = await clients(db, 10);
    let results;
    try {
      results = await Promise.allSettled(connections.map((c, i) => c.query(ADD, [flows[i % 2], executionId, null])));
    } finally {
      connections.forEach((c) => c.release());
    }
    const owner = (await executionRow(db, executionId)).flow_id;
    for (const [i, r] of results.entries()) {
      if (flows[i % 2] === owner) {
        t.is(r.status, 'fulfilled');
      } else {
        t.is(r.status, 'rejected');
        if (r.status === 'rejected') t.is(r.reason.code, 'FF004');
      }
    }
    t.is(results.filter((r) => r.status === 'fulfilled' && r.value.rows[0].status === 'added').length, 1);
  }
  const counts = (await db.query(`SELECT sum((raw_fields->>'node_count')::int)::int AS n FROM flowfabric.ff_flow_core`)).rows[0]
    .n;
  t.is(counts, 5);
});

const malformed = ['nope', `{fp:999}:${randomUUID()}`, `{fp:1}${randomUUID()}`, randomUUID().replaceAll('-', ''), ''];
for (const bad of malformed) {
  test(`p_execution_id ${JSON.stringify(bad)} is invalid_input naming p_execution_id`, async (t) => {
    const db = await testDatabase(t);
    const { flowId } = await createFlow(db);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, bad, null]), 'invalid_input');
    t.true(error.detail?.startsWith('p_execution_id:'), error.detail);
  });
}

const nulls: Array<[string, (flowId: string, executionId: string) => unknown[]]> = [
  ['p_flow_id', (_f, e) => [null, e, null]],
  ['p_execution_id', (f) => [f, null, null]],
];
for (const [field, params] of nulls) {
  test(`a NULL ${field} is invalid_input naming ${field}`, async (t) => {
    const db = await testDatabase(t);
    const { flowId } = await createFlow(db);
    const executionId = await createExecution(db, { flowId });
    const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, params(flowId, executionId)), 'invalid_input');
    t.true(error.detail?.startsWith(`${field}:`), error.detail);
  });
}

test('a negative p_now_ms is invalid_input naming p_now_ms', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const executionId = await createExecution(db, { flowId });
  const error = await assertRefusedWritesNothing(t, db, () => db.query(ADD, [flowId, executionId, -1]), 'invalid_input');
  t.true(error.detail?.startsWith('p_now_ms:'), error.detail);
});

test('invalid input is refused before the flow is looked up', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(t, db, () => db.query(ADD, [randomUUID(), 'nope', null]), 'invalid_input');
});
