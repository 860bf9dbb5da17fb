// docs/semantics.md §9.2: ff_delay_execution defers an active or eligible execution without
// spending a retry; p_delay_until_ms at creation has the same effect once it would be enqueued.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { edge, execution, member, startFlow } from '../helpers/cascade.js';
import {
  NOW,
  createFlow,
  type Flow as TestFlow,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
} from '../helpers/fixtures.js';

const DELAY =
  'SELECT * FROM flowfabric.ff_delay_execution(p_execution_id => $1, p_delay_until_ms => $2, p_attempt => $3, p_now_ms => $4)';
const BEGIN = 'SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)';

async function runAt(flow: TestFlow, id: string): Promise<number[]> {
  const { rows } = await flow.db.query(
    `SELECT (extract(epoch FROM run_at) * 1000)::bigint AS ms FROM graphile_worker.jobs WHERE key = 'flowstage:run:' || $1`,
    [id.slice(-36)],
  );
  return rows.map((r) => Number(r.ms));
}

test('a running attempt delays itself: delayed, waiting_for_delay, no retry spent, its job moved to the time', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  const { rows } = await flow.db.query(DELAY, [id, NOW + 5000, 1, NOW]);
  t.deepEqual(rows, [{ status: 'delayed', execution_id: id, delay_until_ms: String(NOW + 5000) }]);
  t.like(await execution(flow.db, id), {
    lifecycle_phase: 'runnable',
    eligibility_state: 'not_eligible_until_time',
    public_state: 'delayed',
    blocking_reason: 'waiting_for_delay',
    retry_count: 0,
    delay_until_ms: String(NOW + 5000),
  });
  t.deepEqual(await runAt(flow, id), [NOW + 5000]);
  // when its time comes, its job begins the attempt: active again
  t.like((await flow.db.query(BEGIN, [id, NOW + 5000])).rows[0], { status: 'started', attempt: 2 });
  t.is((await execution(flow.db, id)).public_state, 'active');
});

test('an operator delays a waiting execution (no p_attempt): one job, re-timed', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  await startFlow(flow);
  await flow.db.query(DELAY, [id, NOW + 60_000, null, NOW]);
  t.deepEqual(await runAt(flow, id), [NOW + 60_000]);
});

test('p_delay_until_ms at creation: delayed at once, enqueued at that time when the flow starts', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const later = Date.now() + 3_600_000;
  const id = await member(flow, { task: 'work', delayUntilMs: later });
  t.like(await execution(flow.db, id), {
    public_state: 'delayed',
    eligibility_state: 'not_eligible_until_time',
    blocking_reason: 'waiting_for_delay',
    delay_until_ms: String(later),
  });
  await startFlow(flow);
  t.deepEqual(await runAt(flow, id), [later]);
});

test('a blocked child with a delay waits for its edges first, then runs at its time', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const later = Date.now() + 3_600_000;
  const up = await member(flow, { task: 'work' });
  const child = await member(flow, { task: 'work', delayUntilMs: later });
  await edge(flow, up, child);
  await startFlow(flow);
  t.deepEqual(await runAt(flow, child), []);
  await flow.db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [up]);
  t.deepEqual(await runAt(flow, child), [later]);
});

test('a time in the past is invalid_input naming p_delay_until_ms, and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  const error = await assertRefusedWritesNothing(
    t,
    flow.db,
    () => flow.db.query(DELAY, [id, NOW - 1, null, NOW]),
    'invalid_input',
  );
  t.regex(error.detail!, /^p_delay_until_ms/);
});

test('a blocked or terminal execution is invalid_input execution_not_active', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const up = await member(flow, { task: 'work' });
  const child = await member(flow, { task: 'work' });
  await edge(flow, up, child);
  const error = await assertRefusedWritesNothing(
    t,
    flow.db,
    () => flow.db.query(DELAY, [child, NOW + 1, null, NOW]),
    'invalid_input',
  );
  t.regex(error.detail!, /execution_not_active/);
});

test('fencing: a stale attempt answers stale_attempt and changes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  const { rows } = await assertReplayWritesNothing(t, flow.db, () => flow.db.query(DELAY, [id, NOW + 10, 7, NOW]));
  t.is(rows[0].status, 'stale_attempt');
});
