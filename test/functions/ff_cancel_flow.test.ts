import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, applyEdge, call, completeAndResolve, dependOn, setPolicy, stageEdge } from '../helpers/read.js';
import { assertRefused, createFlow, eventCount, NOW, revisionOf, uuidOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

type Db = Awaited<ReturnType<typeof testDatabase>>;

const cancelSql =
  'SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => $2, p_cancellation_policy => $3, p_now_ms => $4)';

function byUuid(ids: string[]): string[] {
  return [...ids].sort((x, y) => (uuidOf(x) < uuidOf(y) ? -1 : 1));
}

async function states(db: Db, flowId: string) {
  return call<{ execution_id: string; public_state: string; terminal_outcome: string; lifecycle_phase: string }>(
    db,
    'SELECT execution_id, public_state, terminal_outcome, lifecycle_phase FROM flowfabric.ff_list_members(p_flow_id => $1)',
    [flowId],
  );
}

test('cancel_all makes every non-terminal member terminal with outcome cancelled and returns the member list', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [a, b, c] = [await addMember(db, flowId), await addMember(db, flowId), await addMember(db, flowId)];
  await completeAndResolve(db, flowId, a, 'success');
  const rows = await call(db, cancelSql, [flowId, 'operator', 'cancel_all', NOW + 1]);
  const expected = new Map([
    [a, { status: 'already_terminal', execution_id: a, public_state: 'completed', terminal_outcome: 'success' }],
    [b, { status: 'cancelled', execution_id: b, public_state: 'cancelled', terminal_outcome: 'cancelled' }],
    [c, { status: 'cancelled', execution_id: c, public_state: 'cancelled', terminal_outcome: 'cancelled' }],
  ]);
  t.deepEqual(
    rows,
    byUuid([a, b, c]).map((id) => expected.get(id)),
  );
  t.deepEqual(
    (await states(db, flowId)).map((m) => m.lifecycle_phase),
    ['terminal', 'terminal', 'terminal'],
  );
});

test('cancel_all is the default policy', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  const [row] = await call(db, 'SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => $2)', [flowId, 'x']);
  t.is(row.status, 'cancelled');
});

test('sets the flow cancelled with the cancel fields and keeps graph_revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  const revision = await revisionOf(db, flowId);
  await call(db, cancelSql, [flowId, 'budget exceeded', 'cancel_flow_only', NOW + 7]);
  const [flow] = await call<{ raw_fields: Record<string, unknown> }>(
    db,
    'SELECT public_flow_state, terminal_at_ms, graph_revision, raw_fields FROM flowfabric.ff_flow_core WHERE flow_id = $1',
    [flowId],
  );
  t.like(flow, { public_flow_state: 'cancelled', terminal_at_ms: String(NOW + 7), graph_revision: String(revision) });
  t.like(flow.raw_fields, {
    cancelled_at_ms: NOW + 7,
    cancel_reason: 'budget exceeded',
    cancellation_policy: 'cancel_flow_only',
  });
});

test('cancel_flow_only leaves the members as they are', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const rows = await call(db, cancelSql, [flowId, 'x', 'cancel_flow_only', NOW]);
  t.deepEqual(rows, [{ status: 'left_running', execution_id: a, public_state: 'waiting', terminal_outcome: 'none' }]);
  t.like((await states(db, flowId))[0], { lifecycle_phase: 'runnable', public_state: 'waiting' });
});

test('cancelled members do not cascade: their applied edges stay unresolved', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const up = await addMember(db, flowId);
  const down = await addMember(db, flowId);
  const edgeId = await dependOn(db, flowId, up, down);
  await call(db, cancelSql, [flowId, 'x', 'cancel_all', NOW]);
  const [edge] = await call(db, 'SELECT edge_state FROM flowfabric.ff_describe_edge(p_flow_id => $1, p_edge_id => $2)', [
    flowId,
    edgeId,
  ]);
  t.is(edge.edge_state, 'applied');
  const [outbox] = await call(db, "SELECT to_regclass('flowfabric.ff_completion_outbox') IS NOT NULL AS present");
  if (outbox.present) {
    const [{ n }] = await call(db, 'SELECT count(*)::int AS n FROM flowfabric.ff_completion_outbox WHERE flow_id = $1', [flowId]);
    t.is(n, 0, 'no completion cascade was enqueued');
  }
});

test('a second cancel refuses with flow_already_terminal', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await call(db, cancelSql, [flowId, 'x', 'cancel_all', NOW]);
  await assertRefused(t, db.query(cancelSql, [flowId, 'again', 'cancel_all', NOW]), 'flow_already_terminal');
});

