// The completion cascade (docs/semantics.md §6): a completion resolves its outgoing edges in its own
// transaction; what it defers (the hop of a skipped child, a sibling cancellation, a busy flow
// check) runs as Graphile Worker jobs, drained here deterministically, one at a time, with
// graphile-worker's runOnce and flowstage's task list.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import { connectionStringOf } from '../helpers/database.js';
import {
  apply,
  drain,
  edge,
  edgePolicy,
  execution,
  group,
  jobs,
  loggedResolutions,
  member,
  members,
  operations,
  policy,
  resolve,
  stage,
  startFlow,
  waitFor,
} from '../helpers/cascade.js';
import { complete, createFlow, flowRow, uuidOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

test('completing a member resolves its edges before it returns: no outbox row, no cascade job; a replay changes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b] = await members(flow, 2);
  const e = await edge(flow, a!, b!);
  t.is((await complete(flow.db, a!, 'success')).status, 'completed');
  // observable right after ff_complete_execution returns, before any worker runs
  t.like(await edgePolicy(flow, e), { edge_state: 'satisfied', upstream_outcome: 'success' });
  t.like(await execution(flow.db, b!), { eligibility_state: 'eligible_now', public_state: 'waiting' });
  t.is((await complete(flow.db, a!, 'failed')).status, 'already_terminal');
  const { rows: outbox } = await flow.db.query('SELECT * FROM flowfabric.ff_completion_outbox');
  t.deepEqual(outbox, []);
  t.deepEqual(await jobs(flow.db), []);
});

test('a refused completion enqueues nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  await t.throwsAsync(complete(flow.db, a, 'done'), { code: 'FF012' } as never);
  t.deepEqual(await jobs(flow.db), []);
});

test("a completion resolves every outgoing edge in its own transaction and enqueues the started flow's children", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'root' });
  const children = await members(flow, 3, { task: 'leaf' });
  const edges = [];
  for (const c of children) edges.push(await edge(flow, a, c));
  await startFlow(flow);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt($1::text)', [a]);
  await db.query(`SELECT graphile_worker.remove_job('flowstage:run:' || $1)`, [uuidOf(a)]);
  await complete(db, a, 'success');
  for (const e of edges) t.is((await edgePolicy(flow, e)).edge_state, 'satisfied');
  for (const c of children) t.is((await execution(db, c)).eligibility_state, 'eligible_now');
  t.deepEqual((await jobs(db)).map((j) => j.key).sort(), children.map((c) => `flowstage:run:${uuidOf(c)}`).sort());
});

test('several children released by one completion are enqueued with one graphile_worker.add_jobs call', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow);
  const children = await members(flow, 5, { task: 'leaf' });
  for (const c of children) await edge(flow, a, c);
  await startFlow(flow);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL track_functions = 'all'");
    await complete(client, a, 'success');
    const { rows } = await client.query(
      `SELECT funcname, calls::int FROM pg_stat_xact_user_functions
       WHERE schemaname = 'graphile_worker' AND funcname IN ('add_job', 'add_jobs') ORDER BY funcname`,
    );
    t.deepEqual(rows, [{ funcname: 'add_jobs', calls: 1 }]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'leaf').length, 5);
});

test("a skip chain advances one hop per job: the completion skips the child, each skipped child's job the next", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c, d] = await members(flow, 4);
  const edges = [await edge(flow, a!, b!), await edge(flow, b!, c!), await edge(flow, c!, d!)];
  await startFlow(flow);
  await complete(db, a!, 'failed');
  const phases = async () => Promise.all([b, c, d].map(async (x) => (await execution(db, x!)).terminal_outcome));
  t.deepEqual(await phases(), ['skipped', 'none', 'none']);
  t.deepEqual(
    (await jobs(db)).map((j) => [j.task_identifier, j.key]),
    [['flowstage__cascade', `flowstage:cascade:${uuidOf(b!)}`]],
  );
  const step = async (x: string) => (await db.query('SELECT * FROM flowfabric.ff_cascade_step($1::text)', [x])).rows[0];
  t.like(await step(b!), { status: 'done', edges_resolved: 1, public_flow_state: 'open' });
  t.deepEqual(await phases(), ['skipped', 'skipped', 'none']);
  t.like(await step(c!), { status: 'done', edges_resolved: 1, public_flow_state: 'open' });
  t.deepEqual(await phases(), ['skipped', 'skipped', 'skipped']);
  t.like(await step(d!), { status: 'done', edges_resolved: 0, public_flow_state: 'failed' });
  t.like(await step(b!), { status: 'done', edges_resolved: 0 }); // a replayed hop finds nothing left
  t.deepEqual(await Promise.all(edges.map(async (e) => (await edgePolicy(flow, e)).upstream_outcome)), [
    'failed',
    'skipped',
    'skipped',
  ]);
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM flowfabric.ff_completion_outbox WHERE cascaded_at_ms IS NOT NULL',
  );
  t.is(rows[0].n, 3);
});

