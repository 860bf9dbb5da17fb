// docs/semantics.md §10.2: at a waitpoint's timeout its execution fails, expires or resumes.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { drain, execution } from '../helpers/cascade.js';
import { activeMember, deliver, suspend } from '../helpers/signals.js';

const TIMEOUT = 'SELECT * FROM flowfabric.ff_waitpoint_timeout(p_waitpoint_id => $1, p_now_ms => $2)';

for (const [behavior, status, outcome] of [
  ['fail', 'failed', 'failed'],
  ['expire', 'expired', 'expired'],
] as const) {
  test(`timeout_behavior ${behavior}: the execution becomes terminal ${outcome} at the timeout`, async (t) => {
    const db = await testDatabase(t);
    const { id } = await activeMember(db);
    const { waitpoint_id } = await suspend(db, id, { timeoutAt: 10_000, behavior });
    t.is((await db.query(TIMEOUT, [waitpoint_id, 9_999])).rows[0].status, 'not_due');
    t.like((await db.query(TIMEOUT, [waitpoint_id, 10_000])).rows[0], { status, execution_id: id });
    t.like(await execution(db, id), { lifecycle_phase: 'terminal', terminal_outcome: outcome });
    t.is((await db.query(TIMEOUT, [waitpoint_id, 10_001])).rows[0].status, 'already_closed');
    t.is((await deliver(db, waitpoint_id, 'approved')).rows[0].status, 'waitpoint_closed');
  });
}

test('timeout_behavior resume: runs again with the signals received so far', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id, { names: ['a', 'b'], when: 'all', timeoutAt: 10_000, behavior: 'resume' });
  await deliver(db, waitpoint_id, 'a', { now: 5_000 });
  t.is((await db.query(TIMEOUT, [waitpoint_id, 10_000])).rows[0].status, 'resumed');
  const exec = await execution(db, id);
  t.is(exec.eligibility_state, 'eligible_now');
  t.deepEqual((exec.payload as { signals: unknown }).signals, [{ name: 'a', payload: null, received_at_ms: 5_000 }]);
});

test('the timeout job, run by a worker when due, applies the behavior', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  await suspend(db, id, { timeoutAt: Date.now() - 1, behavior: 'expire' });
  await drain(connectionStringOf(db), { approve: () => null });
  t.is((await execution(db, id)).terminal_outcome, 'expired');
});

test('a signal before the timeout closes the waitpoint: the timeout finds it already_closed', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id } = await suspend(db, id, { timeoutAt: 10_000 });
  await deliver(db, waitpoint_id, 'approved');
  t.is((await db.query(TIMEOUT, [waitpoint_id, 20_000])).rows[0].status, 'already_closed');
});

// docs/semantics.md §10.2: fail is "as §9.2, spending a retry".
test('timeout_behavior fail spends a retry as ff_fail_execution: retry_scheduled after the backoff, then failed when none is left', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db, { policy: { max_retries: 1, backoff: { type: 'fixed', delay_ms: 1_000 } } });
  const first = await suspend(db, id, { timeoutAt: 10_000, behavior: 'fail' });
  t.like((await db.query(TIMEOUT, [first.waitpoint_id, 10_000])).rows[0], { status: 'retry_scheduled', execution_id: id });
  const delayed = await execution(db, id);
  t.like(delayed, {
    lifecycle_phase: 'runnable',
    public_state: 'delayed',
    eligibility_state: 'not_eligible_until_time',
    blocking_reason: 'waiting_for_retry_backoff',
    attempt_state: 'pending_retry_attempt',
    retry_count: 1,
    failure_reason: 'waitpoint_timeout',
    delay_until_ms: '11000',
  });
  t.false('waitpoint_id' in (delayed.raw_fields as object));
  const run = await db.query(
    `SELECT extract(epoch FROM run_at) * 1000 AS run_at_ms FROM graphile_worker._private_jobs
    WHERE key = 'flowstage:run:' || right($1, 36)`,
    [id],
  );
  t.deepEqual(
    run.rows.map((r) => Number(r.run_at_ms)),
    [11_000],
  ); // its run job, at the end of the backoff
  t.is((await db.query(TIMEOUT, [first.waitpoint_id, 10_001])).rows[0].status, 'already_closed');

  // the retry runs, suspends again and times out again: no retry left, terminal failed
  const begun = (await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)', [id, 11_000]))
    .rows[0];
  t.like(begun, { status: 'started', attempt: 2, attempt_type: 'retry' });
  const second = await suspend(db, id, { timeoutAt: 20_000, behavior: 'fail', attempt: 2 });
  t.is((await db.query(TIMEOUT, [second.waitpoint_id, 20_000])).rows[0].status, 'failed');
  t.like(await execution(db, id), {
    lifecycle_phase: 'terminal',
    terminal_outcome: 'failed',
    failure_reason: 'waitpoint_timeout',
    retry_count: 1,
  });
});

test('timeout_behavior expire is terminal at once, whatever retries are left', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db, { policy: { max_retries: 3 } });
  const { waitpoint_id } = await suspend(db, id, { timeoutAt: 10_000, behavior: 'expire' });
  t.is((await db.query(TIMEOUT, [waitpoint_id, 10_000])).rows[0].status, 'expired');
  t.like(await execution(db, id), { lifecycle_phase: 'terminal', terminal_outcome: 'expired', retry_count: 0 });
});
