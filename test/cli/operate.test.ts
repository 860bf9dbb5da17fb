// The commands that act on a running flow: pause, resume, signal, replay, fail, delay and priority
// (src/cli/commands/), run as the real `flowstage` child process against a test database. Each
// calls one generated client function; a refusal from the database exits 1, a usage error 2.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { flowstage } from './bin.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { edge, execution, jobs, member, startFlow } from '../helpers/cascade.js';
import { complete, createFlow, flowRow, makeFlowTerminal, type Flow } from '../helpers/fixtures.js';
import { activeMember, suspend } from '../helpers/signals.js';

type Pool = Awaited<ReturnType<typeof testDatabase>>;

function envOf(db: Pool) {
  return { DATABASE_URL: connectionStringOf(db) };
}

/** A started flow with one eligible task member (its run job queued). */
async function startedFlow(db: Pool): Promise<{ flow: Flow; id: string }> {
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'work' });
  await startFlow(flow);
  return { flow, id };
}

// ---- pause / resume ----------------------------------------------------------------------------

test("pause holds the flow's eligible members, removes their jobs and prints how many", async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await startedFlow(db);
  const run = await flowstage(['pause', flow.flowId, '--reason', 'maintenance'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${flow.flowId} paused: 1 member(s) held\n`);
  t.is((await execution(db, id)).blocking_reason, 'flow_paused');
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'work').length, 0);
  t.is((await flowRow(db, flow.flowId)).raw_fields.pause_reason, 'maintenance');
});

test("pause --json prints ff_pause_flow's row", async (t) => {
  const db = await testDatabase(t);
  const { flow } = await startedFlow(db);
  const run = await flowstage(['pause', flow.flowId, '--json'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.like(JSON.parse(run.stdout), { status: 'paused', flow_id: flow.flowId, held_count: 1 });
});

test('pause of a flow that is no longer open is refused with flow_already_terminal and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { flow } = await startedFlow(db);
  await makeFlowTerminal(db, flow.flowId, 'cancelled');
  const run = await flowstage(['pause', flow.flowId], envOf(db));
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.regex(run.stderr, /^error: flow_already_terminal: /);
});

test("resume gives a paused flow's held members their run jobs again and prints how many", async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await startedFlow(db);
  await db.query('SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId]);
  const run = await flowstage(['resume', flow.flowId], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${flow.flowId} resumed: 1 job(s) enqueued\n`);
  t.is((await execution(db, id)).blocking_reason, 'waiting_for_worker');
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'work').length, 1);
});

test('resume of an unknown flow is refused with flow_not_found and exits 1', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const run = await flowstage(['resume', flowId], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`^error: flow_not_found: flow_id=${flowId}\n`));
});

// ---- signal ------------------------------------------------------------------------------------

test('signal resumes the execution suspended on the waitpoint, with its payload', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id: waitpointId } = await suspend(db, id, { names: ['approved'] });
  const run = await flowstage(['signal', waitpointId, 'approved', '--payload', '{"by":"ops"}', '--key', 'k1'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `resumed: execution ${id} (waitpoint ${waitpointId})\n`);
  const row = await execution(db, id);
  t.is(row.eligibility_state, 'eligible_now');
  t.like((row.payload as { signals: unknown[] }).signals[0], { name: 'approved', payload: { by: 'ops' } });
});

test('signal with the same --key again is a duplicate and changes nothing', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id: waitpointId } = await suspend(db, id, { names: ['approved'] });
  const first = await flowstage(['signal', waitpointId, 'approved', '--key', 'k1', '--json'], envOf(db));
  t.is(first.code, 0, first.stderr);
  t.like(JSON.parse(first.stdout), { status: 'resumed', execution_id: id });
  const again = await flowstage(['signal', waitpointId, 'approved', '--key', 'k1', '--json'], envOf(db));
  t.is(again.code, 0, again.stderr);
  t.like(JSON.parse(again.stdout), { status: 'duplicate', execution_id: id });
});

test('signal with a --payload that is not JSON is a usage error and exits 2', async (t) => {
  const run = await flowstage(['signal', randomUUID(), 'approved', '--payload', '{oops'], {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: --payload must be JSON \(.+\)\n\nusage: flowstage signal <waitpoint_id> <name> \[options\]\n/);
});

test('signal with a name the waitpoint does not wait for is refused with invalid_input and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { id } = await activeMember(db);
  const { waitpoint_id: waitpointId } = await suspend(db, id, { names: ['approved'] });
  const run = await flowstage(['signal', waitpointId, 'rejected'], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: invalid_input: /);
  t.is((await execution(db, id)).lifecycle_phase, 'suspended');
});

// ---- replay ------------------------------------------------------------------------------------