test('a skip propagates three levels deep through the worker and the flow fails', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c, d] = await members(flow, 4);
  const edges = [await edge(flow, a!, b!), await edge(flow, b!, c!), await edge(flow, c!, d!)];
  await startFlow(flow);
  await complete(db, a!, 'failed');
  await drain(connectionStringOf(db));
  for (const x of [b, c, d]) t.like(await execution(db, x!), { terminal_outcome: 'skipped', public_state: 'skipped' });
  t.deepEqual(await Promise.all(edges.map(async (e) => (await edgePolicy(flow, e)).upstream_outcome)), [
    'failed',
    'skipped',
    'skipped',
  ]);
  t.like(await group(flow, d!), { skip_count: 1, decision: 'impossible' });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('when every member succeeded the flow becomes completed, once', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, c!);
  await edge(flow, b!, c!);
  await startFlow(flow);
  await complete(db, a!, 'success');
  await complete(db, b!, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
  await complete(db, c!, 'success', { result: { done: true } });
  // the last completion finishes the flow in its own transaction
  const finished = await flowRow(flow.db, flow.flowId);
  t.is(finished.public_flow_state, 'completed');
  t.not(finished.terminal_at_ms, null);
  t.is((await operations(flow)).filter((o) => o === 'complete_flow').length, 1);
  t.deepEqual(await jobs(db), []);
});

test('a failed member makes the flow failed even when its dependents do not need it', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, c] = await members(flow, 3);
  await policy(flow, c!, 'any_of', { onSatisfied: 'let_run' });
  await edge(flow, a!, c!);
  await edge(flow, b!, c!);
  await startFlow(flow);
  await complete(db, a!, 'failed');
  await complete(db, b!, 'success');
  t.is((await execution(db, c!)).eligibility_state, 'eligible_now');
  await complete(db, c!, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('adding an already terminal member to a started flow whose other members are terminal finishes it', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await startFlow(flow); // a started flow without members stays open: nothing to finish yet
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid)', [flow.flowId]);
  await complete(db, rows[0].execution_id, 'success');
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)', [
    flow.flowId,
    rows[0].execution_id,
  ]);
  t.like(await flowRow(flow.db, flow.flowId), { public_flow_state: 'completed' });
  t.is((await operations(flow)).at(-1), 'complete_flow');
});

test('a terminal member added to a started flow with a running member is counted when that member completes', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const running = await member(flow);
  await startFlow(flow);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid)', [flow.flowId]);
  await complete(db, rows[0].execution_id, 'expired');
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)', [
    flow.flowId,
    rows[0].execution_id,
  ]);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
  await complete(db, running, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('a last completion that finds the flow row busy leaves the flow check to a job, which finishes the flow', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b] = await members(flow, 2);
  await startFlow(flow);
  await complete(db, a!, 'success');
  // Another transaction holds the flow row (as a stage or apply would): the completion must not wait for it.
  const holder = await db.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1::uuid FOR SHARE', [flow.flowId]);
    t.is((await complete(db, b!, 'success')).status, 'completed');
    t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'open');
    t.deepEqual(
      (await jobs(db)).map((j) => [j.task_identifier, j.key]),
      [['flowstage__cascade', `flowstage:cascade:${uuidOf(b!)}`]],
    );
    await holder.query('COMMIT');
  } finally {
    holder.release();
  }
  await drain(connectionStringOf(db));
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  const { rows } = await db.query('SELECT cascaded_at_ms FROM flowfabric.ff_completion_outbox WHERE execution_id = $1::uuid', [
    uuidOf(b!),
  ]);
  t.not(rows[0].cascaded_at_ms, null);
});

