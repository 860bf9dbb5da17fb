// ff_start_flow: nothing of a flow runs before it; it enqueues the members already eligible,
// finishes a flow whose members are all terminal already, is idempotent, refuses a terminal flow
// and a quorum that can never be met.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { drain, edge, jobs, member, members, operations, policy, startFlow } from '../helpers/cascade.js';
import { complete, createFlow, eventCount, flowRow, uuidOf } from '../helpers/fixtures.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

test('started: every eligible member with a task_identifier is enqueued, blocked ones are not', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const root1 = await member(flow, { task: 'extract', priority: 5 });
  const root2 = await member(flow, { task: 'extract' });
  await member(flow); // no task_identifier: run by someone else
  const child = await member(flow, { task: 'load' });
  await edge(flow, root1, child);
  const started = await startFlow(flow);
  t.like(started, { status: 'started', enqueued_count: 2 });
  const queued = await jobs(flow.db);
  t.deepEqual(queued.map((j) => j.key).sort(), [`flowstage:run:${uuidOf(root1)}`, `flowstage:run:${uuidOf(root2)}`].sort());
  t.true(queued.every((j) => j.task_identifier === 'extract'));
  t.is(queued.find((j) => j.key === `flowstage:run:${uuidOf(root1)}`)!.priority, -5);
  t.deepEqual(queued.find((j) => j.key === `flowstage:run:${uuidOf(root2)}`)!.payload, {
    flow_id: flow.flowId,
    execution_id: root2,
  });
});

test('started: records started_at_ms, leaves public_flow_state and graph_revision, logs start_flow', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await member(flow, { task: 'x' });
  const before = await flowRow(flow.db, flow.flowId);
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid, p_now_ms => $2::bigint)', [
    flow.flowId,
    1_800_000_000_000,
  ]);
  t.is(Number(rows[0].started_at_ms), 1_800_000_000_000);
  const after = await flowRow(flow.db, flow.flowId);
  t.is(after.raw_fields.started_at_ms, 1_800_000_000_000);
  t.is(after.public_flow_state, 'open');
  t.is(after.graph_revision, before.graph_revision);
  t.is((await operations(flow)).at(-1), 'start_flow');
});

test('already_started: a second start changes nothing, enqueues nothing and logs nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await member(flow, { task: 'x' });
  const first = await startFlow(flow);
  const state = {
    jobs: await jobs(flow.db),
    events: await eventCount(flow.db, flow.flowId),
    flow: await flowRow(flow.db, flow.flowId),
  };
  const second = await startFlow(flow);
  t.like(second, { status: 'already_started', started_at_ms: first.started_at_ms, enqueued_count: 0 });
  t.deepEqual(await jobs(flow.db), state.jobs);
  t.is(await eventCount(flow.db, flow.flowId), state.events);
  t.deepEqual(await flowRow(flow.db, flow.flowId), state.flow);
});

test('nothing runs before the start: a member made eligible earlier is enqueued by the start', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const up = await member(flow);
  const child = await member(flow, { task: 'load' });
  const edgeId = await edge(flow, up, child);
  await complete(flow.db, up, 'success'); // releases the child, but the flow is not started
  t.not(edgeId, '');
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.task_identifier === 'load'),
    [],
  );
  t.like(await startFlow(flow), { status: 'started', enqueued_count: 1 });
  t.is((await jobs(flow.db)).filter((j) => j.task_identifier === 'load').length, 1);
});

test('p_max_attempts is recorded as the max_retries shorthand; every run job is a single Graphile Worker attempt', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const up = await member(flow, { task: 'x' });
  const child = await member(flow, { task: 'y' });
  await edge(flow, up, child);
  await startFlow(flow, { maxAttempts: 3 });
  t.is((await flowRow(flow.db, flow.flowId)).raw_fields.max_attempts, 3);
  await complete(flow.db, up, 'success');
  const run = await jobs(flow.db);
  t.deepEqual(
    run.map((j) => j.max_attempts),
    [1, 1],
  );
  // The shorthand: two retries where no policy sets max_retries (docs/semantics.md §9.1).
  await flow.db.query('SELECT * FROM flowfabric.ff_begin_attempt($1)', [child]);
  const {
    rows: [failed],
  } = await flow.db.query('SELECT * FROM flowfabric.ff_fail_execution($1, $2)', [child, 'boom']);
  t.like(failed, { status: 'retry_scheduled', retry_count: 1 });
});

