// docs/semantics.md §10.2: ff_deliver_signal records a signal and resumes the execution when its
// waitpoint's condition is met; idempotency keys; tokens.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { execution, jobs, waitFor } from '../helpers/cascade.js';
import { complete, flowRow, assertRefused } from '../helpers/fixtures.js';
import { activeMember, createWaitpoint, deliver, suspend } from '../helpers/signals.js';

test('a signal the waitpoint waits for resumes the execution and enqueues its run job in the same transaction', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id, { timeoutAt: Date.now() + 3_600_000 });
  const { rows } = await deliver(db, waitpoint_id, 'approved', { payload: { by: 'ann' }, now: 5000 });
  t.deepEqual(rows, [{ status: 'resumed', waitpoint_id, execution_id: id }]);
  const exec = await execution(db, id);
  t.like(exec, {
    lifecycle_phase: 'runnable',
    eligibility_state: 'eligible_now',
    blocking_reason: 'waiting_for_worker',
    public_state: 'waiting',
  });
  t.deepEqual((exec.payload as { signals: unknown }).signals, [
    { name: 'approved', payload: { by: 'ann' }, received_at_ms: 5000 },
  ]);
  const queued = await jobs(db);
  t.deepEqual(
    queued.map((j) => j.task_identifier),
    ['approve'],
  ); // the timeout job is gone
});

test('the resumed run is the same execution and completes the flow', async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  await deliver(db, waitpoint_id, 'approved');
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [id]);
  await complete(db, id, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('a repeated idempotency key is duplicate and changes nothing, also after the execution resumed', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id, { names: ['a', 'b'], when: 'all' });
  t.is((await deliver(db, waitpoint_id, 'a', { key: 'k1' })).rows[0].status, 'recorded');
  t.is((await deliver(db, waitpoint_id, 'a', { key: 'k1' })).rows[0].status, 'duplicate');
  t.is((await deliver(db, waitpoint_id, 'b', { key: 'k2' })).rows[0].status, 'resumed');
  t.is((await deliver(db, waitpoint_id, 'b', { key: 'k2' })).rows[0].status, 'duplicate');
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_signal WHERE waitpoint_id = $1', [waitpoint_id]);
  t.is(rows[0].n, 2);
});

test('resume_when all waits for every name; any resumes on the first', async (t) => {
  const db = await testDatabase(t);
  const all = await activeMember(db);
  const wAll = await suspend(db, all.id, { names: ['legal', 'finance'], when: 'all' });
  t.is((await deliver(db, wAll.waitpoint_id, 'legal')).rows[0].status, 'recorded');
  t.is((await deliver(db, wAll.waitpoint_id, 'legal')).rows[0].status, 'recorded');
  t.is((await execution(db, all.id)).lifecycle_phase, 'suspended');
  t.is((await deliver(db, wAll.waitpoint_id, 'finance')).rows[0].status, 'resumed');
  const any = await activeMember(db);
  const wAny = await suspend(db, any.id, { names: ['yes', 'no'], when: 'any' });
  t.is((await deliver(db, wAny.waitpoint_id, 'no')).rows[0].status, 'resumed');
});

test('a signal for a closed waitpoint is waitpoint_closed and records nothing', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  await deliver(db, waitpoint_id, 'approved');
  t.is((await deliver(db, waitpoint_id, 'approved')).rows[0].status, 'waitpoint_closed');
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_signal WHERE waitpoint_id = $1', [waitpoint_id]);
  t.is(rows[0].n, 1);
});

test('a signal name the waitpoint does not wait for is invalid_input', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  const error = await assertRefused(t, deliver(db, waitpoint_id, 'rejected'), 'invalid_input');
  t.true(error.detail?.startsWith('p_signal_name:'), error.detail);
});

test('a wrong token is invalid_input whose DETAIL never repeats it', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  const wrong = 'f'.repeat(64);
  const error = await assertRefused(t, deliver(db, waitpoint_id, 'approved', { token: wrong }), 'invalid_input');
  t.true(error.detail?.startsWith('p_token: wrong'), error.detail);
  t.false(`${error.message} ${error.detail} ${error.hint}`.includes(wrong));
});

test('the right token is accepted', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id, token } = await suspend(db, id);
  t.is((await deliver(db, waitpoint_id, 'approved', { token })).rows[0].status, 'resumed');
});

test('a signal delivered while a pause is in flight waits for it, then holds the execution: no run job', async (t) => {
  const db = await testDatabase(t, { max: 3 });
  const { flow, id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  const pauser = await db.connect();
  t.teardown(() => pauser.release());
  await pauser.query('BEGIN');
  await pauser.query('SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId]);
  const delivering = deliver(db, waitpoint_id, 'approved');
  await waitFor('the delivery to wait for the pause', async () => {
    const { rows } = await db.query(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ff_deliver_signal%'",
    );
    return rows.length > 0;
  });
  await pauser.query('COMMIT');
  t.is((await delivering).rows[0].status, 'resumed');
  t.is((await execution(db, id)).blocking_reason, 'flow_paused');
  t.deepEqual(
    (await jobs(db)).filter((j) => j.task_identifier === 'approve'),
    [],
  );
});

test('a resumed execution of a paused flow is held (flow_paused) and gets no job', async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  await db.query('SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId]);
  await deliver(db, waitpoint_id, 'approved');
  t.is((await execution(db, id)).blocking_reason, 'flow_paused');
  t.deepEqual(
    (await jobs(db)).filter((j) => j.task_identifier === 'approve'),
    [],
  );
});

test('refusals: NULL waitpoint, unknown waitpoint, empty name, empty idempotency key', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, deliver(db, null as unknown as string, 'x'), 'invalid_input');
  const unknown = await assertRefused(t, deliver(db, randomUUID(), 'x'), 'invalid_input');
  t.regex(unknown.detail ?? '', /waitpoint_not_found/);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await createWaitpoint(db, id);
  await assertRefused(t, deliver(db, waitpoint_id, ''), 'invalid_input');
  await assertRefused(t, deliver(db, waitpoint_id, 'approved', { key: '' }), 'invalid_input');
});

test('a signal for a suspended execution cancelled with its flow is waitpoint_closed', async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id);
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'stop')`, [flow.flowId]);
  t.is((await execution(db, id)).terminal_outcome, 'cancelled');
  t.is((await deliver(db, waitpoint_id, 'approved')).rows[0].status, 'waitpoint_closed');
  const { rows } = await db.query('SELECT waitpoint_state, close_reason FROM flowfabric.ff_waitpoint WHERE waitpoint_id = $1', [
    waitpoint_id,
  ]);
  t.deepEqual(rows[0], { waitpoint_state: 'closed', close_reason: 'execution_terminal' });
});