test('replay runs a failed execution again and prints its replay_count and eligibility', async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await startedFlow(db);
  await complete(db, id, 'failed', { result: { error: 'boom' } });
  const run = await flowstage(['replay', id], envOf(db));
  t.is(run.code, 0, run.stderr);
  const [headline, , header, , row] = run.stdout.split('\n');
  t.is(headline, `${id} replayed: 1 execution(s)`);
  t.regex(header, /^execution_id +replay_count +eligibility_state$/);
  t.regex(row, new RegExp(`^${id.replace(/[{}]/g, '\\$&')} +1 +eligible_now$`));
  t.is((await flowRow(db, flow.flowId)).public_flow_state, 'open');
});

test('replay --downstream replays the terminal downstreams in the same call', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  const b = await member(flow, { task: 'work' });
  await edge(flow, a, b);
  await startFlow(flow);
  await complete(db, a, 'success');
  await complete(db, b, 'success');
  const run = await flowstage(['replay', a, '--downstream', '--json'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.deepEqual(
    JSON.parse(run.stdout).map((r: { execution_id: string; replay_count: number }) => [r.execution_id, r.replay_count]),
    [
      [a, 1],
      [b, 1],
    ],
  );
});

test('replay of an execution that is not terminal is refused with execution_not_terminal and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['replay', id], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: execution_not_terminal: /);
});

// ---- fail --------------------------------------------------------------------------------------

test('fail with a retry left schedules it and prints retry_scheduled, retry_count and delay_until', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'work' });
  await startFlow(flow, { maxAttempts: 2 });
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [id]);
  const run = await flowstage(['fail', id, 'upstream API down', '--category', 'HttpError'], envOf(db));
  t.is(run.code, 0, run.stderr);
  const row = await execution(db, id);
  t.is(run.stdout, `${id} retry_scheduled (retry_count 1, delay_until ${new Date(Number(row.delay_until_ms)).toISOString()})\n`);
  t.is(row.public_state, 'delayed');
});

test('fail with no retry left fails it for good and says what became of its flow', async (t) => {
  const db = await testDatabase(t);
  const { flow, id } = await activeMember(db);
  const run = await flowstage(['fail', id, 'boom', '--json'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.like(JSON.parse(run.stdout), {
    status: 'failed',
    execution_id: id,
    delay_until_ms: null,
    retry_count: 0,
    public_flow_state: 'failed',
  });
  t.is((await flowRow(db, flow.flowId)).public_flow_state, 'failed');
});

test('fail of an execution with no running attempt is refused with invalid_input and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['fail', id, 'boom'], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: invalid_input: .*execution_not_active/);
});

// ---- delay -------------------------------------------------------------------------------------

test('delay +5m defers the execution five minutes from now and prints until when', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const before = Date.now();
  const run = await flowstage(['delay', id, '+5m'], envOf(db));
  const after = Date.now();
  t.is(run.code, 0, run.stderr);
  const row = await execution(db, id);
  const until = Number(row.delay_until_ms);
  t.true(until >= before + 300_000 && until <= after + 300_000, `${until} is 5 minutes after the call`);
  t.is(run.stdout, `${id} delayed until ${new Date(until).toISOString()}\n`);
  t.is(row.public_state, 'delayed');
});

test('delay to an ISO time defers the execution to that time', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['delay', id, '2099-01-31T12:00:00Z', '--json'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.like(JSON.parse(run.stdout), {
    status: 'delayed',
    execution_id: id,
    delay_until_ms: String(Date.parse('2099-01-31T12:00:00Z')),
  });
});

test('delay with an <until> that is neither an ISO time nor +N s/m/h is a usage error and exits 2', async (t) => {
  const run = await flowstage(['delay', randomUUID(), 'tomorrow'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.regex(
    run.stderr,
    /^error: <until> must be an ISO time \(2026-01-31T12:00:00Z\) or \+N followed by s, m or h \(got tomorrow\)\n/,
  );
});

test('delay to a time in the past is refused with invalid_input and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['delay', id, '2001-01-01T00:00:00Z'], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: invalid_input: /);
  t.is((await execution(db, id)).public_state, 'waiting');
});

// ---- priority ----------------------------------------------------------------------------------

test("priority sets the execution's priority and prints it", async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['priority', id, '7'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${id} priority 7 (changed)\n`);
  const { rows } = await db.query('SELECT priority FROM flowfabric.ff_exec_core WHERE execution_id = $1', [
    id.replace(/^\{fp:\d+\}:/, ''),
  ]);
  t.is(rows[0].priority, 7);
});

test('priority takes a negative <n> after --', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['priority', id, '--json', '--', '-5'], envOf(db));
  t.is(run.code, 0, run.stderr);
  t.like(JSON.parse(run.stdout), { status: 'changed', execution_id: id, priority: -5 });
});

test('priority with an <n> that is not an integer is a usage error and exits 2', async (t) => {
  const run = await flowstage(['priority', randomUUID(), 'high'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: <n> must be an integer \(got high\)\n\nusage: flowstage priority/);
});

test('priority out of -32767..32767 is refused with invalid_input and exits 1', async (t) => {
  const db = await testDatabase(t);
  const { id } = await startedFlow(db);
  const run = await flowstage(['priority', id, '40000'], envOf(db));
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: invalid_input: /);
});
