// The completion cascade on Graphile Worker, driven deterministically: jobs are drained one at
// a time with graphile-worker's runOnce and flowstage's task list.
import test from 'ava';
import pg from 'pg';
import { connectionStringOf } from '../helpers/database.js';
import {
  apply, complete, createFlow, drain, edge, edgePolicy, execution, flowRow, group, jobs, member, members, operations,
  policy, resolve, stage, startFlow, uuidOf,
} from '../helpers/cascade.js';
import { testDatabase } from '../helpers/database.js';

test('completing a member writes one outbox row and enqueues one cascade job keyed by it; a replay enqueues nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!);
  t.is((await complete(flow.db, a!, 'success')).status, 'completed');
  t.is((await complete(flow.db, a!, 'failed')).status, 'already_terminal');
  const { rows: outbox } = await flow.db.query('SELECT * FROM flowfabric.ff_completion_outbox');
  t.is(outbox.length, 1);
  t.like(outbox[0], { outcome: 'success', job_key: `flowstage:cascade:${uuidOf(a!)}`, cascaded_at_ms: null });
  const queued = await jobs(flow.db);
  t.deepEqual(queued.map((j) => [j.task_identifier, j.key]), [['flowstage__cascade', `flowstage:cascade:${uuidOf(a!)}`]]);
  t.deepEqual(queued[0]!.payload, { flow_id: flow.flowId, execution_id: a });
});

test('a refused completion enqueues nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  await t.throwsAsync(complete(flow.db, a, 'done'), { code: 'FF012' } as never);
  t.deepEqual(await jobs(flow.db), []);
});

test('the cascade job resolves every outgoing edge and stamps the outbox row', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow);
  const children = await members(flow, 3);
  const edges = [];
  for (const c of children) edges.push(await edge(flow, a, c));
  await complete(db, a, 'success');
  await drain(connectionStringOf(db));
  for (const e of edges) t.is((await edgePolicy(flow, e)).edge_state, 'satisfied');
  for (const c of children) t.is((await execution(db, c)).eligibility_state, 'eligible_now');
  const { rows } = await db.query('SELECT cascaded_at_ms FROM flowfabric.ff_completion_outbox WHERE execution_id = $1::uuid', [uuidOf(a)]);
  t.not(rows[0].cascaded_at_ms, null);
  t.deepEqual(await jobs(db), []);
});

test('a skip propagates three levels deep and the flow fails', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c, d] = await members(flow, 4);
  const edges = [await edge(flow, a!, b!), await edge(flow, b!, c!), await edge(flow, c!, d!)];
  await complete(db, a!, 'failed');
  await drain(connectionStringOf(db));
  for (const x of [b, c, d]) t.like(await execution(db, x!), { terminal_outcome: 'skipped', public_state: 'skipped' });
  t.deepEqual(await Promise.all(edges.map(async (e) => (await edgePolicy(flow, e)).upstream_outcome)), ['failed', 'skipped', 'skipped']);
  t.like(await group(flow, d!), { skip_count: 1, decision: 'impossible' });
  t.is((await flowRow(flow)).public_flow_state, 'failed');
});

test('when every member succeeded the flow becomes completed, once', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, c!);
  await edge(flow, b!, c!);
  await complete(db, a!, 'success');
  await complete(db, b!, 'success');
  await drain(connectionStringOf(db));
  t.is((await flowRow(flow)).public_flow_state, 'open');
  await complete(db, c!, 'success', { done: true }, );
  await drain(connectionStringOf(db));
  const finished = await flowRow(flow);
  t.is(finished.public_flow_state, 'completed');
  t.not(finished.terminal_at_ms, null);
  t.is((await operations(flow)).filter((o) => o === 'complete_flow').length, 1);
});

test('a failed member makes the flow failed even when its dependents do not need it', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c] = await members(flow, 3);
  await policy(flow, c!, 'any_of', { onSatisfied: 'let_run' });
  await edge(flow, a!, c!);
  await edge(flow, b!, c!);
  await complete(db, a!, 'failed');
  await complete(db, b!, 'success');
  await drain(connectionStringOf(db));
  t.is((await execution(db, c!)).eligibility_state, 'eligible_now');
  await complete(db, c!, 'success');
  await drain(connectionStringOf(db));
  t.is((await flowRow(flow)).public_flow_state, 'failed');
});

test('a late edge whose upstream already succeeded is resolved at apply and its child enqueued', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const up = await member(flow);
  const child = await member(flow, { task: 'load' });
  const other = await member(flow, { task: 'other' });  // keeps the flow open
  t.truthy(other);
  await complete(db, up, 'success', { rows: 7 });
  await drain(connectionStringOf(db));
  const edgeId = await stage(flow, up, child, { ref: 'input' });
  await startFlow(flow);
  // the child was eligible at start (no edges yet): take its job away to see the apply enqueue it
  await db.query(`SELECT graphile_worker.remove_job('flowstage:run:' || $1)`, [uuidOf(child)]);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt($1::text)', [other]);
  const applied = await apply(flow, edgeId);
  t.like(applied, { status: 'applied', unsatisfied_count: 0 });
  t.like(await edgePolicy(flow, edgeId), { edge_state: 'satisfied', upstream_outcome: 'success' });
  t.like(await execution(db, child), { eligibility_state: 'eligible_now', payload: { input: { rows: 7 } } });
  t.is((await jobs(db)).filter((j) => j.key === `flowstage:run:${uuidOf(child)}`).length, 1);
});

