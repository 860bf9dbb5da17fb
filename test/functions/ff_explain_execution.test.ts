import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, call, completeAndResolve, dependOn, setPolicy, stageEdge } from '../helpers/read.js';
import { assertRefused, createFlow, NOW } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

type Db = Awaited<ReturnType<typeof testDatabase>>;

const explain = 'SELECT * FROM flowfabric.ff_explain_execution(p_flow_id => $1, p_execution_id => $2)';

async function explainOf(db: Db, flowId: string, executionId: string) {
  return (
    await call<Record<string, unknown> & { reason: string; inbound_edges: Record<string, unknown>[] }>(db, explain, [
      flowId,
      executionId,
    ])
  )[0];
}

/** Three upstreams fanned into one child with the given policy; returns ids with edges sorted by edge_id. */
async function fanIn(db: Db, policy?: [string, string | null, number | null]) {
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const ups = [await addMember(db, flowId), await addMember(db, flowId), await addMember(db, flowId)];
  const child = await addMember(db, flowId, { taskIdentifier: 'merge' });
  if (policy) await setPolicy(db, flowId, child, ...policy);
  const edges = [];
  for (const up of ups) edges.push({ up, edge: await dependOn(db, flowId, up, child) });
  edges.sort((x, y) => (x.edge < y.edge ? -1 : 1));
  return { flowId, child, edges };
}

test('a blocked all_of child names its unresolved edges', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db);
  await completeAndResolve(db, flowId, edges[0].up, 'success', [edges[0].edge]);
  const row = await explainOf(db, flowId, child);
  t.is(row.reason, `blocked: 2 of 3 all_of dependencies unresolved (edge ${edges[1].edge}, edge ${edges[2].edge})`);
  t.like(row, {
    public_state: 'waiting_children',
    group_decision: 'pending',
    success_count: 1,
    running_count: 2,
    group_policy: { kind: 'all_of' },
  });
});

test('lists the inbound edges with their states and upstream outcomes', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db);
  await completeAndResolve(db, flowId, edges[0].up, 'success', [edges[0].edge]);
  const row = await explainOf(db, flowId, child);
  t.deepEqual(
    row.inbound_edges.map((e) => [e.edge_id, e.upstream_execution_id, e.edge_state, e.upstream_outcome, e.resolved_with]),
    [
      [edges[0].edge, edges[0].up, 'satisfied', 'success', 'success'],
      [edges[1].edge, edges[1].up, 'applied', 'none', null],
      [edges[2].edge, edges[2].up, 'applied', 'none', null],
    ],
  );
});

test('a blocked quorum child says how many successes it has and needs', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db, ['quorum', 'let_run', 2]);
  await completeAndResolve(db, flowId, edges[0].up, 'success', [edges[0].edge]);
  const row = await explainOf(db, flowId, child);
  t.is(
    row.reason,
    `blocked: quorum needs 2 successes, has 1; 2 of 3 dependencies unresolved (edge ${edges[1].edge}, edge ${edges[2].edge})`,
  );
});

test('a blocked any_of child says it waits for one success', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db, ['any_of', 'let_run', null]);
  await completeAndResolve(db, flowId, edges[0].up, 'failed', [edges[0].edge]);
  const row = await explainOf(db, flowId, child);
  t.is(
    row.reason,
    `blocked: any_of waits for 1 success, 2 of 3 dependencies unresolved (edge ${edges[1].edge}, edge ${edges[2].edge})`,
  );
});

test('a satisfied child is eligible and waits for ff_start_flow when the flow is not started', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db, ['any_of', 'let_run', null]);
  await completeAndResolve(db, flowId, edges[1].up, 'success', [edges[1].edge]);
  const row = await explainOf(db, flowId, child);
  t.is(row.reason, 'eligible: any_of dependencies satisfied (1 of 3 succeeded); the flow is not started yet (ff_start_flow)');
});

