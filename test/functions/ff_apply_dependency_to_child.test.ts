// docs/semantics.md §4.4: ff_apply_dependency_to_child makes a staged edge count for its child, checks in order 1-6.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  apply,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  complete,
  createFlow,
  createMembers,
  edgeRow,
  events,
  executionRow,
  flowRow,
  groupRow,
  makeFlowTerminal,
  stage,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';
import type { Db } from '../helpers/fixtures.js';

const APPLY = `SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2, p_now_ms => $3)`;

/** A flow with `n` members and a staged (not applied) edge members[0] -> members[1]. */
async function staged(db: Db, n = 2) {
  const flow = await createFlow(db);
  const members = await createMembers(db, flow.flowId, n);
  const { edge_id: edgeId } = await stage(db, flow.flowId, members[0], members[1]);
  return { ...flow, members, edgeId };
}

// Step 1
test('1. a missing flow is flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [randomUUID(), randomUUID(), null]), 'flow_not_found');
});

test('1. an edge not staged in the flow is edge_not_found', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, randomUUID(), null]), 'edge_not_found');
  t.true(error.detail?.includes(flowId), error.detail);
});

test('1. an edge staged in another flow is edge_not_found in this one', async (t) => {
  const db = await testDatabase(t);
  const { edgeId } = await staged(db);
  const { flowId: other } = await createFlow(db);
  await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [other, edgeId, null]), 'edge_not_found');
});

for (const state of ['cancelled', 'completed', 'failed'] as const) {
  test(`1. a ${state} flow is flow_already_terminal (applying would change it), nothing written`, async (t) => {
    const db = await testDatabase(t);
    const { flowId, edgeId } = await staged(db);
    await makeFlowTerminal(db, flowId, state);
    await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, edgeId, null]), 'flow_already_terminal');
  });
}

// Step 2
test('2. a missing child is execution_not_found (fixture: the child row deleted by hand)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  await db.query(`DELETE FROM flowfabric.ff_exec_core WHERE execution_id = $1`, [uuidOf(child)]);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, edgeId, null]), 'execution_not_found');
  t.true(error.detail?.includes(child), error.detail);
});

test('2. a child whose flow_id names another flow is execution_already_in_flow (fixture: flow_id edited by hand)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  const other = randomUUID();
  await db.query(`UPDATE flowfabric.ff_exec_core SET flow_id = $2 WHERE execution_id = $1`, [uuidOf(child), other]);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(APPLY, [flowId, edgeId, null]),
    'execution_already_in_flow',
  );
  t.true(error.detail?.includes(other), error.detail);
});

test('2. a child whose flow_id was cleared by hand is execution_not_in_flow', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  await db.query(`UPDATE flowfabric.ff_exec_core SET flow_id = NULL WHERE execution_id = $1`, [uuidOf(child)]);
  await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, edgeId, null]), 'execution_not_in_flow');
});

// Step 3
test('3. an edge already applied: already_applied with the current unsatisfied count, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child, c],
  } = await staged(db, 3);
  await apply(db, flowId, edgeId);
  const { edge_id: second } = await stage(db, flowId, c, child);
  await apply(db, flowId, second);
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(APPLY, [flowId, edgeId, NOW]));
  t.deepEqual(rows, [{ status: 'already_applied', edge_id: edgeId, downstream_execution_id: child, unsatisfied_count: 2 }]);
});

test('3. an edge already applied and resolved: already_applied, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a],
  } = await staged(db);
  await apply(db, flowId, edgeId);
  await complete(db, a, 'success'); // resolves the edge in the same transaction
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(APPLY, [flowId, edgeId, null]));
  t.like(rows[0], { status: 'already_applied', unsatisfied_count: 0 });
});

// Step 4
test('4. applied: edge_state applied, applied_at_ms = now, the rest of the edge unchanged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  const before = await edgeRow(db, flowId, edgeId);
  const { rows } = await db.query(APPLY, [flowId, edgeId, NOW]);
  t.deepEqual(rows, [{ status: 'applied', edge_id: edgeId, downstream_execution_id: child, unsatisfied_count: 1 }]);
  const after = await edgeRow(db, flowId, edgeId);
  t.deepEqual(after.policy, { ...before.policy, edge_state: 'applied', applied_at_ms: NOW });
  t.is(after.upstream_eid, before.upstream_eid);
  t.is(after.downstream_eid, before.downstream_eid);
});

test("4. the first apply creates the child's group: all_of, running_count 1, other counters 0, pending", async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    partition,
    members: [, child],
  } = await staged(db);
  await apply(db, flowId, edgeId);
  t.like(await groupRow(db, flowId, child), {
    partition_key: partition,
    policy: { kind: 'all_of' },
    k_target: null,
    running_count: 1,
    success_count: 0,
    fail_count: 0,
    skip_count: 0,
    cancel_siblings_pending_flag: false,
    cancel_siblings_pending_members: [],
    decision: 'pending',
  });
});

