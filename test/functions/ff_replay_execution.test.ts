// docs/semantics.md §9.4: ff_replay_execution turns a terminal execution runnable again, alone or
// with everything downstream; a finished flow reopens.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { edge, execution, group, jobs, member, startFlow } from '../helpers/cascade.js';
import { NOW, complete, createFlow, flowRow, type Flow as TestFlow, assertRefusedWritesNothing } from '../helpers/fixtures.js';

const REPLAY = 'SELECT * FROM flowfabric.ff_replay_execution(p_execution_id => $1, p_downstream => $2, p_now_ms => $3)';

async function violations(flow: TestFlow) {
  return (await flow.db.query('SELECT * FROM flowfabric.ff_check_invariants(p_flow_id => $1)', [flow.flowId])).rows;
}

async function replay(flow: TestFlow, id: string, downstream = false) {
  return (await flow.db.query(REPLAY, [id, downstream, NOW])).rows;
}

/** Runs the deferred cascade hops (skips) until none is left, as the worker would. */
async function drainCascades(flow: TestFlow) {
  for (;;) {
    const { rows } = await flow.db.query(
      `SELECT substring(key FROM '[0-9a-f-]{36}$') AS id FROM graphile_worker.jobs WHERE key LIKE 'flowstage:cascade:%' ORDER BY id LIMIT 1`,
    );
    if (!rows[0]) return;
    await flow.db.query('SELECT * FROM flowfabric.ff_cascade_step(p_execution_id => $1)', [rows[0].id]);
    await flow.db.query(`SELECT graphile_worker.remove_job('flowstage:cascade:' || $1)`, [rows[0].id]);
  }
}

/** A 3-layer chain a -> b -> c plus a sibling s -> c, started: a and s succeeded, b failed, c skipped, the flow failed. */
async function failedChain(flow: TestFlow) {
  const a = await member(flow, { task: 'work' });
  const b = await member(flow, { task: 'work' });
  const c = await member(flow, { task: 'work' });
  const s = await member(flow, { task: 'work' });
  await edge(flow, a, b, { ref: 'a' });
  await edge(flow, b, c, { ref: 'b' });
  await edge(flow, s, c);
  await startFlow(flow);
  await complete(flow.db, a, 'success', { result: 1 });
  await complete(flow.db, s, 'success', { result: 2 });
  await complete(flow.db, b, 'failed');
  await drainCascades(flow);
  return { a, b, c, s };
}

test('a failed member alone: runnable again, replay_count 1, pending_replay_attempt, result kept, enqueued; the flow reopens', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const x = await member(flow, { task: 'work' });
  await startFlow(flow);
  await complete(flow.db, x, 'failed', { result: { error: 'boom' } });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
  t.deepEqual(await replay(flow, x), [
    { status: 'replayed', execution_id: x, replay_count: 1, eligibility_state: 'eligible_now' },
  ]);
  t.like(await execution(flow.db, x), {
    lifecycle_phase: 'runnable',
    public_state: 'waiting',
    attempt_state: 'pending_replay_attempt',
    terminal_outcome: 'none',
    replay_count: 1,
    result: { error: 'boom' },
  });
  t.like(await flowRow(flow.db, flow.flowId), { public_flow_state: 'open', terminal_at_ms: null });
  t.is((await flowRow(flow.db, flow.flowId)).raw_fields.replayed_at_ms, NOW);
  t.deepEqual((await jobs(flow.db)).filter((j) => j.task_identifier === 'work').length, 1);
  // the new attempt is a replay; its completion finishes the flow again
  t.like((await flow.db.query('SELECT * FROM flowfabric.ff_begin_attempt($1)', [x])).rows[0], { attempt_type: 'replay' });
  await complete(flow.db, x, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('one replay_execution log row lists every execution the call reset', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { b, c } = await failedChain(flow);
  await replay(flow, b, true);
  const { rows } = await flow.db.query(
    `SELECT arguments FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation = 'replay_execution'`,
    [flow.flowId],
  );
  t.deepEqual(
    rows.map((r) => r.arguments),
    [{ execution_id: b, downstream: true, executions: [b, c] }],
  );
});

test('p_downstream in a finished 3-layer flow: exactly the node and its descendants rerun, and the flow ends completed', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { a, b, c, s } = await failedChain(flow);
  t.is((await execution(flow.db, c)).terminal_outcome, 'skipped');
  const rows = await replay(flow, b, true);
  t.deepEqual(
    rows.map((r) => [r.execution_id, r.eligibility_state]),
    [
      [b, 'eligible_now'],
      [c, 'blocked_by_dependencies'],
    ],
  );
  t.deepEqual(await violations(flow), []);
  t.is((await execution(flow.db, a)).terminal_outcome, 'success');
  t.is((await execution(flow.db, s)).terminal_outcome, 'success');
  // c's group: s's edge still satisfied, b's edge back to applied, decision pending again
  t.like(await group(flow, c), { success_count: 1, running_count: 1, fail_count: 0, skip_count: 0 });
  t.is(
    (
      await flow.db.query('SELECT decision FROM flowfabric.ff_edge_group WHERE flow_id = $1 AND downstream_eid = $2', [
        flow.flowId,
        c.slice(-36),
      ])
    ).rows[0].decision,
    'pending',
  );
  await flow.db.query('SELECT * FROM flowfabric.ff_begin_attempt($1)', [b]);
  await complete(flow.db, b, 'success', { result: 'fresh' });
  const {
    rows: [begun],
  } = await flow.db.query('SELECT * FROM flowfabric.ff_begin_attempt($1)', [c]);
  t.like(begun, { status: 'started', payload: { b: 'fresh' } });
  await complete(flow.db, c, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual(await violations(flow), []);
});

test("replaying an upstream alone leaves a finished child's edge and group as they were", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { a, b } = await failedChain(flow);
  const before = await group(flow, b);
  await flow.db.query(REPLAY, [a, false, null]); // the server clock, as the completions above
  t.deepEqual(await group(flow, b), before);
  t.deepEqual(await violations(flow), []);
  await flow.db.query('SELECT * FROM flowfabric.ff_begin_attempt($1)', [a]);
  await complete(flow.db, a, 'success', { result: 7 });
  t.deepEqual(await group(flow, b), before);
  t.is((await execution(flow.db, b)).terminal_outcome, 'failed');
  t.deepEqual(await violations(flow), []);
});

