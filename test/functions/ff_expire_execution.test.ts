// docs/semantics.md §9.3: ff_expire_execution enforces an attempt timeout or an execution deadline
// once due; the flowstage__expire jobs that call it are scheduled where the clocks start.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { execution, member, startFlow } from '../helpers/cascade.js';
import {
  NOW,
  createFlow,
  type Flow as TestFlow,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
} from '../helpers/fixtures.js';

const EXPIRE =
  'SELECT * FROM flowfabric.ff_expire_execution(p_execution_id => $1, p_reason => $2, p_attempt => $3, p_now_ms => $4)';
const BEGIN = 'SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)';

async function expireJob(flow: TestFlow | { db: import('pg').Pool }, kind: 'timeout' | 'deadline', id: string) {
  const { rows } = await flow.db.query(
    `SELECT (extract(epoch FROM run_at) * 1000)::bigint AS ms, priority FROM graphile_worker.jobs WHERE key = $1`,
    [`flowstage:${kind}:${id.slice(-36)}`],
  );
  return rows.map((r) => Number(r.ms));
}

test('ff_begin_attempt schedules the attempt timeout; before it is due nothing changes (not_due)', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', policy: { attempt_timeout_ms: 500 } });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  t.deepEqual(await expireJob(flow, 'timeout', id), [NOW + 500]);
  const { rows } = await assertReplayWritesNothing(t, flow.db, () =>
    flow.db.query(EXPIRE, [id, 'attempt_timeout', 1, NOW + 499]),
  );
  t.is(rows[0].status, 'not_due');
});

test('a due attempt timeout with retries left fails the attempt (attempt_timeout) and schedules a retry', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', policy: { attempt_timeout_ms: 500, max_retries: 1 } });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  const { rows } = await flow.db.query(EXPIRE, [id, 'attempt_timeout', 1, NOW + 500]);
  t.like(rows[0], { status: 'retry_scheduled', retry_count: 1 });
  t.like(await execution(flow.db, id), { public_state: 'delayed', failure_reason: 'attempt_timeout' });
});

test('a due attempt timeout with no retries left expires the execution', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', policy: { attempt_timeout_ms: 500 } });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  t.like((await flow.db.query(EXPIRE, [id, 'attempt_timeout', 1, NOW + 600])).rows[0], {
    status: 'expired',
    public_flow_state: 'failed',
  });
  t.like(await execution(flow.db, id), { terminal_outcome: 'expired', failure_reason: 'attempt_timeout' });
});

test('the timeout of an attempt that is over is stale_attempt and changes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', policy: { attempt_timeout_ms: 500, max_retries: 2 } });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  await flow.db.query(EXPIRE, [id, 'attempt_timeout', 1, NOW + 500]);
  await flow.db.query(BEGIN, [id, NOW + 2000]); // attempt 2
  const { rows } = await assertReplayWritesNothing(t, flow.db, () =>
    flow.db.query(EXPIRE, [id, 'attempt_timeout', 1, NOW + 5000]),
  );
  t.is(rows[0].status, 'stale_attempt');
});

test('ff_start_flow starts the deadline of members with execution_deadline_ms; when due, expired whatever the phase', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', policy: { execution_deadline_ms: 1000 } });
  const other = await member(flow, { task: 'work' });
  const {
    rows: [started],
  } = await flow.db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1, p_now_ms => $2)', [flow.flowId, NOW]);
  t.is(started.status, 'started');
  t.is((await execution(flow.db, id)).deadline_at_ms, String(NOW + 1000));
  t.is((await execution(flow.db, other)).deadline_at_ms, null);
  t.deepEqual(await expireJob(flow, 'deadline', id), [NOW + 1000]);
  t.is((await flow.db.query(EXPIRE, [id, 'execution_deadline', null, NOW + 999])).rows[0].status, 'not_due');
  t.like((await flow.db.query(EXPIRE, [id, 'execution_deadline', null, NOW + 1000])).rows[0], { status: 'expired' });
  t.like(await execution(flow.db, id), {
    terminal_outcome: 'expired',
    failure_reason: 'execution_deadline',
    result: { error: 'execution_deadline' },
  });
});

test("a solo execution's deadline runs from its creation", async (t) => {
  const db = await testDatabase(t);
  const {
    rows: [created],
  } = await db.query(
    `SELECT * FROM flowfabric.ff_create_execution(p_task_identifier => 'work', p_policy => '{"execution_deadline_ms": 250}',
       p_now_ms => $1)`,
    [NOW],
  );
  t.deepEqual(await expireJob({ db }, 'deadline', created.execution_id), [NOW + 250]);
});

test('an unknown p_reason is invalid_input naming p_reason, and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  const error = await assertRefusedWritesNothing(
    t,
    flow.db,
    () => flow.db.query(EXPIRE, [id, 'boredom', null, NOW]),
    'invalid_input',
  );
  t.regex(error.detail!, /^p_reason/);
});

test('a member that ff_submit_flow adds to a started flow starts its deadline then', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await member(flow, { task: 'work' });
  await startFlow(flow);
  const late = '00000000-0000-4000-8000-00000000d1e0';
  await flow.db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2, p_now_ms => $3)', [
    flow.flowId,
    {
      executions: [{ execution_id: late, task_identifier: 'work', policy: { execution_deadline_ms: 700 } }],
    },
    NOW,
  ]);
  t.is((await execution(flow.db, late)).deadline_at_ms, String(NOW + 700));
  t.deepEqual(await expireJob(flow, 'deadline', late), [NOW + 700]);
});