test('4. each further edge into the child raises running_count; unsatisfied_count reports it', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await staged(db, 4);
  const child = members[3];
  const counts: number[] = [];
  for (const up of members.slice(0, 3)) {
    const { edge_id } = await stage(db, flowId, up, child);
    counts.push((await apply(db, flowId, edge_id)).unsatisfied_count);
  }
  t.deepEqual(counts, [1, 2, 3]);
  t.is((await groupRow(db, flowId, child)).running_count, 3);
});

test('4. a group whose policy was set first keeps that policy when the first edge is applied', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  await db.query(
    `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1, p_downstream_execution_id => $2,
    p_kind => 'quorum', p_on_satisfied => 'let_run', p_k => 1)`,
    [flowId, child],
  );
  await apply(db, flowId, edgeId);
  const group = await groupRow(db, flowId, child);
  t.is(group.policy.kind, 'quorum');
  t.is(group.k_target, 1);
  t.is(group.running_count, 1);
});

test('4. applying does not change graph_revision; it logs one apply_dependency_to_child event', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  const revision = (await flowRow(db, flowId)).graph_revision;
  const count = (await events(db, flowId)).length;
  await db.query(APPLY, [flowId, edgeId, NOW]);
  t.is((await flowRow(db, flowId)).graph_revision, revision);
  const log = await events(db, flowId);
  t.is(log.length, count + 1);
  t.like(log.at(-1), { operation: 'apply_dependency_to_child', graph_revision: revision, occurred_at_ms: String(NOW) });
  t.deepEqual(log.at(-1).arguments, { edge_id: edgeId, downstream_execution_id: child });
});

// Step 5
test('5. a runnable child is blocked: blocked_by_dependencies, waiting_for_children, waiting_children', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child],
  } = await staged(db);
  await apply(db, flowId, edgeId);
  t.like(await executionRow(db, child), {
    lifecycle_phase: 'runnable',
    eligibility_state: 'blocked_by_dependencies',
    blocking_reason: 'waiting_for_children',
    public_state: 'waiting_children',
  });
  t.like(await executionRow(db, a), { eligibility_state: 'eligible_now', public_state: 'waiting' }, 'the upstream is untouched');
});

test('5. a terminal child is not blocked', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  await complete(db, child, 'success');
  const before = await executionRow(db, child);
  await apply(db, flowId, edgeId);
  t.deepEqual(await executionRow(db, child), before);
});

test('5. a child whose group already decided (satisfied) refuses new edges: invalid_input group_already_decided, nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child, c],
  } = await staged(db, 3);
  await apply(db, flowId, edgeId);
  await complete(db, a, 'success'); // resolves the edge: the all_of group is satisfied
  t.is((await groupRow(db, flowId, child)).decision, 'satisfied');
  const { edge_id: late } = await stage(db, flowId, c, child);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, late, null]), 'invalid_input');
  t.true(error.detail?.startsWith('group_already_decided'), error.detail);
});

test('5. a child whose group already decided (impossible) refuses new edges too', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child, c],
  } = await staged(db, 3);
  await apply(db, flowId, edgeId);
  await complete(db, a, 'failed'); // resolves the edge: the all_of group is impossible
  t.is((await groupRow(db, flowId, child)).decision, 'impossible');
  const { edge_id: late } = await stage(db, flowId, c, child);
  const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flowId, late, null]), 'invalid_input');
  t.true(error.detail?.startsWith('group_already_decided'), error.detail);
});

// Step 6
test('6. an upstream already succeeded: the edge resolves at apply, the child becomes eligible again', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child],
  } = await staged(db);
  await complete(db, a, 'success');
  const { rows } = await db.query(APPLY, [flowId, edgeId, NOW]);
  t.deepEqual(rows, [{ status: 'applied', edge_id: edgeId, downstream_execution_id: child, unsatisfied_count: 0 }]);
  t.like((await edgeRow(db, flowId, edgeId)).policy, {
    edge_state: 'satisfied',
    upstream_outcome: 'success',
    resolved_at_ms: NOW,
    applied_at_ms: NOW,
  });
  t.like(await groupRow(db, flowId, child), { running_count: 0, success_count: 1, decision: 'satisfied' });
  t.like(await executionRow(db, child), {
    lifecycle_phase: 'runnable',
    eligibility_state: 'eligible_now',
    blocking_reason: 'waiting_for_worker',
    public_state: 'waiting',
  });
});

test('6. an upstream already failed: the edge resolves impossible at apply, the child is skipped', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child],
  } = await staged(db);
  await complete(db, a, 'failed');
  const { rows } = await db.query(APPLY, [flowId, edgeId, NOW]);
  t.is(rows[0].unsatisfied_count, 0);
  t.like((await edgeRow(db, flowId, edgeId)).policy, { edge_state: 'impossible', upstream_outcome: 'failed' });
  t.like(await groupRow(db, flowId, child), { running_count: 0, fail_count: 1, decision: 'impossible' });
  t.like(await executionRow(db, child), { lifecycle_phase: 'terminal', terminal_outcome: 'skipped', public_state: 'skipped' });
});

test('6. a late edge with a skipped upstream counts as a skip', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [a, child],
  } = await staged(db);
  await complete(db, a, 'skipped');
  await apply(db, flowId, edgeId);
  t.like(await groupRow(db, flowId, child), { running_count: 0, skip_count: 1, fail_count: 0, decision: 'impossible' });
});