test("a skipped member replayed alone: its impossible edges are resolved again from the upstreams' outcomes", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { c } = await failedChain(flow);
  // b is still failed: c is skipped again at once, its group impossible again
  const rows = await replay(flow, c);
  t.is(rows.length, 1);
  t.like(await execution(flow.db, c), { terminal_outcome: 'skipped', replay_count: 1 });
});

test('a replayed upstream that is not yet terminal holds its replayed downstream back', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { b, c } = await failedChain(flow);
  await replay(flow, b, true);
  t.like(await execution(flow.db, c), { lifecycle_phase: 'runnable', eligibility_state: 'blocked_by_dependencies' });
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.key === `flowstage:run:${c.slice(-36)}`),
    [],
  );
});

test('a solo execution is enqueued at once when it has a task', async (t) => {
  const db = await testDatabase(t);
  const {
    rows: [created],
  } = await db.query(`SELECT * FROM flowfabric.ff_create_execution(p_task_identifier => 'work')`);
  const id = created.execution_id as string;
  await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'failed')`, [id]);
  const { rows } = await db.query(REPLAY, [id, false, NOW]);
  t.like(rows[0], { status: 'replayed', eligibility_state: 'eligible_now' });
  t.is((await jobs(db)).filter((j) => j.key === `flowstage:run:${id.slice(-36)}`).length, 1);
});

test('not terminal: execution_not_terminal (FF015) with the execution in DETAIL, nothing written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const x = await member(flow, { task: 'work' });
  const error = await assertRefusedWritesNothing(t, flow.db, () => replay(flow, x), 'execution_not_terminal');
  t.true(error.detail!.includes(x));
});

test('replay_count >= max_replays: max_replays_exhausted (FF016), nothing written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const x = await member(flow, { task: 'work', policy: { max_replays: 1 } });
  await complete(flow.db, x, 'failed');
  await replay(flow, x);
  await complete(flow.db, x, 'failed');
  const error = await assertRefusedWritesNothing(t, flow.db, () => replay(flow, x), 'max_replays_exhausted');
  t.true(error.detail!.includes(x));
});

test('a member of a cancelled flow: flow_already_terminal', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const x = await member(flow, { task: 'work' });
  await flow.db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'stop')`, [flow.flowId]);
  await assertRefusedWritesNothing(t, flow.db, () => replay(flow, x), 'flow_already_terminal');
});

test('ff_describe_flow_at still rebuilds every revision after a replay (a replay is not a graph change)', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { b } = await failedChain(flow);
  const revision = Number((await flowRow(flow.db, flow.flowId)).graph_revision);
  const at = async () =>
    Promise.all(
      Array.from(
        { length: revision + 1 },
        async (_, r) => (await flow.db.query('SELECT * FROM flowfabric.ff_describe_flow_at($1, $2)', [flow.flowId, r])).rows,
      ),
    );
  const before = await at();
  await replay(flow, b, true);
  t.is(Number((await flowRow(flow.db, flow.flowId)).graph_revision), revision);
  t.deepEqual(await at(), before);
});
