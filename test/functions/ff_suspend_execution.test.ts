// docs/semantics.md §10.2: ff_suspend_execution suspends a running execution on a waitpoint.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { execution, jobs } from '../helpers/cascade.js';
import { assertRefused, assertReplayWritesNothing } from '../helpers/fixtures.js';
import { activeMember, createWaitpoint, deliver, suspend } from '../helpers/signals.js';

test('a running execution becomes suspended / waiting_for_signal and gets a waitpoint and a token', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const row = await suspend(db, id);
  t.is(row.status, 'suspended');
  t.is(row.execution_id, id);
  t.regex(row.token!, /^[0-9a-f]{64}$/);
  t.like(await execution(db, id), {
    lifecycle_phase: 'suspended',
    public_state: 'suspended',
    blocking_reason: 'waiting_for_signal',
    eligibility_state: 'not_applicable',
    attempt_state: 'attempt_interrupted',
  });
});

test('the token is stored only as its sha256', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id, token } = await suspend(db, id);
  const { rows } = await db.query(
    `SELECT w.*, w.token_hash = sha256(convert_to($2, 'UTF8')) AS hashed
    FROM flowfabric.ff_waitpoint w WHERE waitpoint_id = $1`,
    [waitpoint_id, token],
  );
  t.true(rows[0].hashed);
  t.false(JSON.stringify(rows[0]).includes(token!));
});

test('a timeout schedules one flowstage__waitpoint_timeout job keyed by the waitpoint (no row scan)', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id, { timeoutAt: Date.now() + 3_600_000 });
  const timeouts = (await jobs(db)).filter((j) => j.task_identifier === 'flowstage__waitpoint_timeout');
  t.deepEqual(
    timeouts.map((j) => [j.key, j.payload]),
    [[`flowstage:waitpoint:${waitpoint_id}`, { waitpoint_id }]],
  );
});

test('a waitpoint created beforehand is adopted with the signals it buffered: resumed at once when they meet it', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const created = await createWaitpoint(db, id, { names: ['approved'] });
  t.is((await deliver(db, created.waitpoint_id, 'approved', { payload: { by: 'ann' } })).rows[0].status, 'recorded');
  const row = await suspend(db, id);
  t.like(row, { status: 'resumed', waitpoint_id: created.waitpoint_id, token: null });
  const exec = await execution(db, id);
  t.like(exec, { lifecycle_phase: 'runnable', eligibility_state: 'eligible_now', public_state: 'waiting' });
  t.like((exec.payload as { signals: unknown[] }).signals[0], { name: 'approved', payload: { by: 'ann' } });
});

test('a waitpoint created beforehand without enough signals: suspended on it', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const created = await createWaitpoint(db, id, { names: ['a', 'b'], when: 'all' });
  await deliver(db, created.waitpoint_id, 'a');
  t.like(await suspend(db, id), { status: 'suspended', waitpoint_id: created.waitpoint_id });
});

test('an execution that is not running is invalid_input execution_not_active', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  await suspend(db, id);
  const error = await assertRefused(t, suspend(db, id), 'invalid_input');
  t.regex(error.detail ?? '', /execution_not_active/);
});

const bad: Array<[string, object, string]> = [
  ['no signal names', { names: [] }, 'p_signal_names'],
  ['an empty signal name', { names: [''] }, 'p_signal_names'],
  ['an unknown resume_when', { when: 'some' }, 'p_resume_when'],
  ['an unknown timeout behavior', { behavior: 'retry' }, 'p_timeout_behavior'],
  ['a negative timeout', { timeoutAt: -1 }, 'p_timeout_at_ms'],
];
for (const [what, options, field] of bad) {
  test(`${what} is invalid_input naming ${field}`, async (t) => {
    const db = await testDatabase(t);
    const { id } = await activeMember(db);
    const error = await assertRefused(t, suspend(db, id, options), 'invalid_input');
    t.true(error.detail?.startsWith(field), error.detail);
  });
}

test('a missing execution is execution_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, suspend(db, randomUUID()), 'execution_not_found');
});

// docs/semantics.md §9.3 fencing: an attempt that is over never suspends the execution afterwards.
test('fencing: a call naming an attempt that is not the current one answers stale_attempt and changes nothing', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db); // attempt 1 runs
  const row = await assertReplayWritesNothing(t, db, () => suspend(db, id, { attempt: 2, timeoutAt: Date.now() + 60_000 }));
  t.like(row, { status: 'stale_attempt', execution_id: id, waitpoint_id: null, token: null });
  t.is((await suspend(db, id, { attempt: 1 })).status, 'suspended');
});

test('fencing: an attempt failed meanwhile (a retry scheduled) answers stale_attempt, not execution_not_active', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db, { policy: { max_retries: 1 } });
  await db.query(`SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => 'attempt_timeout')`, [id]);
  const row = await assertReplayWritesNothing(t, db, () => suspend(db, id, { attempt: 1 }));
  t.is(row.status, 'stale_attempt');
  t.like(await execution(db, id), { lifecycle_phase: 'runnable', public_state: 'delayed' });
});

test('p_attempt below 1 is invalid_input naming p_attempt', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const error = await assertRefused(t, suspend(db, id, { attempt: 0 }), 'invalid_input');
  t.true(error.detail?.startsWith('p_attempt'), error.detail);
});