test('6. an upstream still running: the edge stays applied and the child waits', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  await apply(db, flowId, edgeId);
  t.is((await edgeRow(db, flowId, edgeId)).policy.edge_state, 'applied');
  t.like(await groupRow(db, flowId, child), { running_count: 1, decision: 'pending' });
});

// Bad input
const badArgs: Array<[string, (flowId: string, edgeId: string) => unknown[], string]> = [
  ['a NULL p_flow_id', (_f, e) => [null, e, null], 'p_flow_id'],
  ['a NULL p_edge_id', (f) => [f, null, null], 'p_edge_id'],
  ['a negative p_now_ms', (f, e) => [f, e, -1], 'p_now_ms'],
];
for (const [what, params, field] of badArgs) {
  test(`${what} is invalid_input naming ${field}`, async (t) => {
    const db = await testDatabase(t);
    const { flowId, edgeId } = await staged(db);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, params(flowId, edgeId)), 'invalid_input');
    t.true(error.detail?.startsWith(`${field}:`), error.detail);
  });
}

// Concurrency
test('20 concurrent applies of one edge: one applied, 19 already_applied, running_count 1', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const {
    flowId,
    edgeId,
    members: [, child],
  } = await staged(db);
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c) => c.query(APPLY, [flowId, edgeId, null])));
  } finally {
    connections.forEach((c) => c.release());
  }
  t.is(results.filter((r) => r.rows[0].status === 'applied').length, 1);
  t.is(results.filter((r) => r.rows[0].status === 'already_applied').length, 19);
  t.true(results.every((r) => r.rows[0].unsatisfied_count === 1));
  t.is((await groupRow(db, flowId, child)).running_count, 1);
  t.is((await events(db, flowId)).filter((e) => e.operation === 'apply_dependency_to_child').length, 1);
});

test('20 concurrent applies of 20 edges into one child: running_count 20, no deadlock', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const flow = await createFlow(db);
  const members = await createMembers(db, flow.flowId, 21);
  const child = members[20];
  const edges: string[] = [];
  for (const up of members.slice(0, 20)) edges.push((await stage(db, flow.flowId, up, child)).edge_id);
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c, i) => c.query(APPLY, [flow.flowId, edges[i], null])));
  } finally {
    connections.forEach((c) => c.release());
  }
  t.true(results.every((r) => r.rows[0].status === 'applied'));
  t.deepEqual(
    results.map((r) => r.rows[0].unsatisfied_count).sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  t.is((await groupRow(db, flow.flowId, child)).running_count, 20);
});

test('applies racing the completion of their upstreams: only our refusals, and the group counts each applied edge once', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const flow = await createFlow(db);
  const members = await createMembers(db, flow.flowId, 11);
  const child = members[10];
  const edges: string[] = [];
  for (const up of members.slice(0, 10)) edges.push((await stage(db, flow.flowId, up, child)).edge_id);
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.allSettled(
      connections.map((c, i) =>
        i % 2
          ? c.query(APPLY, [flow.flowId, edges[i >> 1], null])
          : c.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [
              members[i >> 1],
            ]),
      ),
    );
  } finally {
    connections.forEach((c) => c.release());
  }
  // An apply that finds its upstream done resolves the edge at once; an all_of group whose applied
  // edges are all satisfied decides, and later applies into it are refused group_already_decided.
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  t.true(
    refused.every((e) => e.code === 'FF012' && e.detail.startsWith('group_already_decided')),
    JSON.stringify(refused.map((e) => e.detail)),
  );
  const applied = results.filter((r, i) => i % 2 === 1 && r.status === 'fulfilled').length;
  const group = await groupRow(db, flow.flowId, child);
  const { rows } = await db.query(
    `SELECT edge_state AS state, count(*)::int AS n FROM flowfabric.ff_edge
    WHERE flow_id = $1 GROUP BY 1`,
    [flow.flowId],
  );
  const byState: Record<string, number> = Object.fromEntries(rows.map((r) => [r.state, r.n]));
  t.is((byState.applied ?? 0) + (byState.satisfied ?? 0), applied);
  t.is(byState.pending ?? 0, 10 - applied);
  t.is(group.running_count, byState.applied ?? 0);
  t.is(group.success_count, byState.satisfied ?? 0);
});

test('a second late edge into an all_of child is refused: the first one already satisfied the group (docs/semantics.md §4.4 steps 5-6)', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const [a, b, child] = await createMembers(db, flow.flowId, 3);
  const first = (await stage(db, flow.flowId, a, child)).edge_id;
  const second = (await stage(db, flow.flowId, b, child)).edge_id;
  await complete(db, a, 'success');
  await complete(db, b, 'success');
  t.is((await apply(db, flow.flowId, first)).status, 'applied');
  const error = await assertRefusedWritesNothing(t, db, () => db.query(APPLY, [flow.flowId, second, null]), 'invalid_input');
  t.true(error.detail?.startsWith('group_already_decided'), error.detail);
});
