// docs/semantics.md §10.2: at a waitpoint's timeout its execution fails, expires or resumes.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { drain, execution } from '../helpers/cascade.js';
import { activeMember, deliver, suspend } from '../helpers/signals.js';

const TIMEOUT = 'SELECT * FROM flowfabric.ff_waitpoint_timeout(p_waitpoint_id => $1, p_now_ms => $2)';

for (const [behavior, status, outcome] of [['fail', 'failed', 'failed'], ['expire', 'expired', 'expired']] as const) {
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