test('a terminal flow is refused with flow_already_terminal', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await member(flow, { task: 'x' });
  await flow.db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1::uuid, p_reason => 'test')`, [flow.flowId]);
  const before = await eventCount(flow.db, flow.flowId);
  t.like(await t.throwsAsync(startFlow(flow)), { code: 'FF002', message: 'flow_already_terminal' });
  t.is(await eventCount(flow.db, flow.flowId), before);
  t.false('started_at_ms' in (await flowRow(flow.db, flow.flowId)).raw_fields);
});

test('a quorum whose k exceeds its applied edges is refused naming the group, and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const ups = await members(flow, 2, { task: 'x' });
  const child = await member(flow, { task: 'y' });
  await policy(flow, child, 'quorum', { k: 3 });
  for (const up of ups) await edge(flow, up, child);
  const before = await eventCount(flow.db, flow.flowId);
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(startFlow(flow));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.true(error!.detail.includes(`downstream_execution_id=${child}`));
  t.regex(error!.detail, /^p_flow_id: quorum group .* k=3 .* 2 edges/);
  t.deepEqual(await jobs(flow.db), []);
  t.is(await eventCount(flow.db, flow.flowId), before);
  t.false('started_at_ms' in (await flowRow(flow.db, flow.flowId)).raw_fields);
});

test('a quorum whose k equals its applied edges starts', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const ups = await members(flow, 2, { task: 'x' });
  const child = await member(flow, { task: 'y' });
  await policy(flow, child, 'quorum', { k: 2 });
  for (const up of ups) await edge(flow, up, child);
  t.like(await startFlow(flow), { status: 'started', enqueued_count: 2 });
});

test('an unknown flow is flow_not_found; a NULL flow id or a bad p_max_attempts is invalid_input', async (t) => {
  const db = await testDatabase(t);
  t.like(await t.throwsAsync(db.query('SELECT * FROM flowfabric.ff_start_flow($1::uuid)', [randomUUID()])), {
    code: 'FF001',
    message: 'flow_not_found',
  });
  const nullId = await t.throwsAsync<Error & { code: string; detail: string }>(
    db.query('SELECT * FROM flowfabric.ff_start_flow(NULL)'),
  );
  t.like(nullId, { code: 'FF012', message: 'invalid_input' });
  t.regex(nullId!.detail, /^p_flow_id: /);
  const flow = await createFlow(db);
  const badAttempts = await t.throwsAsync<Error & { code: string; detail: string }>(startFlow(flow, { maxAttempts: 0 }));
  t.regex(badAttempts!.detail, /^p_max_attempts: /);
});

test('a start racing with completions enqueues every member they release, exactly once', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  const flow = await createFlow(db);
  const pairs: [string, string][] = [];
  for (let i = 0; i < 40; i++) {
    const up = await member(flow);
    const child = await member(flow, { task: 'child' });
    await edge(flow, up, child);
    pairs.push([up, child]);
  }
  // 8 connections complete the upstreams (each releases its child in the completing
  // transaction) while the flow is started in the middle of it
  const releases = Array.from({ length: 8 }, async (_, c) => {
    for (let i = c; i < pairs.length; i += 8) await complete(db, pairs[i]![0], 'success');
  });
  const start = (async () => {
    await new Promise((r) => setTimeout(r, 5));
    return startFlow(flow);
  })();
  await Promise.all([...releases, start]);
  const runKeys = (await jobs(db))
    .filter((j) => j.task_identifier === 'child')
    .map((j) => j.key)
    .sort();
  t.deepEqual(runKeys, pairs.map(([, child]) => `flowstage:run:${uuidOf(child)}`).sort());
});

test('the flow finishes only once started: members that all finished before the start finish it at the start', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!);
  await complete(db, a!, 'success');
  await complete(db, b!, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
  await startFlow(flow);
  t.like(await flowRow(flow.db, flow.flowId), { public_flow_state: 'completed' });
  t.deepEqual((await operations(flow)).slice(-2), ['start_flow', 'complete_flow']);
});

test('members completed before they were added finish the flow at its start', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid)', [flow.flowId]);
  const done = rows[0].execution_id as string;
  await complete(db, done, 'failed');
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)', [
    flow.flowId,
    done,
  ]);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
  await startFlow(flow);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('a flow without members stays open at its start: there is nothing to finish yet', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await startFlow(flow);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
});

test('a start racing with the last completions never leaves a finished flow open', async (t) => {
  const db = await testDatabase(t, { max: 12 });
  for (let round = 0; round < 5; round++) {
    const flow = await createFlow(db);
    const ids = await members(flow, 10);
    const done = Promise.all(ids.map((id) => complete(db, id, 'success')));
    const started = startFlow(flow);
    await Promise.all([done, started]);
    await drain(connectionStringOf(db)); // a check deferred because the flow row was busy
    t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed', `round ${round}`);
  }
});
