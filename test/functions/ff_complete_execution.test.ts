// docs/semantics.md §4.6: ff_complete_execution makes an execution terminal once, with its outcome and result.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  complete,
  createExecution,
  createFlow,
  createMember,
  events,
  executionRow,
  flowRow,
  otherPartition,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const COMPLETE = `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2, p_result => $3, p_now_ms => $4)`;

const outcomes: Array<[string, string]> = [
  ['success', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['expired', 'expired'],
  ['skipped', 'skipped'],
];
for (const [outcome, publicState] of outcomes) {
  test(`outcome ${outcome}: terminal, not_applicable, terminal_outcome ${outcome}, public_state ${publicState}, time and result stored`, async (t) => {
    const db = await testDatabase(t);
    const { flowId } = await createFlow(db);
    const id = await createMember(db, flowId);
    const { rows } = await db.query(COMPLETE, [id, outcome, JSON.stringify({ answer: 42 }), NOW]);
    t.deepEqual(rows, [{ status: 'completed', execution_id: id, outcome, public_flow_state: 'open' }]); // not started: open
    const row = await executionRow(db, id);
    t.like(row, {
      lifecycle_phase: 'terminal',
      eligibility_state: 'not_applicable',
      terminal_outcome: outcome,
      public_state: publicState,
      terminal_at_ms: String(NOW),
    });
    t.deepEqual(row.result, { answer: 42 });
  });
}

test('a solo execution can be completed, by bare uuid; the result reports the canonical id', async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  const { rows } = await db.query(COMPLETE, [uuidOf(id), 'success', null, null]);
  t.deepEqual(rows, [{ status: 'completed', execution_id: id, outcome: 'success', public_flow_state: null }]);
  t.is((await executionRow(db, id)).result, null);
});

test('completing a flow member logs one complete_execution event at the unchanged revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const id = await createMember(db, flowId);
  await createMember(db, flowId); // keeps the flow open, so only the completion is logged
  await db.query(COMPLETE, [id, 'failed', null, NOW]);
  const log = (await events(db, flowId)).filter((e) => e.operation === 'complete_execution');
  t.is(log.length, 1);
  t.like(log[0], { graph_revision: '2', occurred_at_ms: String(NOW) });
  t.deepEqual(log[0].arguments, { execution_id: id, outcome: 'failed' });
});

test("the last completion of a started flow finishes it and reports the flow's state", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const a = await createMember(db, flowId);
  const b = await createMember(db, flowId);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  t.like((await db.query(COMPLETE, [a, 'failed', null, NOW])).rows[0], { status: 'completed', public_flow_state: 'open' });
  t.like((await db.query(COMPLETE, [b, 'success', null, NOW + 1])).rows[0], { status: 'completed', public_flow_state: 'failed' });
  t.like(await flowRow(db, flowId), { public_flow_state: 'failed', terminal_at_ms: String(NOW + 1) });
  t.is((await events(db, flowId)).at(-1)?.operation, 'complete_flow');
});

test('completing a solo execution logs no flow event', async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  await db.query(COMPLETE, [id, 'success', null, null]);
  t.deepEqual(await events(db), []);
});

test('a second call: already_terminal with the stored outcome, nothing changes (even with another outcome and result)', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const id = await createMember(db, flowId);
  await complete(db, id, 'failed', { result: { first: true } });
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    db.query(COMPLETE, [id, 'success', JSON.stringify({ second: true }), NOW]),
  );
  t.deepEqual(rows, [{ status: 'already_terminal', execution_id: id, outcome: 'failed', public_flow_state: null }]);
  t.deepEqual((await executionRow(db, id)).result, { first: true });
});

test('a repeated call with the same outcome: already_terminal, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  await complete(db, id, 'success');
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(COMPLETE, [id, 'success', null, null]));
  t.is(rows[0].status, 'already_terminal');
});

test('20 concurrent completions with different outcomes: one completed, 19 already_terminal reporting the winner', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db);
  const id = await createMember(db, flowId);
  await createMember(db, flowId);
  const names = outcomes.map(([o]) => o);
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c, i) => c.query(COMPLETE, [id, names[i % names.length], null, null])));
  } finally {
    connections.forEach((c) => c.release());
  }
  const rows = results.map((r) => r.rows[0]);
  const winner = rows.filter((r) => r.status === 'completed');
  t.is(winner.length, 1);
  t.is(rows.filter((r) => r.status === 'already_terminal').length, 19);
  t.true(rows.every((r) => r.outcome === winner[0].outcome));
  t.is((await executionRow(db, id)).terminal_outcome, winner[0].outcome);
  t.is((await events(db, flowId)).filter((e) => e.operation === 'complete_execution').length, 1);
});

test('a missing execution is execution_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(t, db, () => db.query(COMPLETE, [randomUUID(), 'success', null, null]), 'execution_not_found');
});

test("a {fp:N} prefix naming another partition than the execution's is invalid_input partition_mismatch", async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  const partition = Number(/^\{fp:(\d+)\}/.exec(id)![1]);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(COMPLETE, [`{fp:${otherPartition(partition)}}:${uuidOf(id)}`, 'success', null, null]),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
});

const malformed = [null, 'nope', `{fp:999}:${randomUUID()}`, `{fp:1}${randomUUID()}`, randomUUID().replaceAll('-', ''), ''];
for (const bad of malformed) {
  test(`p_execution_id ${JSON.stringify(bad)} is invalid_input naming p_execution_id`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(
      t,
      db,
      () => db.query(COMPLETE, [bad, 'success', null, null]),
      'invalid_input',
    );
    t.true(error.detail?.startsWith('p_execution_id:'), error.detail);
  });
}

for (const bad of [null, 'succeeded', 'SUCCESS', 'none', '']) {
  test(`p_outcome ${JSON.stringify(bad)} is invalid_input naming p_outcome`, async (t) => {
    const db = await testDatabase(t);
    const id = await createExecution(db);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(COMPLETE, [id, bad, null, null]), 'invalid_input');
    t.true(error.detail?.startsWith('p_outcome:'), error.detail);
  });
}

test('a negative p_now_ms is invalid_input naming p_now_ms', async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(COMPLETE, [id, 'success', null, -1]), 'invalid_input');
  t.true(error.detail?.startsWith('p_now_ms:'), error.detail);
});

test('a 1 MB p_outcome is invalid_input whose DETAIL is cut to 200 characters (_raise bounds every DETAIL)', async (t) => {
  const db = await testDatabase(t);
  const id = await createExecution(db);
  const outcome = 'x'.repeat(1_048_576);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(COMPLETE, [id, outcome, null, null]), 'invalid_input');
  const full = `p_outcome: must be success, failed, cancelled, expired or skipped (got ${outcome})`;
  t.is(error.detail, `${full.slice(0, 200)}… (${full.length} characters in all)`);
});