test('a child skipped by an impossible group names the failed edges', async (t) => {
  const db = await testDatabase(t);
  const { flowId, child, edges } = await fanIn(db);
  await completeAndResolve(db, flowId, edges[2].up, 'failed', [edges[2].edge]);
  const row = await explainOf(db, flowId, child);
  t.is(
    row.reason,
    `terminal: skipped because its all_of dependencies became impossible (1 of 3 failed or skipped: edge ${edges[2].edge})`,
  );
  t.like(row, { lifecycle_phase: 'terminal', terminal_outcome: 'skipped', group_decision: 'impossible', fail_count: 1 });
});

test('an execution without dependencies is eligible, noting staged edges not yet applied', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const b = await addMember(db, flowId, { taskIdentifier: 'work' });
  t.is((await explainOf(db, flowId, b)).reason, 'eligible: no dependencies; the flow is not started yet (ff_start_flow)');
  await stageEdge(db, flowId, a, b);
  const row = await explainOf(db, flowId, b);
  t.is(
    row.reason,
    'eligible: no applied dependencies (1 staged inbound edge not applied yet); the flow is not started yet (ff_start_flow)',
  );
  t.is(row.group_policy, null);
});

test('a running execution reports its attempt', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [a]);
  t.is((await explainOf(db, flowId, a)).reason, 'running: attempt 1 on a worker');
});

test('an eligible execution without a task_identifier says it must be completed from outside', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  t.is(
    (await explainOf(db, flowId, a)).reason,
    'eligible: no dependencies; no task_identifier, so no worker runs it: complete it with ff_complete_execution',
  );
});

test('an eligible execution of a started flow waits for a worker', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId, { taskIdentifier: 'work' });
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  t.is((await explainOf(db, flowId, a)).reason, 'eligible: no dependencies; waiting for a worker');
});

test('a completed execution reports its outcome', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  await completeAndResolve(db, flowId, a, 'success');
  t.is((await explainOf(db, flowId, a)).reason, 'terminal: outcome success');
});

test('a member cancelled with its flow says so', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  await db.query("SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'operator', p_now_ms => $2)", [
    flowId,
    NOW + 1,
  ]);
  t.is((await explainOf(db, flowId, a)).reason, 'terminal: cancelled with the flow (cancel_all: operator)');
});

test('a cancelled child waiting on a finished upstream is explained by the cancel alone', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const root = await addMember(db, flowId);
  const up = await addMember(db, flowId);
  const child = await addMember(db, flowId);
  await dependOn(db, flowId, root, up);
  await dependOn(db, flowId, up, child);
  await completeAndResolve(db, flowId, root, 'failed'); // up is skipped; its own edges wait for its cascade job
  await db.query("SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'operator', p_now_ms => $2)", [
    flowId,
    NOW + 1,
  ]);
  t.is((await explainOf(db, flowId, child)).reason, 'terminal: cancelled with the flow (cancel_all: operator)');
});

test('a member left running by cancel_flow_only notes the flow state', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId, { taskIdentifier: 'work' });
  await db.query(
    "SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'x', p_cancellation_policy => 'cancel_flow_only')",
    [flowId],
  );
  t.is((await explainOf(db, flowId, a)).reason, 'eligible: no dependencies; waiting for a worker (the flow is cancelled)');
});

test('shortens a long list of unresolved edges after five', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const child = await addMember(db, flowId);
  const edges: string[] = [];
  for (let i = 0; i < 7; i++) edges.push(await dependOn(db, flowId, await addMember(db, flowId), child));
  edges.sort();
  const row = await explainOf(db, flowId, child);
  t.is(
    row.reason,
    `blocked: 7 of 7 all_of dependencies unresolved (${edges
      .slice(0, 5)
      .map((e) => `edge ${e}`)
      .join(', ')}, … (2 more))`,
  );
});

test('refuses an execution that does not exist with execution_not_found', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(explain, [flowId, randomUUID()]), 'execution_not_found');
});