test('after a cancel every graph-changing call refuses with flow_already_terminal', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const b = await addMember(db, flowId);
  const edgeId = await stageEdge(db, flowId, a, b);
  const revision = await revisionOf(db, flowId);
  const [{ execution_id: c }] = await call<{ execution_id: string }>(
    db,
    'SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)',
    [flowId],
  );
  await call(db, cancelSql, [flowId, 'x', 'cancel_flow_only', NOW]);
  await assertRefused(
    t,
    db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [flowId, c]),
    'flow_already_terminal',
  );
  await assertRefused(
    t,
    db.query(
      `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3,
       p_downstream_execution_id => $4, p_expected_graph_revision => $5)`,
      [flowId, randomUUID(), b, a, revision],
    ),
    'flow_already_terminal',
  );
  await assertRefused(t, applyEdge(db, flowId, edgeId), 'flow_already_terminal');
  await assertRefused(t, setPolicy(db, flowId, b, 'any_of', 'let_run'), 'flow_already_terminal');
});

test('logs cancel_flow with the reason, the policy and the cancelled members', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const revision = await revisionOf(db, flowId);
  await call(db, cancelSql, [flowId, 'operator', 'cancel_all', NOW]);
  const rows = await call(
    db,
    "SELECT graph_revision, arguments FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation = 'cancel_flow'",
    [flowId],
  );
  t.deepEqual(rows, [
    {
      graph_revision: String(revision),
      arguments: { reason: 'operator', cancellation_policy: 'cancel_all', cancelled_execution_ids: [a] },
    },
  ]);
});

test('writes one row: the members it cancels get no complete_execution row of their own', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  await addMember(db, flowId);
  const before = await eventCount(db, flowId);
  await call(db, cancelSql, [flowId, 'operator', 'cancel_all', NOW]);
  t.is(await eventCount(db, flowId), before + 1);
  t.is(await eventCount(db, flowId, 'complete_execution'), 0);
});

test('returns no rows for a flow without members', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  t.deepEqual(await call(db, cancelSql, [flowId, 'x', 'cancel_all', NOW]), []);
});

test('refuses an unknown cancellation policy with invalid_input, writing nothing', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  const events = await eventCount(db, flowId);
  await assertRefused(t, db.query(cancelSql, [flowId, 'x', 'cancel_some', NOW]), 'invalid_input', 'p_cancellation_policy');
  t.is(await eventCount(db, flowId), events);
  t.is((await states(db, flowId))[0].public_state, 'waiting');
});

test('refuses a NULL reason with invalid_input naming p_reason', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(cancelSql, [flowId, null, 'cancel_all', NOW]), 'invalid_input', 'p_reason');
  const [flow] = await call(db, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1)', [flowId]);
  t.is(flow.public_flow_state, 'open');
});

test('refuses an empty reason (1..1024 bytes, docs/semantics.md §8) with invalid_input naming p_reason', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await assertRefused(t, db.query(cancelSql, [flowId, '', 'cancel_all', NOW]), 'invalid_input', 'p_reason');
  const [flow] = await call(db, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1)', [flowId]);
  t.is(flow.public_flow_state, 'open');
});

test('refuses a reason over 1024 bytes (docs/semantics.md §8) with invalid_input naming p_reason', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(cancelSql, [flowId, 'r'.repeat(1025), 'cancel_all', NOW]), 'invalid_input', 'p_reason');
  const [flow] = await call(db, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1)', [flowId]);
  t.is(flow.public_flow_state, 'open');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(cancelSql, [randomUUID(), 'x', 'cancel_all', NOW]), 'flow_not_found');
});

test('of concurrent cancels exactly one succeeds, the rest refuse with flow_already_terminal', async (t) => {
  const db = await testDatabase(t, { max: 8 });
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  await addMember(db, flowId);
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) => call(db, cancelSql, [flowId, `c${i}`, 'cancel_all', NOW])),
  );
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') t.is((r.reason as { code: string }).code, 'FF002');
  t.is(await eventCount(db, flowId, 'cancel_flow'), 1);
});

test('a cancel racing member completions leaves every member terminal exactly once', async (t) => {
  const db = await testDatabase(t, { max: 12 });
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const members: string[] = [];
  for (let i = 0; i < 8; i++) members.push(await addMember(db, flowId));
  const completions = members.map((id) =>
    call<{ status: string; outcome: string }>(
      db,
      'SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2)',
      [id, 'success'],
    ),
  );
  const [cancel, ...done] = await Promise.all([
    call<{ execution_id: string; status: string }>(db, cancelSql, [flowId, 'x', 'cancel_all', NOW]),
    ...completions,
  ]);
  const completedByCall = new Set(members.filter((_, i) => done[i][0].status === 'completed'));
  for (const row of cancel) {
    t.is(row.status, completedByCall.has(row.execution_id) ? 'already_terminal' : 'cancelled', row.execution_id);
  }
  t.true((await states(db, flowId)).every((m) => m.lifecycle_phase === 'terminal'));
  // Each member's terminal transition is logged once: by its completion's row, or in the cancel's list.
  const { rows: logged } = await db.query(
    `SELECT arguments->>'execution_id' AS id FROM flowfabric.ff_flow_event
     WHERE flow_id = $1 AND operation = 'complete_execution'
     UNION ALL
     SELECT jsonb_array_elements_text(arguments->'cancelled_execution_ids') FROM flowfabric.ff_flow_event
     WHERE flow_id = $1 AND operation = 'cancel_flow'`,
    [flowId],
  );
  t.deepEqual(logged.map((r) => r.id).sort(), [...members].sort());
});
