// docs/semantics.md §10.3: ff_pause_flow holds a flow's executions; ff_resume_flow releases them.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { drain, edge, execution, jobs, member, startFlow } from '../helpers/cascade.js';
import { complete, createFlow, flowRow, assertRefused } from '../helpers/fixtures.js';
import { randomUUID } from 'node:crypto';

const PAUSE = 'SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => $1, p_reason => $2, p_now_ms => $3)';
const RESUME = 'SELECT * FROM flowfabric.ff_resume_flow(p_flow_id => $1)';
const DESCRIBE = 'SELECT * FROM flowfabric.ff_describe_flow(p_flow_id => $1)';

test('pausing a started flow takes its queued run jobs out of the queue and holds the members (flow_paused)', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  const b = await member(flow, { task: 'work' });
  await startFlow(flow);
  t.is((await jobs(db)).length, 2);
  const { rows } = await db.query(PAUSE, [flow.flowId, 'maintenance', 1000]);
  t.like(rows[0], { status: 'paused', paused_at_ms: '1000', held_count: 2 });
  t.deepEqual(await jobs(db), []);
  for (const id of [a, b]) t.like(await execution(db, id), { eligibility_state: 'eligible_now', blocking_reason: 'flow_paused' });
});

test('ff_describe_flow shows paused_at_ms and the reason; resume clears them', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow);
  await db.query(PAUSE, [flow.flowId, 'maintenance', 1000]);
  t.like((await db.query(DESCRIBE, [flow.flowId])).rows[0], {
    paused_at_ms: '1000',
    pause_reason: 'maintenance',
    public_flow_state: 'open',
  });
  await db.query(RESUME, [flow.flowId]);
  t.like((await db.query(DESCRIBE, [flow.flowId])).rows[0], { paused_at_ms: null, pause_reason: null });
});

test('a second pause is already_paused and changes nothing; resuming a flow that is not paused is not_paused', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow);
  t.is((await db.query(RESUME, [flow.flowId])).rows[0].status, 'not_paused');
  await db.query(PAUSE, [flow.flowId, null, 1000]);
  t.like((await db.query(PAUSE, [flow.flowId, 'again', 2000])).rows[0], {
    status: 'already_paused',
    paused_at_ms: '1000',
    held_count: 0,
  });
  t.is((await flowRow(flow.db, flow.flowId)).raw_fields.pause_reason, null);
});

test('an execution that becomes eligible while paused stays eligible_now with flow_paused and gets no job; the cascade still resolves', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow);
  const b = await member(flow, { task: 'work' });
  await edge(flow, a, b);
  await startFlow(flow);
  await db.query(PAUSE, [flow.flowId, null, null]);
  await complete(db, a, 'success');
  t.like(await execution(db, b), { eligibility_state: 'eligible_now', blocking_reason: 'flow_paused', public_state: 'waiting' });
  t.deepEqual(await jobs(db), []);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_explain_execution(p_flow_id => $1, p_execution_id => $2)', [
    flow.flowId,
    b,
  ]);
  t.regex(rows[0].reason, /^eligible: held while the flow is paused/);
});

test('resuming enqueues every held member in one add_jobs call, and they run', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  const b = await member(flow, { task: 'work' });
  await startFlow(flow);
  await db.query(PAUSE, [flow.flowId, null, null]);
  const ran: string[] = [];
  await drain(connectionStringOf(db), {
    work: () => {
      ran.push('x');
    },
  });
  t.deepEqual(ran, []);
  t.like((await db.query(RESUME, [flow.flowId])).rows[0], { status: 'resumed', enqueued_count: 2 });
  for (const id of [a, b]) t.is((await execution(db, id)).blocking_reason, 'waiting_for_worker');
  t.is((await jobs(db)).length, 2);
  await drain(connectionStringOf(db), {
    work: () => {
      ran.push('x');
    },
  });
  t.is(ran.length, 2);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('a job a worker had already taken finds its execution held: ff_begin_attempt answers not_runnable', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  await startFlow(flow);
  await db.query(PAUSE, [flow.flowId, null, null]);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [a]);
  t.is(rows[0].status, 'not_runnable');
});

test('starting a paused flow enqueues nothing until it is resumed', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'work' });
  await db.query(PAUSE, [flow.flowId, null, null]);
  t.is((await startFlow(flow)).enqueued_count, 0);
  t.deepEqual(await jobs(db), []);
  t.is((await db.query(RESUME, [flow.flowId])).rows[0].enqueued_count, 1);
});

test('a paused flow can still be cancelled', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  await startFlow(flow);
  await db.query(PAUSE, [flow.flowId, null, null]);
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'stop')`, [flow.flowId]);
  t.is((await execution(db, a)).terminal_outcome, 'cancelled');
  t.is((await db.query(RESUME, [flow.flowId])).rows[0].enqueued_count, 0);
});

test('pause and resume are logged (pause_flow, resume_flow)', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow);
  await db.query(PAUSE, [flow.flowId, 'why', null]);
  await db.query(RESUME, [flow.flowId]);
  const { rows } = await db.query(`SELECT operation FROM flowfabric.ff_flow_event WHERE flow_id = $1 ORDER BY event_id`, [
    flow.flowId,
  ]);
  t.deepEqual(rows.map((r) => r.operation).slice(-2), ['pause_flow', 'resume_flow']);
});

test('refusals: a missing flow is flow_not_found, a terminal one flow_already_terminal, an empty reason invalid_input', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(PAUSE, [randomUUID(), null, null]), 'flow_not_found');
  await assertRefused(t, db.query(RESUME, [randomUUID()]), 'flow_not_found');
  await assertRefused(t, db.query(PAUSE, [null, null, null]), 'invalid_input');
  const flow = await createFlow(db);
  await assertRefused(t, db.query(PAUSE, [flow.flowId, '', null]), 'invalid_input');
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'stop')`, [flow.flowId]);
  await assertRefused(t, db.query(PAUSE, [flow.flowId, null, null]), 'flow_already_terminal');
});

test('a retry whose backoff ends while the flow is paused does not start: ff_begin_attempt holds it, and resume enqueues it', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work', policy: { max_retries: 1, backoff: { type: 'fixed', delay_ms: 1 } } });
  await startFlow(flow);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [a]);
  await db.query(`SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => 'boom')`, [a]);
  t.like(await execution(db, a), { public_state: 'delayed' });
  await db.query(PAUSE, [flow.flowId, null, null]);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [a]);
  t.is(rows[0].status, 'not_runnable');
  t.like(await execution(db, a), {
    lifecycle_phase: 'runnable',
    eligibility_state: 'eligible_now',
    blocking_reason: 'flow_paused',
    public_state: 'waiting',
  });
  t.like((await db.query(RESUME, [flow.flowId])).rows[0], { status: 'resumed', enqueued_count: 1 });
  t.is((await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [a])).rows[0].status, 'started');
});
