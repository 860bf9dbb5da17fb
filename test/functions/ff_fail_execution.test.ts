// docs/semantics.md §9.2: ff_fail_execution fails the running attempt: a retry after the policy's
// backoff while retries are left, else terminal failed with its cascade. Fencing: §9.3.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { edge, execution, jobs, member, operations, startFlow } from '../helpers/cascade.js';
import {
  NOW,
  createFlow,
  flowRow,
  type Flow as TestFlow,
  assertRefused,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
} from '../helpers/fixtures.js';

const FAIL = `SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => $2,
  p_failure_category => $3, p_attempt => $4, p_now_ms => $5)`;
const BEGIN = 'SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)';

async function running(flow: TestFlow, policy?: Record<string, unknown>): Promise<string> {
  const id = await member(flow, { task: 'work', ...(policy ? { policy } : {}) });
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  return id;
}

async function fail(flow: TestFlow, id: string, options: { reason?: string; attempt?: number; now?: number } = {}) {
  const { rows } = await flow.db.query(FAIL, [
    id,
    options.reason ?? 'connection refused',
    null,
    options.attempt ?? null,
    options.now ?? NOW,
  ]);
  return rows[0];
}

async function runAt(flow: TestFlow, id: string): Promise<number | null> {
  const { rows } = await flow.db.query(
    `SELECT (extract(epoch FROM run_at) * 1000)::bigint AS ms FROM graphile_worker.jobs WHERE key = 'flowstage:run:' || $1`,
    [id.slice(-36)],
  );
  return rows[0] ? Number(rows[0].ms) : null;
}

test('retries left: retry_scheduled, delayed until now + initial backoff, retry_count + 1, its run job at that time', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 2 });
  t.deepEqual(await fail(flow, id, { attempt: 1 }), {
    status: 'retry_scheduled',
    execution_id: id,
    delay_until_ms: String(NOW + 1000),
    retry_count: 1,
    public_flow_state: null,
  });
  t.like(await execution(flow.db, id), {
    lifecycle_phase: 'runnable',
    eligibility_state: 'not_eligible_until_time',
    blocking_reason: 'waiting_for_retry_backoff',
    public_state: 'delayed',
    attempt_state: 'pending_retry_attempt',
    terminal_outcome: 'none',
    retry_count: 1,
    failure_reason: 'connection refused',
    delay_until_ms: String(NOW + 1000),
  });
  t.is(await runAt(flow, id), NOW + 1000);
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.task_identifier === 'work').map((j) => j.max_attempts),
    [1],
  );
});

test('exponential backoff: min(initial * multiplier ^ retry_count, max_delay_ms), the retry count before the failure', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, {
    max_retries: 4,
    backoff: { type: 'exponential', initial_delay_ms: 100, multiplier: 3, max_delay_ms: 500 },
  });
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    const row = await fail(flow, id, { attempt });
    delays.push(Number(row.delay_until_ms) - NOW);
    await flow.db.query(BEGIN, [id, NOW]);
  }
  t.deepEqual(delays, [100, 300, 500, 500]);
});

test('fixed backoff waits delay_ms every time', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 2, backoff: { type: 'fixed', delay_ms: 250 } });
  t.is((await fail(flow, id)).delay_until_ms, String(NOW + 250));
  await flow.db.query(BEGIN, [id, NOW]);
  t.is((await fail(flow, id)).delay_until_ms, String(NOW + 250));
});

test('the attempt after a failure is a retry: active again, attempt 2, attempt_type retry, delay cleared', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 1 });
  await fail(flow, id);
  const {
    rows: [begun],
  } = await flow.db.query(BEGIN, [id, NOW + 1000]);
  t.like(begun, { status: 'started', attempt: 2, retry_count: 1, attempt_type: 'retry' });
  t.like(await execution(flow.db, id), { public_state: 'active', attempt_state: 'running_attempt', delay_until_ms: null });
});

test('no retries left (the default max_retries 0): terminal failed with failure_reason, and the cascade runs', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  const child = await member(flow, { task: 'work' });
  await edge(flow, id, child);
  await startFlow(flow);
  await flow.db.query(BEGIN, [id, NOW]);
  t.like(await fail(flow, id, { attempt: 1 }), { status: 'failed', retry_count: 0, delay_until_ms: null });
  t.like(await execution(flow.db, id), {
    lifecycle_phase: 'terminal',
    terminal_outcome: 'failed',
    public_state: 'failed',
    failure_reason: 'connection refused',
    result: { error: 'connection refused' },
  });
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
  t.true((await operations(flow)).includes('complete_execution'));
});

test('the flow finishes when the failure was its last member', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow);
  t.like(await fail(flow, id), { status: 'failed', public_flow_state: 'failed' });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('a retry logs fail_execution with the reason, attempt and next time', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 1 });
  await fail(flow, id, { attempt: 1 });
  const { rows } = await flow.db.query(
    `SELECT arguments FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation = 'fail_execution'`,
    [flow.flowId],
  );
  t.deepEqual(
    rows.map((r) => r.arguments),
    [
      {
        execution_id: id,
        attempt: 1,
        failure_reason: 'connection refused',
        failure_category: null,
        retry_count: 1,
        delay_until_ms: NOW + 1000,
      },
    ],
  );
});

test('fencing: a stale attempt answers stale_attempt and changes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 3 });
  await fail(flow, id, { attempt: 1 });
  await flow.db.query(BEGIN, [id, NOW]); // attempt 2 runs
  const row = await assertReplayWritesNothing(t, flow.db, () => fail(flow, id, { attempt: 1 }));
  t.like(row, { status: 'stale_attempt', retry_count: 1 });
});

test('fencing: ff_complete_execution naming an attempt that was failed is stale_attempt', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow, { max_retries: 1 });
  await fail(flow, id, { attempt: 1 });
  const { rows } = await assertReplayWritesNothing(t, flow.db, () =>
    flow.db.query(
      `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success', p_attempt => 1)`,
      [id],
    ),
  );
  t.like(rows[0], { status: 'stale_attempt' });
});

test('a terminal execution answers already_terminal and nothing changes', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow);
  await fail(flow, id);
  t.like(await assertReplayWritesNothing(t, flow.db, () => fail(flow, id)), { status: 'already_terminal' });
});

test('an execution with no running attempt is invalid_input execution_not_active, and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  const error = await assertRefusedWritesNothing(t, flow.db, () => fail(flow, id), 'invalid_input');
  t.regex(error.detail!, /execution_not_active/);
});

test('a missing or over-long failure reason is invalid_input naming p_failure_reason', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await running(flow);
  for (const reason of ['', 'x'.repeat(1025)]) {
    const error = await assertRefused(t, fail(flow, id, { reason }), 'invalid_input');
    t.regex(error.detail!, /^p_failure_reason/);
  }
});

test('an unknown execution is execution_not_found', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await assertRefused(t, fail(flow, '00000000-0000-4000-8000-000000000001'), 'execution_not_found');
});