test('a late edge whose upstream failed skips its child at apply, and the skip cascades', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [up, child, grandchild, keepOpen] = await members(flow, 4);
  t.truthy(keepOpen);
  await edge(flow, child!, grandchild!);
  await complete(db, up!, 'failed');
  await drain(connectionStringOf(db));
  const edgeId = await stage(flow, up!, child!);
  await apply(flow, edgeId);
  t.is((await execution(db, child!)).terminal_outcome, 'skipped');
  await drain(connectionStringOf(db));
  t.is((await execution(db, grandchild!)).terminal_outcome, 'skipped');
});

test('cancel_remaining: the siblings\' queued jobs are removed and they complete as cancelled', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const ups = await members(flow, 3, { task: 'fetch' });
  const child = await member(flow, { task: 'merge' });
  await policy(flow, child, 'any_of', { onSatisfied: 'cancel_remaining' });
  for (const up of ups) await edge(flow, up, child);
  await startFlow(flow);
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'fetch').length, 3);
  // the first fetch wins (run here by hand; no worker has a 'fetch' task)
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt($1::text)', [ups[0]]);
  await complete(db, ups[0]!, 'success', 'winner');
  await db.query(`SELECT graphile_worker.remove_job('flowstage:run:' || $1)`, [uuidOf(ups[0]!)]);
  await drain(connectionStringOf(db));
  for (const sibling of ups.slice(1)) {
    t.like(await execution(db, sibling), { terminal_outcome: 'cancelled', public_state: 'cancelled',
      result: { cancelled_by: 'cancel_remaining', downstream_execution_id: child } });
  }
  const queued = await jobs(db);
  t.deepEqual(queued.map((j) => j.task_identifier), ['merge']);
  t.like(await group(flow, child), { decision: 'satisfied', cancel_siblings_pending_flag: false,
    cancel_siblings_pending_members: [], success_count: 1, fail_count: 2, running_count: 0 });
});

test('a sibling that finished before its cancellation is left as it is', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const ups = await members(flow, 2);
  const child = await member(flow);
  await policy(flow, child, 'any_of', { onSatisfied: 'cancel_remaining' });
  const edges = [];
  for (const up of ups) edges.push(await edge(flow, up, child));
  await complete(db, ups[0]!, 'success');
  await resolve(flow, edges[0]!, 'success');  // satisfied: ups[1] recorded as a sibling to cancel
  await complete(db, ups[1]!, 'success');      // ... but it finishes first
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [flow.flowId, child]);
  t.like(rows[0], { status: 'already_terminal', execution_id: ups[1], remaining: 0 });
  t.is((await execution(db, ups[1]!)).terminal_outcome, 'success');
});

test('cancel_all cancels queued members without cascading: their run jobs go, no cascade job is queued', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b] = await members(flow, 2, { task: 'x' });
  await edge(flow, a!, b!);
  await startFlow(flow);
  t.is((await jobs(db)).length, 1);
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1::uuid, p_reason => 'stop')`, [flow.flowId]);
  t.deepEqual(await jobs(db), []);
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_completion_outbox');
  t.is(rows[0].n, 0);
});

test('ff_cascade_step refuses an execution that is not terminal', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(
    flow.db.query('SELECT * FROM flowfabric.ff_cascade_step($1::text)', [a]));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.regex(error!.detail, /^p_execution_id: /);
});

test('fan-in race: 50 upstreams completing from 10 connections release their all_of child exactly once', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  const flow = await createFlow(db);
  const ups = await members(flow, 50);
  const child = await member(flow, { task: 'reduce' });
  const edgeIds = [];
  for (const up of ups) edgeIds.push(await edge(flow, up, child));
  await startFlow(flow);
  // 10 connections, each completing and then resolving its share, all at once
  const clients = await Promise.all(Array.from({ length: 10 }, () => new pg.Client({ connectionString: connectionStringOf(db) })));
  await Promise.all(clients.map((c) => c.connect()));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  const decisions: string[] = [];
  await Promise.all(clients.map(async (client, i) => {
    for (let n = i; n < 50; n += 10) {
      await complete(client, ups[n]!, 'success', { n });
      const { rows } = await client.query('SELECT * FROM flowfabric.ff_cascade_step($1::text)', [ups[n]]);
      decisions.push(rows[0].decision);
    }
  }));
  t.is(decisions.filter((d) => d === 'satisfied').length, 1);
  t.is(decisions.filter((d) => d === 'pending').length, 49);
  t.like(await group(flow, child), { success_count: 50, fail_count: 0, skip_count: 0, running_count: 0, decision: 'satisfied' });
  t.is((await execution(db, child)).eligibility_state, 'eligible_now');
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'reduce').length, 1);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM flowfabric.ff_flow_event WHERE flow_id = $1::uuid AND operation = 'resolve_dependency'
       AND arguments->>'decision' = 'satisfied'`, [flow.flowId]);
  t.is(rows[0].n, 1);
});

test('fan-in race through the worker: 50 concurrent completions, a concurrent worker, one release', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  const flow = await createFlow(db);
  const ups = await members(flow, 50);
  const child = await member(flow, { task: 'reduce' });
  for (const up of ups) await edge(flow, up, child);
  await startFlow(flow);
  await Promise.all(ups.map((up) => complete(db, up, 'success')));
  const { run } = await import('../../src/worker/index.js');
  const worker = await run({ connectionString: connectionStringOf(db), concurrency: 10, noHandleSignals: true,
    logFactory: () => () => {} });
  t.teardown(() => worker.stop());
  for (let i = 0; i < 400; i++) {
    const g = await group(flow, child);
    if (g.running_count === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.like(await group(flow, child), { success_count: 50, running_count: 0, decision: 'satisfied' });
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'reduce').length, 1);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM flowfabric.ff_flow_event WHERE flow_id = $1::uuid AND operation = 'resolve_dependency'`,
    [flow.flowId]);
  t.is(rows[0].n, 50);
});
