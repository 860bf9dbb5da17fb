// ff_begin_attempt: the task wrapper's first call. A runnable, eligible member starts (its
// attempt counted, its payload returned); a blocked or terminal one is not_runnable and nothing
// changes; a malformed or unknown id is refused.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { edge, execution, member, waitFor } from '../helpers/cascade.js';
import { complete, createFlow, type Db } from '../helpers/fixtures.js';

async function begin(db: Db, executionId: string) {
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [executionId]);
  return rows[0] as { status: string; execution_id: string; payload: unknown; attempt: number };
}

test('an eligible member starts: active and leased, attempt 1, its payload returned', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow, { payload: { page: 1 } });
  t.deepEqual(await begin(flow.db, a), {
    status: 'started',
    execution_id: a,
    payload: { page: 1 },
    attempt: 1,
    attempt_timeout_ms: null,
    retry_count: 0,
    attempt_type: 'initial',
  });
  t.like(await execution(flow.db, a), { lifecycle_phase: 'active', public_state: 'active', attempt_state: 'running_attempt' });
});

test('an active member starts again (a retry) with the next attempt number', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  await begin(flow.db, a);
  t.like(await begin(flow.db, a), { status: 'started', attempt: 2 });
});

test('a member blocked by its dependencies is not_runnable and nothing changes', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const b = await member(flow);
  await edge(flow, a, b);
  const before = await execution(flow.db, b);
  t.like(await begin(flow.db, b), { status: 'not_runnable', execution_id: b, attempt: 0 });
  t.deepEqual(await execution(flow.db, b), before);
});

test('a terminal member is not_runnable', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  await complete(flow.db, a, 'cancelled');
  t.like(await begin(flow.db, a), { status: 'not_runnable', execution_id: a });
});

test('an unknown execution is refused with execution_not_found', async (t) => {
  const db = await testDatabase(t);
  const error = await t.throwsAsync<Error & { code: string }>(begin(db, randomUUID()));
  t.like(error, { code: 'FF003', message: 'execution_not_found' });
});

test('a malformed execution id is refused with invalid_input naming p_execution_id', async (t) => {
  const db = await testDatabase(t);
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(begin(db, 'not-an-id'));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.regex(error!.detail, /^p_execution_id: /);
});

test('a member finished while the call waited for its row is not_runnable: the state is checked again on the locked row', async (t) => {
  const db = await testDatabase(t, { max: 3 });
  const flow = await createFlow(db);
  const a = await member(flow);
  const finisher = await db.connect();
  t.teardown(() => finisher.release());
  await finisher.query('BEGIN');
  await finisher.query("SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'cancelled')", [a]);
  // The call reads the member as eligible (the cancel is not committed) and waits for its row.
  const beginning = begin(flow.db, a);
  await waitFor('the call to wait for the row lock', async () => {
    const { rows } = await flow.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ff_begin_attempt%'",
    );
    return rows.length > 0;
  });
  await finisher.query('COMMIT');
  t.like(await beginning, { status: 'not_runnable', execution_id: a, attempt: 0 });
  t.like(await execution(flow.db, a), {
    lifecycle_phase: 'terminal',
    public_state: 'cancelled',
    attempt_state: 'pending_first_attempt',
  });
  const { rows } = await flow.db.query(
    "SELECT count(*)::int AS n FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation = 'begin_attempt'",
    [flow.flowId],
  );
  t.is(rows[0].n, 0);
});