test('refuses an execution that is not a member with execution_not_in_flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ execution_id }] = await call<{ execution_id: string }>(
    db,
    'SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)',
    [flowId],
  );
  await assertRefused(t, db.query(explain, [flowId, execution_id]), 'execution_not_in_flow');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(explain, [randomUUID(), randomUUID()]), 'flow_not_found');
});

test('refuses a malformed execution id with invalid_input naming p_execution_id', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(explain, [flowId, '{fp:1}:nope']), 'invalid_input', 'p_execution_id');
});

test('a blocked child points at unresolved edges whose upstream already finished', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const root = await addMember(db, flowId);
  const up = await addMember(db, flowId);
  const child = await addMember(db, flowId);
  await dependOn(db, flowId, root, up);
  const edge = await dependOn(db, flowId, up, child);
  // root's completion skips up in the same transaction; up's own edges are resolved by its
  // cascade job (one hop per transaction), which no worker has run yet
  await completeAndResolve(db, flowId, root, 'failed');
  t.is(
    (await explainOf(db, flowId, child)).reason,
    `blocked: 1 of 1 all_of dependencies unresolved (edge ${edge}); 1 of them with a finished upstream whose cascade has not resolved it yet (is a worker running?)`,
  );
});

// docs/semantics.md §9: the run-policy states in words.
async function runningMember(db: Db, policy: Record<string, unknown>) {
  const flowId = randomUUID();
  await db.query('SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)', [flowId]);
  const {
    rows: [created],
  } = await db.query(
    `SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1, p_task_identifier => 'work', p_policy => $2)`,
    [flowId, policy],
  );
  const id = created.execution_id as string;
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [flowId, id]);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)', [id, NOW]);
  return { flowId, id };
}
const FAIL = 'SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => $2, p_now_ms => $3)';

test('a failed attempt waiting for its retry: "retrying at <time> after attempt N of M failed: <reason>"', async (t) => {
  const db = await testDatabase(t);
  const { flowId, id } = await runningMember(db, { max_retries: 3, backoff: { type: 'fixed', delay_ms: 3000 } });
  await db.query(FAIL, [id, 'connection refused', Date.UTC(2026, 0, 1, 12, 0, 0)]);
  const row = await explainOf(db, flowId, id);
  t.like(row, { public_state: 'delayed', blocking_reason: 'waiting_for_retry_backoff' });
  t.is(row.reason, 'retrying at 12:00:03 UTC after attempt 1 of 4 failed: connection refused');
});

test('a retry attempt running says which retry it is and why; a timeout is named', async (t) => {
  const db = await testDatabase(t);
  const { flowId, id } = await runningMember(db, { max_retries: 3, attempt_timeout_ms: 500 });
  await db.query(FAIL, [id, 'connection refused', NOW]);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1, p_now_ms => $2)', [id, NOW + 1000]);
  t.is(
    (await explainOf(db, flowId, id)).reason,
    'running: attempt 2 on a worker (retry 1 of 3 after: connection refused); times out after 500 ms',
  );
});

test('a delayed execution: "delayed until <time>"', async (t) => {
  const db = await testDatabase(t);
  const { flowId, id } = await runningMember(db, {});
  await db.query('SELECT * FROM flowfabric.ff_delay_execution(p_execution_id => $1, p_delay_until_ms => $2, p_now_ms => $3)', [
    id,
    Date.UTC(2026, 0, 1, 8, 30, 0),
    Date.UTC(2026, 0, 1, 8, 0, 0),
  ]);
  t.is((await explainOf(db, flowId, id)).reason, 'delayed until 08:30:00 UTC');
});

test('a failure with no retries left: "terminal: failed after attempt N of M failed: <reason>"', async (t) => {
  const db = await testDatabase(t);
  const { flowId, id } = await runningMember(db, {});
  await db.query(FAIL, [id, 'disk full', NOW]);
  t.is((await explainOf(db, flowId, id)).reason, 'terminal: failed after attempt 1 of 1 failed: disk full');
});