test('a late edge whose upstream already succeeded is resolved at apply and its child enqueued', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const up = await member(flow);
  const child = await member(flow, { task: 'load' });
  const other = await member(flow, { task: 'other' }); // keeps the flow open
  t.truthy(other);
  await complete(db, up, 'success', { result: { rows: 7 } });
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

test("cancel_remaining: the siblings' queued jobs are removed and they complete as cancelled", async (t) => {
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
  await complete(db, ups[0]!, 'success', { result: 'winner' });
  await db.query(`SELECT graphile_worker.remove_job('flowstage:run:' || $1)`, [uuidOf(ups[0]!)]);
  await drain(connectionStringOf(db));
  for (const sibling of ups.slice(1)) {
    t.like(await execution(db, sibling), {
      terminal_outcome: 'cancelled',
      public_state: 'cancelled',
      result: { cancelled_by: 'cancel_remaining', downstream_execution_id: child },
    });
  }
  const queued = await jobs(db);
  t.deepEqual(
    queued.map((j) => j.task_identifier),
    ['merge'],
  );
  t.like(await group(flow, child), {
    decision: 'satisfied',
    cancel_siblings_pending_flag: false,
    cancel_siblings_pending_members: [],
    success_count: 1,
    fail_count: 2,
    running_count: 0,
  });
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
  await resolve(flow, edges[0]!, 'success'); // satisfied: ups[1] recorded as a sibling to cancel
  await complete(db, ups[1]!, 'success'); // ... but it finishes first
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [flow.flowId, child]);
  t.like(rows[0], { status: 'already_terminal', execution_id: ups[1], remaining: 0 });
  t.is((await execution(db, ups[1]!)).terminal_outcome, 'success');
});

test('a plan submitted to a started flow enqueues its new members that nothing blocks, and not the blocked ones', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow, { task: 'x' });
  await startFlow(flow);
  const [root, child] = [randomUUID(), randomUUID()];
  await flow.db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
    flow.flowId,
    {
      executions: [
        { execution_id: root, task_identifier: 'y' },
        { execution_id: child, task_identifier: 'z' },
      ],
      edges: [{ edge_id: randomUUID(), upstream_execution_id: a, downstream_execution_id: child }],
    },
  ]);
  t.deepEqual(
    (await jobs(flow.db)).map((j) => j.task_identifier),
    ['x', 'y'],
  );
});

test('a plan submitted to a flow not yet started enqueues nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  await flow.db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
    flow.flowId,
    {
      executions: [{ execution_id: randomUUID(), task_identifier: 'y' }],
    },
  ]);
  t.deepEqual(await jobs(flow.db), []);
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

test('fan-in race: 50 upstreams completing from 10 connections release their all_of child exactly once', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  const flow = await createFlow(db);
  const ups = await members(flow, 50);
  const child = await member(flow, { task: 'reduce' });
  for (const up of ups) await edge(flow, up, child);
  await startFlow(flow);
  // 10 connections, each completing its share (which resolves the edge in the same transaction), all at once
  const clients = await Promise.all(
    Array.from({ length: 10 }, () => new pg.Client({ connectionString: connectionStringOf(db) })),
  );
  await Promise.all(clients.map((c) => c.connect()));
  t.teardown(() => Promise.all(clients.map((c) => c.end())));
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = i; n < 50; n += 10) t.is((await complete(client, ups[n]!, 'success', { result: { n } })).status, 'completed');
    }),
  );
  const decisions = (await loggedResolutions(db, flow.flowId)).map((r) => r.decision);
  t.is(decisions.filter((d) => d === 'pending').length, 49);
  t.deepEqual(
    decisions.filter((d) => d !== 'pending'),
    ['satisfied'],
  );
  t.like(await group(flow, child), { success_count: 50, fail_count: 0, skip_count: 0, running_count: 0, decision: 'satisfied' });
  t.is((await execution(db, child)).eligibility_state, 'eligible_now');
  t.is((await jobs(db)).filter((j) => j.task_identifier === 'reduce').length, 1);
});

test('fan-in race through the worker: 50 parents run at concurrency 10, their child runs once and sees every result', async (t) => {
  const db = await testDatabase(t, { max: 10 });
  const flow = await createFlow(db);
  const ups: string[] = [];
  for (let i = 0; i < 50; i++) ups.push(await member(flow, { task: 'part', payload: { i } }));
  const child = await member(flow, { task: 'reduce' });
  for (const [i, up] of ups.entries()) await edge(flow, up, child, { ref: `p${i}` });
  const seen: unknown[] = [];
  const { run } = await import('../../src/worker/index.js');
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 10,
    noHandleSignals: true,
    logFactory: () => () => {},
    pollInterval: 200,
    taskList: {
      part: (payload) => (payload as { i: number }).i,
      reduce: (payload) => {
        seen.push(payload);
        return Object.keys(payload as object).length;
      },
    },
  });
  t.teardown(() => worker.stop());
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 30_000);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.is(seen.length, 1);
  t.deepEqual(seen[0], Object.fromEntries(ups.map((_, i) => [`p${i}`, i])));
  t.like(await group(flow, child), { success_count: 50, running_count: 0, decision: 'satisfied' });
  // one job per execution that ran: no cascade job, so no outbox row
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_completion_outbox');
  t.is(rows[0].n, 0);
});
