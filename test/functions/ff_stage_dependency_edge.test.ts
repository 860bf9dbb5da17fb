// docs/semantics.md §4.3: ff_stage_dependency_edge stages edge upstream -> downstream, checks in order 1-8,
// exact cycle detection with the path, idempotent exact retries, one winner per revision.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import {
  addMember,
  apply,
  assertRefused,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  complete,
  connect,
  createExecution,
  createFlow,
  createMember,
  createMembers,
  edgeRow,
  events,
  flowIdOffDefaultLane,
  flowRow,
  makeFlowTerminal,
  NOW,
  otherPartition,
  revisionOf,
  SQLSTATE,
  stage,
  uuidOf,
} from '../helpers/fixtures.js';
import { drain } from '../helpers/cascade.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import type { Db } from '../helpers/fixtures.js';

const STAGE = `SELECT * FROM flowfabric.ff_stage_dependency_edge(
  p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3, p_downstream_execution_id => $4,
  p_expected_graph_revision => $5, p_dependency_kind => $6, p_data_passing_ref => $7, p_now_ms => $8, p_condition => $9)`;

interface Call {
  flow: string | null;
  edge: string | null;
  up: string | null;
  down: string | null;
  rev: number | null;
  kind?: string | null;
  ref?: string | null;
  now?: number | null;
  condition?: string | null;
}
const run = (db: Db, c: Call) =>
  db.query(STAGE, [
    c.flow,
    c.edge,
    c.up,
    c.down,
    c.rev,
    c.kind === undefined ? 'success_only' : c.kind,
    c.ref ?? null,
    c.now ?? null,
    c.condition ?? null,
  ]);

/** A flow with `n` members; returns the flow, the members and its revision. */
async function flowWith(db: Db, n: number) {
  const flow = await createFlow(db);
  const members = await createMembers(db, flow.flowId, n);
  return { ...flow, members, revision: await revisionOf(db, flow.flowId) };
}

// Step 1
test('1. upstream = downstream is self_referencing_edge, nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a],
    revision,
  } = await flowWith(db, 1);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: a, rev: revision }),
    'self_referencing_edge',
  );
});

test('1. self reference is recognised across id forms (canonical vs bare uuid)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a],
    revision,
  } = await flowWith(db, 1);
  await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: a, down: uuidOf(a), rev: revision }),
    'self_referencing_edge',
  );
});

test('1. self reference is checked before the flow exists', async (t) => {
  const db = await testDatabase(t);
  const id = randomUUID();
  await assertRefused(t, run(db, { flow: randomUUID(), edge: randomUUID(), up: id, down: id, rev: 0 }), 'self_referencing_edge');
});

// Step 2
test('2. a missing flow is flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: randomUUID(), edge: randomUUID(), up: randomUUID(), down: randomUUID(), rev: 0 }),
    'flow_not_found',
  );
});

for (const state of ['cancelled', 'completed', 'failed'] as const) {
  test(`2. a ${state} flow is flow_already_terminal, nothing written`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    await makeFlowTerminal(db, flowId, state);
    await assertRefusedWritesNothing(
      t,
      db,
      () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision }),
      'flow_already_terminal',
    );
  });
}

test('2. a terminal flow is refused even for an exact retry of a staged edge (step 2 before step 3)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
  } = await flowWith(db, 2);
  const { edge_id, graph_revision } = await stage(db, flowId, a, b);
  await makeFlowTerminal(db, flowId);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: edge_id, up: a, down: b, rev: Number(graph_revision) - 1 }),
    'flow_already_terminal',
  );
});

// Step 3
test('3. an exact retry: already_staged with the revision that staging produced, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  const first = (await run(db, { flow: flowId, edge, up: a, down: b, rev: revision })).rows[0];
  const { rows } = await assertReplayWritesNothing(t, db, () => run(db, { flow: flowId, edge, up: a, down: b, rev: revision }));
  t.deepEqual(rows, [{ status: 'already_staged', edge_id: edge, graph_revision: first.graph_revision }]);
});

test('3. an exact retry after the revision moved on is already_staged, not stale_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision });
  await stage(db, flowId, b, c);
  await createMember(db, flowId);
  t.is(await revisionOf(db, flowId), revision + 3);
  const { rows } = await assertReplayWritesNothing(t, db, () => run(db, { flow: flowId, edge, up: a, down: b, rev: revision }));
  t.deepEqual(rows, [{ status: 'already_staged', edge_id: edge, graph_revision: String(revision + 1) }]);
});

test('3. an exact retry with bare uuids instead of canonical ids is already_staged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision });
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    run(db, { flow: flowId, edge, up: uuidOf(a), down: uuidOf(b), rev: 0 }),
  );
  t.is(rows[0].status, 'already_staged');
});

test('3. a retry with another data_passing_ref is still an exact retry (endpoints and kind match): the stored ref is kept', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, ref: 'first' });
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    run(db, { flow: flowId, edge, up: a, down: b, rev: revision + 1, ref: 'second' }),
  );
  t.is(rows[0].status, 'already_staged');
  t.is((await edgeRow(db, flowId, edge)).policy.data_passing_ref, 'first');
});

test('3. an exact retry after the edge was applied is still already_staged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision });
  await apply(db, flowId, edge);
  const { rows } = await assertReplayWritesNothing(t, db, () => run(db, { flow: flowId, edge, up: a, down: b, rev: revision }));
  t.is(rows[0].status, 'already_staged');
});

// Step 4
test('4. an expected revision other than the current one is stale_graph_revision, DETAIL has both', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision - 1 }),
    'stale_graph_revision',
  );
  t.regex(error.detail ?? '', new RegExp(`expected_graph_revision=${revision - 1}\\b.*current_graph_revision=${revision}\\b`));
});

test('4. a revision from the future is stale_graph_revision too', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision + 1 }),
    'stale_graph_revision',
  );
});

test('4. stale revision is checked before membership (step 4 before step 5)', async (t) => {
  const db = await testDatabase(t);
  const { flowId, revision } = await flowWith(db, 0);
  await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: randomUUID(), down: randomUUID(), rev: revision + 5 }),
    'stale_graph_revision',
  );
});

test('4. an edge_id reused with other endpoints at a stale revision is stale_graph_revision (step 4 before step 7)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
  } = await flowWith(db, 3);
  const { edge_id } = await stage(db, flowId, a, b);
  await assertRefused(t, run(db, { flow: flowId, edge: edge_id, up: a, down: c, rev: 0 }), 'stale_graph_revision');
});

// Step 5
test('5. an upstream that is not a member is execution_not_in_flow naming the upstream', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [b],
    revision,
  } = await flowWith(db, 1);
  const outsider = await createExecution(db, { flowId }); // created on the partition, never added
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: outsider, down: b, rev: revision }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith(`upstream_execution_id=${outsider}`), error.detail);
});

test('5. a downstream that is not a member is execution_not_in_flow naming the downstream', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a],
    revision,
  } = await flowWith(db, 1);
  const outsider = await createExecution(db, { flowId });
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: outsider, rev: revision }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith(`downstream_execution_id=${outsider}`), error.detail);
});

test('5. a missing execution is execution_not_in_flow (as FlowFabric reports it), upstream checked first', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition, revision } = await flowWith(db, 0);
  const up = randomUUID();
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up, down: randomUUID(), rev: revision }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith(`upstream_execution_id={fp:${partition}}:${up}`), error.detail);
});

test('5. a member of another flow is execution_not_in_flow', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    partition,
    members: [a],
    revision,
  } = await flowWith(db, 1);
  let otherId: string;
  do otherId = randomUUID();
  while ((await db.query(`SELECT flowfabric.ff_flow_partition($1) p`, [otherId])).rows[0].p !== partition);
  await createFlow(db, { flowId: otherId });
  const foreign = await createMember(db, otherId);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: foreign, rev: revision }),
    'execution_not_in_flow',
  );
});

test('5. a {fp:N} prefix on the wrong partition is invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    partition,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const wrong = `{fp:${otherPartition(partition)}}:${uuidOf(b)}`;
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: wrong, rev: revision }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
  t.true(error.detail?.includes('p_downstream_execution_id'), error.detail);
});

test('5. a solo execution on another partition (bare uuid) is invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const flowId = await flowIdOffDefaultLane(db);
  await createFlow(db, { flowId });
  const a = await createMember(db, flowId);
  const solo = await createExecution(db);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: uuidOf(solo), down: a, rev: 2 - 1 }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
  t.true(error.detail?.includes('p_upstream_execution_id'), error.detail);
});

// Step 6: cycles
test('6. a 2-node cycle is cycle_detected with DETAIL "b -> a -> b"', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
  } = await flowWith(db, 2);
  await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: b, down: a, rev: 3 }),
    'cycle_detected',
  );
  t.is(error.detail, `${b} -> ${a} -> ${b}`);
});

test('6. a 3-node cycle is cycle_detected with DETAIL "c -> a -> b -> c" (canonical ids, even when called with bare uuids)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
  } = await flowWith(db, 3);
  await stage(db, flowId, a, b);
  await stage(db, flowId, b, c);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: uuidOf(c), down: uuidOf(a), rev: 5 }),
    'cycle_detected',
  );
  t.is(error.detail, `${c} -> ${a} -> ${b} -> ${c}`);
});

test('6. diamond plus back edge: cycle_detected with a real cycle through the new edge, the same path every time', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
  } = await flowWith(db, 4);
  const edges = [
    [a, b],
    [a, c],
    [b, d],
    [c, d],
  ];
  for (const [u, v] of edges) await stage(db, flowId, u, v);
  const attempt = () => run(db, { flow: flowId, edge: randomUUID(), up: d, down: a, rev: 8 });
  const error = await assertRefusedWritesNothing(t, db, attempt, 'cycle_detected');
  const path = (error.detail ?? '').split(' -> ');
  t.is(path.length, 4);
  t.is(path[0], d);
  t.is(path[1], a);
  t.is(path[3], d);
  const graph = new Set([...edges, [d, a]].map(([u, v]) => `${u}|${v}`));
  for (let i = 0; i + 1 < path.length; i++)
    t.true(graph.has(`${path[i]}|${path[i + 1]}`), `${path[i]} -> ${path[i + 1]} is an edge`);
  for (let i = 0; i < 3; i++) {
    const again = await assertRefused(t, attempt(), 'cycle_detected');
    t.is(again.detail, error.detail);
  }
});

test('6. a cycle through a longer detour in a wider graph is found (exact, not capped)', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await flowWith(db, 30);
  // Many branches from members[0]; only one of them leads to members[29].
  for (let i = 1; i < 25; i++) await stage(db, flowId, members[0], members[i]);
  for (let i = 25; i < 29; i++) await stage(db, flowId, members[i === 25 ? 24 : i - 1], members[i]);
  await stage(db, flowId, members[28], members[29]);
  const rev = await revisionOf(db, flowId);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: members[29], down: members[0], rev }),
    'cycle_detected',
  );
  t.is(
    error.detail,
    [members[29], members[0], members[24], members[25], members[26], members[27], members[28], members[29]].join(' -> '),
  );
});

test('6. a cycle of exactly 20 entries is shown in full', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await flowWith(db, 19);
  for (let i = 0; i + 1 < 19; i++) await stage(db, flowId, members[i], members[i + 1]);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: members[18], down: members[0], rev: await revisionOf(db, flowId) }),
    'cycle_detected',
  );
  t.is(error.detail, [members[18], ...members].join(' -> '));
});

test('6. a cycle of 21 entries keeps the first ten and the last ten: "… (1 more) …"', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await flowWith(db, 20);
  for (let i = 0; i + 1 < 20; i++) await stage(db, flowId, members[i], members[i + 1]);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: members[19], down: members[0], rev: await revisionOf(db, flowId) }),
    'cycle_detected',
  );
  const full = [members[19], ...members];
  t.is(error.detail, [...full.slice(0, 10), '… (1 more) …', ...full.slice(-10)].join(' -> '));
});

test('6. a cycle of 26 entries is shortened to first ten, "… (6 more) …", last ten', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await flowWith(db, 25);
  for (let i = 0; i + 1 < 25; i++) await stage(db, flowId, members[i], members[i + 1]);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: members[24], down: members[0], rev: await revisionOf(db, flowId) }),
    'cycle_detected',
  );
  const full = [members[24], ...members];
  t.is(full.length, 26);
  t.is(error.detail, [...full.slice(0, 10), '… (6 more) …', ...full.slice(-10)].join(' -> '));
});

test('6. stale revision is checked before the cycle (step 4 before step 6)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
  } = await flowWith(db, 2);
  await stage(db, flowId, a, b);
  await assertRefused(t, run(db, { flow: flowId, edge: randomUUID(), up: b, down: a, rev: 0 }), 'stale_graph_revision');
});

test('6. an edge_id reused for an edge that closes a cycle is cycle_detected (step 6 before step 7)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
  } = await flowWith(db, 2);
  const { edge_id } = await stage(db, flowId, a, b);
  await assertRefused(t, run(db, { flow: flowId, edge: edge_id, up: b, down: a, rev: 3 }), 'cycle_detected');
});

test('6. parallel edges (a new edge_id between a connected pair) are allowed and are no cycle', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
  } = await flowWith(db, 2);
  await stage(db, flowId, a, b);
  const second = await stage(db, flowId, a, b);
  t.is(second.status, 'staged');
  t.is((await flowRow(db, flowId)).raw_fields.edge_count, 2);
});

test('6. a transitive shortcut (a -> c beside a -> b -> c) is no cycle', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
  } = await flowWith(db, 3);
  await stage(db, flowId, a, b);
  await stage(db, flowId, b, c);
  t.is((await stage(db, flowId, a, c)).status, 'staged');
});

// Step 7
test('7. an edge_id already staged with other endpoints is dependency_already_exists, DETAIL is the existing edge as JSON', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
  } = await flowWith(db, 3);
  const { edge_id } = await stage(db, flowId, a, b, { nowMs: NOW });
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: edge_id, up: a, down: c, rev: 4 }),
    'dependency_already_exists',
  );
  const existing = JSON.parse(error.detail ?? 'null');
  t.like(existing, {
    flow_id: flowId,
    edge_id,
    upstream_execution_id: a,
    downstream_execution_id: b,
    dependency_kind: 'success_only',
    edge_state: 'pending',
    staged_graph_revision: 4,
  });
});

test('7. an edge_id reused with swapped endpoints in another part of the graph is dependency_already_exists', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
  } = await flowWith(db, 4);
  const { edge_id } = await stage(db, flowId, a, b);
  await assertRefused(t, run(db, { flow: flowId, edge: edge_id, up: c, down: d, rev: 5 }), 'dependency_already_exists');
});

test('7. an edge_id staged in another flow does not collide', async (t) => {
  const db = await testDatabase(t);
  const one = await flowWith(db, 2);
  const two = await flowWith(db, 2);
  const edge = randomUUID();
  await stage(db, one.flowId, one.members[0], one.members[1], { edgeId: edge });
  t.is((await stage(db, two.flowId, two.members[0], two.members[1], { edgeId: edge })).status, 'staged');
});

// Step 8
test('8. staged: the edge row with its full policy, the new revision in the result', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    partition,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  const { rows } = await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, ref: 'input', now: NOW });
  t.deepEqual(rows, [{ status: 'staged', edge_id: edge, graph_revision: String(revision + 1) }]);
  const row = await edgeRow(db, flowId, edge);
  t.like(row, { partition_key: partition, upstream_eid: uuidOf(a), downstream_eid: uuidOf(b), policy_version: 1 });
  t.deepEqual(row.policy, {
    dependency_kind: 'success_only',
    satisfaction_condition: 'all_required',
    data_passing_ref: 'input',
    edge_state: 'pending',
    created_at_ms: NOW,
    created_by: 'engine',
    staged_at_ms: NOW,
    staged_graph_revision: revision + 1,
    applied_at_ms: null,
  });
});

test('an empty data_passing_ref is invalid_input naming p_data_passing_ref (NULL means no data passing), nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision, ref: '' }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('p_data_passing_ref:'), error.detail);
});

test('8. a NULL data_passing_ref is stored as the empty string', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, ref: null });
  t.is((await edgeRow(db, flowId, edge)).policy.data_passing_ref, '');
});

test('8. the dependency kind defaults to success_only', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await db.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2,
    p_upstream_execution_id => $3, p_downstream_execution_id => $4, p_expected_graph_revision => $5)`,
    [flowId, edge, a, b, revision],
  );
  t.is((await edgeRow(db, flowId, edge)).policy.dependency_kind, 'success_only');
});

// docs/semantics.md §10.1: kinds and conditions
for (const kind of ['failure_only', 'any_outcome']) {
  test(`8. the dependency kind ${kind} is stored in the policy`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const edge = randomUUID();
    await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, kind });
    t.is((await edgeRow(db, flowId, edge)).policy.dependency_kind, kind);
  });
}

test('8. a condition is stored in the policy (condition) and logged; none: no condition key', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, condition: '$.rows > 0' });
  t.is((await edgeRow(db, flowId, edge)).policy.condition, '$.rows > 0');
  const plain = randomUUID();
  await run(db, { flow: flowId, edge: plain, up: a, down: c, rev: revision + 1 });
  t.false('condition' in (await edgeRow(db, flowId, plain)).policy);
  const staged = (await events(db, flowId)).filter((e) => e.operation === 'stage_dependency_edge');
  t.is(staged[0].arguments.condition, '$.rows > 0');
});

test('3. an exact retry includes the kind and the condition: the same ones are already_staged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, kind: 'failure_only', condition: '$.code == 2' });
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    run(db, { flow: flowId, edge, up: a, down: b, rev: revision, kind: 'failure_only', condition: '$.code == 2' }),
  );
  t.is(rows[0].status, 'already_staged');
});

for (const [what, change] of [
  ['another kind', { kind: 'any_outcome', condition: '$.code == 2' }],
  ['another condition', { kind: 'failure_only', condition: '$.code == 3' }],
  ['no condition', { kind: 'failure_only', condition: null }],
] as const) {
  test(`7. the same edge_id and endpoints with ${what} is dependency_already_exists`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const edge = randomUUID();
    await run(db, { flow: flowId, edge, up: a, down: b, rev: revision, kind: 'failure_only', condition: '$.code == 2' });
    await assertRefusedWritesNothing(
      t,
      db,
      () => run(db, { flow: flowId, edge, up: a, down: b, rev: revision + 1, ...change }),
      'dependency_already_exists',
    );
  });
}

test('8. the flow: graph_revision + 1, edge_count + 1, last_mutation_at_ms = now; node_count unchanged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  await run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision, now: NOW + 7 });
  const flow = await flowRow(db, flowId);
  t.is(flow.graph_revision, String(revision + 1));
  t.like(flow.raw_fields, { node_count: 2, edge_count: 1, last_mutation_at_ms: NOW + 7 });
});

test('8. staging logs one stage_dependency_edge event at the new revision with canonical ids', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  const before = (await events(db, flowId)).length;
  await run(db, { flow: flowId, edge, up: uuidOf(a), down: uuidOf(b), rev: revision, now: NOW });
  const log = await events(db, flowId);
  t.is(log.length, before + 1);
  t.like(log.at(-1), { operation: 'stage_dependency_edge', graph_revision: String(revision + 1), occurred_at_ms: String(NOW) });
  t.deepEqual(log.at(-1).arguments, {
    edge_id: edge,
    upstream_execution_id: a,
    downstream_execution_id: b,
    dependency_kind: 'success_only',
    data_passing_ref: '',
  });
});

// Bad input
const malformed = ['nope', `{fp:999}:${randomUUID()}`, `{fp:1}${randomUUID()}`, randomUUID().replaceAll('-', ''), ''];
for (const field of ['p_upstream_execution_id', 'p_downstream_execution_id'] as const) {
  for (const bad of [null, ...malformed]) {
    test(`${field} ${JSON.stringify(bad)} is invalid_input naming ${field}`, async (t) => {
      const db = await testDatabase(t);
      const {
        flowId,
        members: [a, b],
        revision,
      } = await flowWith(db, 2);
      const call: Call = { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision };
      if (field === 'p_upstream_execution_id') call.up = bad;
      else call.down = bad;
      const error = await assertRefusedWritesNothing(t, db, () => run(db, call), 'invalid_input');
      t.true(error.detail?.startsWith(`${field}:`), error.detail);
    });
  }
}

const badArgs: Array<[string, Partial<Call>, string]> = [
  ['a NULL p_flow_id', { flow: null }, 'p_flow_id'],
  ['a NULL p_edge_id', { edge: null }, 'p_edge_id'],
  ['a NULL p_expected_graph_revision', { rev: null }, 'p_expected_graph_revision'],
  ['a negative p_expected_graph_revision', { rev: -1 }, 'p_expected_graph_revision'],
  ['a NULL p_dependency_kind', { kind: null }, 'p_dependency_kind'],
  ['an unknown p_dependency_kind', { kind: 'all_done' }, 'p_dependency_kind'],
  ['a p_condition that is no SQL/JSON path (docs/semantics.md §10.1)', { condition: '$.rows >' }, 'p_condition'],
  ['an empty p_condition', { condition: '' }, 'p_condition'],
  ['a p_condition naming a variable', { condition: '$.rows > $min' }, 'p_condition'],
  ['a p_condition over 1024 bytes', { condition: `$.a == "${'x'.repeat(1030)}"` }, 'p_condition'],
  ['a p_dependency_kind in another case', { kind: 'SUCCESS_ONLY' }, 'p_dependency_kind'],
  ['a negative p_now_ms', { now: -1 }, 'p_now_ms'],
  ['a p_data_passing_ref over 1024 bytes (docs/semantics.md §8)', { ref: 'r'.repeat(1025) }, 'p_data_passing_ref'],
];
for (const [what, change, field] of badArgs) {
  test(`${what} is invalid_input naming ${field}`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const error = await assertRefusedWritesNothing(
      t,
      db,
      () => run(db, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision, ...change }),
      'invalid_input',
    );
    t.true(error.detail?.startsWith(`${field}:`), error.detail);
  });
}

test('invalid input is refused before self reference and before the flow is looked up', async (t) => {
  const db = await testDatabase(t);
  const id = randomUUID();
  await assertRefused(t, run(db, { flow: randomUUID(), edge: randomUUID(), up: id, down: id, rev: -1 }), 'invalid_input');
});

// Concurrency
test('20 concurrent stagers of different edges at one expected revision: one staged, 19 stale, revision + 1', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId, members, revision } = await flowWith(db, 21);
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.allSettled(
      connections.map((c, i) =>
        run(c, { flow: flowId, edge: randomUUID(), up: members[0], down: members[i + 1], rev: revision }),
      ),
    );
  } finally {
    connections.forEach((c) => c.release());
  }
  const staged = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.is(staged.length, 1);
  t.is(refused.length, 19);
  t.true(refused.every((r) => r.reason.code === SQLSTATE.stale_graph_revision && r.reason.message === 'stale_graph_revision'));
  t.is(await revisionOf(db, flowId), revision + 1);
  const flow = await flowRow(db, flowId);
  t.is(flow.raw_fields.edge_count, 1);
  t.is((await db.query(`SELECT count(*)::int AS n FROM flowfabric.ff_edge WHERE flow_id = $1`, [flowId])).rows[0].n, 1);
});

test('20 concurrent exact retries of one edge: one staged, 19 already_staged, revision + 1', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edge = randomUUID();
  const connections = await clients(db, 20);
  let results;
  try {
    results = await Promise.all(connections.map((c) => run(c, { flow: flowId, edge, up: a, down: b, rev: revision })));
  } finally {
    connections.forEach((c) => c.release());
  }
  t.is(results.filter((r) => r.rows[0].status === 'staged').length, 1);
  t.is(results.filter((r) => r.rows[0].status === 'already_staged').length, 19);
  t.true(results.every((r) => r.rows[0].graph_revision === String(revision + 1)));
  t.is(await revisionOf(db, flowId), revision + 1);
});

test('concurrent stagers that each close half of a 2-cycle: never both staged', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  for (let round = 0; round < 5; round++) {
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const [c1, c2] = await clients(db, 2);
    let results;
    try {
      results = await Promise.allSettled([
        run(c1, { flow: flowId, edge: randomUUID(), up: a, down: b, rev: revision }),
        run(c2, { flow: flowId, edge: randomUUID(), up: b, down: a, rev: revision }),
      ]);
    } finally {
      c1.release();
      c2.release();
    }
    t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  }
});

/**
 * Mixed load: 20 connections run 200 random add / stage / apply (/ complete) calls on one flow. Every refusal
 * must be one of our SQLSTATEs (never a deadlock, 40P01), and the flow's counters must add up.
 */
async function mixedLoad(t: ExecutionContext, kinds: number) {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db);
  const pool: string[] = [];
  for (let i = 0; i < 40; i++) pool.push(await createExecution(db, { flowId }));
  for (const id of pool.slice(0, 10)) await addMember(db, flowId, id);
  const staged: string[] = [];
  // mulberry32: a small seeded PRNG, so a failing run can be replayed.
  let seed = 42;
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const operations = Array.from({ length: 200 }, () => random(kinds));
  const picks = Array.from({ length: 600 }, () => random(40));
  let next = 0;
  const errors: Array<{ code: string; message: string }> = [];
  let successes = 0;
  const connections = await clients(db, 20);
  try {
    await Promise.all(
      connections.map(async (c, worker) => {
        for (let i = worker; i < 200; i += 20) {
          const pick = () => pool[picks[next++ % picks.length]];
          try {
            if (operations[i] === 0) {
              const r = await addMember(c, flowId, pick());
              if (r.status === 'added') successes++;
            } else if (operations[i] === 1) {
              // Like a client's revision-retry loop: re-read and retry a stale revision a few times.
              const [up, down] = [pick(), pick()];
              for (let attempt = 0; ; attempt++) {
                try {
                  const r = await stage(c, flowId, up, down, { expected: await revisionOf(c, flowId) });
                  if (r.status === 'staged') {
                    successes++;
                    staged.push(r.edge_id);
                  }
                  break;
                } catch (error) {
                  if ((error as { code: string }).code !== SQLSTATE.stale_graph_revision || attempt === 4) throw error;
                }
              }
            } else if (operations[i] === 2) {
              if (staged.length === 0) continue;
              const r = await apply(c, flowId, staged[picks[next++ % picks.length] % staged.length]);
              if (r.status === 'applied') successes++;
            } else {
              const outcome = ['success', 'success', 'failed', 'skipped'][picks[next++ % picks.length] % 4];
              const r = await complete(c, pick(), outcome);
              if (r.status === 'completed') successes++;
            }
          } catch (error) {
            const e = error as { code: string; message: string };
            errors.push({ code: e.code, message: e.message });
          }
        }
      }),
    );
  } finally {
    connections.forEach((c) => c.release());
  }
  const ours = new Set(Object.values(SQLSTATE) as string[]);
  t.deepEqual(
    errors.filter((e) => !ours.has(e.code)),
    [],
    'every refusal is one of ours',
  );
  t.false(errors.some((e) => e.code === '40P01'));
  t.log(
    `${successes} successful writes, ${errors.length} refusals: ${JSON.stringify(
      Object.entries(errors.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.message]: (acc[e.message] ?? 0) + 1 }), {})),
    )}`,
  );
  // The counters add up: revision = members + edges (each add and stage raised it by one).
  const { rows } = await db.query(
    `
    SELECT f.graph_revision::int AS revision, (f.raw_fields->>'node_count')::int AS node_count,
           (f.raw_fields->>'edge_count')::int AS edge_count,
           (SELECT count(*)::int FROM flowfabric.ff_exec_core e WHERE e.flow_id = f.flow_id) AS members,
           (SELECT count(*)::int FROM flowfabric.ff_edge e WHERE e.flow_id = f.flow_id) AS edges,
           (SELECT count(*)::int FROM flowfabric.ff_edge e WHERE e.flow_id = f.flow_id AND e.edge_state <> 'pending') AS applied,
           (SELECT coalesce(sum(g.running_count + g.success_count + g.fail_count + g.skip_count), 0)::int
              FROM flowfabric.ff_edge_group g WHERE g.flow_id = f.flow_id) AS counted
    FROM flowfabric.ff_flow_core f WHERE f.flow_id = $1`,
    [flowId],
  );
  const s = rows[0];
  t.is(s.node_count, s.members);
  t.is(s.edge_count, s.edges);
  t.is(s.revision, s.members + s.edges);
  t.is(s.counted, s.applied);
  // Still acyclic: every staged edge goes "forward" in some topological order.
  const { rows: cyclic } = await db.query(
    `
    WITH RECURSIVE walk(start, eid, depth) AS (
      SELECT upstream_eid, downstream_eid, 1 FROM flowfabric.ff_edge WHERE flow_id = $1
      UNION
      SELECT w.start, e.downstream_eid, w.depth + 1 FROM walk w
      JOIN flowfabric.ff_edge e ON e.flow_id = $1 AND e.upstream_eid = w.eid WHERE w.depth < 60)
    SELECT count(*)::int AS n FROM walk WHERE start = eid`,
    [flowId],
  );
  t.is(cyclic[0].n, 0);
}

test('no deadlock under 200 mixed concurrent add / stage / apply calls from 20 connections', (t) => mixedLoad(t, 3));

test('no deadlock under 200 mixed concurrent add / stage / apply / complete calls from 20 connections', (t) => mixedLoad(t, 4));

/**
 * The same mix on started flows, where completions resolve their children in the completing
 * transaction and the last ones finish their flow: 8 started flows, 20 connections adding
 * members (some already terminal), staging and applying edges and completing members at random;
 * then every member left is completed at once, so the last completions of each flow race with
 * each other and with the staging calls. No deadlock; every flow ends completed or failed.
 */
test('no deadlock when completions finish flows: add / stage / apply / complete on 8 started flows from 20 connections', async (t) => {
  t.timeout(120_000);
  const db = await testDatabase(t, { max: 25 });
  let seed = 7;
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const flows: Array<{ flowId: string; members: string[]; spare: string[]; staged: string[] }> = [];
  for (let f = 0; f < 8; f++) {
    const { flowId } = await createFlow(db);
    const members = await createMembers(db, flowId, 6);
    for (let i = 1; i < 6; i++) await connect(db, flowId, members[random(i)]!, members[i]!);
    const spare: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await createExecution(db, { flowId });
      if (i % 2 === 0) await complete(db, id, ['success', 'failed'][random(2)]!); // terminal before it is added
      spare.push(id);
    }
    await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
    flows.push({ flowId, members, spare, staged: [] });
  }
  const errors: Array<{ code: string; message: string }> = [];
  const attempt = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      const e = error as { code: string; message: string };
      errors.push({ code: e.code, message: e.message });
    }
  };
  const outcomes = ['success', 'success', 'success', 'failed', 'skipped'];
  const connections = await clients(db, 20);
  try {
    await Promise.all(
      connections.map(async (c) => {
        for (let i = 0; i < 15; i++) {
          const flow = flows[random(flows.length)]!;
          const op = random(4);
          if (op === 0 && flow.spare.length > 0) {
            const id = flow.spare.splice(random(flow.spare.length), 1)[0]!;
            await attempt(async () => {
              await addMember(c, flow.flowId, id);
              flow.members.push(id);
            });
          } else if (op === 1) {
            const [up, down] = [flow.members[random(flow.members.length)]!, flow.members[random(flow.members.length)]!];
            await attempt(async () => {
              for (let n = 0; ; n++) {
                try {
                  const r = await stage(c, flow.flowId, up, down, { expected: await revisionOf(c, flow.flowId) });
                  flow.staged.push(r.edge_id);
                  return;
                } catch (error) {
                  if ((error as { code: string }).code !== SQLSTATE.stale_graph_revision || n === 4) throw error;
                }
              }
            });
          } else if (op === 2 && flow.staged.length > 0) {
            await attempt(() => apply(c, flow.flowId, flow.staged[random(flow.staged.length)]!));
          } else {
            await attempt(() => complete(c, flow.members[random(flow.members.length)]!, outcomes[random(outcomes.length)]!));
          }
        }
      }),
    );
    // The end: every member still open is completed at once, 20 connections.
    const { rows: open } = await db.query(
      `SELECT '{fp:' || partition_key || '}:' || execution_id AS id FROM flowfabric.ff_exec_core
       WHERE flow_id = ANY ($1::uuid[]) AND lifecycle_phase <> 'terminal' ORDER BY random()`,
      [flows.map((f) => f.flowId)],
    );
    await Promise.all(
      connections.map(async (c, k) => {
        for (let i = k; i < open.length; i += connections.length) await attempt(() => complete(c, open[i].id, 'success'));
      }),
    );
  } finally {
    connections.forEach((c) => c.release());
  }
  const ours = new Set(Object.values(SQLSTATE) as string[]);
  t.deepEqual(
    errors.filter((e) => !ours.has(e.code)),
    [],
    'every refusal is one of ours (no deadlock 40P01)',
  );
  t.log(
    `${errors.length} refusals: ${JSON.stringify(
      Object.entries(errors.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.message]: (acc[e.message] ?? 0) + 1 }), {})),
    )}`,
  );
  // Deferred hops (skipped children) and flow checks deferred because the flow row was busy.
  await drain(connectionStringOf(db));
  const { rows } = await db.query(
    `
    SELECT f.flow_id, f.public_flow_state,
           (SELECT count(*)::int FROM flowfabric.ff_exec_core e WHERE e.flow_id = f.flow_id AND e.lifecycle_phase <> 'terminal') AS open,
           (SELECT count(*)::int FROM flowfabric.ff_edge e WHERE e.flow_id = f.flow_id AND e.edge_state = 'applied') AS unresolved,
           (SELECT bool_or(e.terminal_outcome IN ('failed', 'cancelled', 'expired')) FROM flowfabric.ff_exec_core e
             WHERE e.flow_id = f.flow_id) AS any_failed
    FROM flowfabric.ff_flow_core f WHERE f.flow_id = ANY ($1::uuid[])`,
    [flows.map((f) => f.flowId)],
  );
  for (const r of rows) {
    t.like(r, { open: 0, unresolved: 0, public_flow_state: r.any_failed ? 'failed' : 'completed' }, r.flow_id);
  }
});

/**
 * The 100,000-execution chain. FIXTURE SHORTCUT: the chain is inserted directly with set-based
 * SQL into ff_exec_core and ff_edge (rows shaped exactly as ff_create_execution,
 * ff_add_execution_to_flow and ff_stage_dependency_edge write them) and the flow row's counters
 * and revision are fixed up, because 200,000 staging calls would take minutes. Autovacuum is
 * switched off on the two tables so they stay never analysed, the case docs/semantics.md §4.3 step 6 names.
 */
test('a 100,000-execution chain on never-analysed tables: tail -> head is cycle_detected, non-cycles stage', async (t) => {
  t.timeout(60_000);
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const N = 100_000;
  const started = Date.now();
  await db.query(`ALTER TABLE flowfabric.ff_exec_core SET (autovacuum_enabled = false)`);
  await db.query(`ALTER TABLE flowfabric.ff_edge SET (autovacuum_enabled = false)`);
  const node = (i: string) => `md5($1::text || ':node:' || ${i})::uuid`;
  await db.query(
    `
    INSERT INTO flowfabric.ff_exec_core (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
      eligibility_state, public_state, attempt_state, blocking_reason, priority, created_at_ms)
    SELECT $2, ${node('i')}, $1::uuid, 'default', 'runnable', 'unowned', 'eligible_now', 'waiting', 'pending_first_attempt',
           'waiting_for_worker', 0, $3
    FROM generate_series(1, $4::int) i`,
    [flowId, partition, NOW, N],
  );
  await db.query(
    `
    INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                                    staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, edge_state)
    SELECT $2, $1::uuid, md5($1::text || ':edge:' || i)::uuid, ${node('i')}, ${node('i + 1')}, 1,
           $3::bigint, $4::int + i, 'success_only', '', 'pending'
    FROM generate_series(1, $4::int - 1) i`,
    [flowId, partition, NOW, N],
  );
  await db.query(
    `
    UPDATE flowfabric.ff_flow_core
    SET graph_revision = 2 * $2::int - 1,
        raw_fields = raw_fields || jsonb_build_object('node_count', $2::int, 'edge_count', $2::int - 1)
    WHERE flow_id = $1::uuid`,
    [flowId, N],
  );
  t.log(`fixture: ${N} executions and ${N - 1} edges inserted in ${Date.now() - started} ms`);
  const { rows: stats } = await db.query(`
    SELECT relname, last_analyze, last_autoanalyze FROM pg_stat_user_tables
    WHERE schemaname = 'flowfabric' AND relname IN ('ff_edge', 'ff_exec_core')`);
  t.true(
    stats.every((s) => s.last_analyze === null && s.last_autoanalyze === null),
    'the tables were never analysed',
  );

  const ids = (
    await db.query(`SELECT i, '{fp:' || $2 || '}:' || ${node('i')} AS id FROM generate_series(1, $3::int) i`, [
      flowId,
      partition,
      N,
    ])
  ).rows.map((r) => r.id as string);
  const head = ids[0];
  const tail = ids[N - 1];
  let revision = 2 * N - 1;

  // (a) tail -> head closes a cycle of N + 1 entries: tail, 1, 2, ..., N.
  let clock = Date.now();
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: tail, down: head, rev: revision }),
    'cycle_detected',
  );
  t.log(`tail -> head refused (cycle_detected) in ${Date.now() - clock} ms`);
  const full = [tail, ...ids.slice(0, 9)];
  t.is(error.detail, [...full, `… (${N + 1 - 20} more) …`, ...ids.slice(N - 10)].join(' -> '));

  // (b) edges that close no cycle stage: head -> a new member, then node 1 -> node 50,000
  // (the walk from node 50,000 follows the other half of the chain to its tail).
  const fresh = await createExecution(db, { flowId });
  await addMember(db, flowId, fresh);
  revision += 1;
  clock = Date.now();
  const r1 = (await run(db, { flow: flowId, edge: randomUUID(), up: head, down: fresh, rev: revision })).rows[0];
  t.log(`head -> new member staged in ${Date.now() - clock} ms`);
  t.is(r1.status, 'staged');
  revision += 1;
  clock = Date.now();
  const r2 = (await run(db, { flow: flowId, edge: randomUUID(), up: ids[0], down: ids[49_999], rev: revision })).rows[0];
  t.log(`node 1 -> node 50,000 staged in ${Date.now() - clock} ms (walks 50,001 nodes)`);
  t.is(r2.status, 'staged');
  t.is(r2.graph_revision, String(revision + 1));
  // A back edge in the middle of the chain: node 75,000 -> node 60,000 closes a cycle of 15,002 entries.
  clock = Date.now();
  const mid = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: ids[74_999], down: ids[59_999], rev: revision + 1 }),
    'cycle_detected',
  );
  t.log(`node 75,000 -> node 60,000 refused (cycle_detected) in ${Date.now() - clock} ms`);
  const cycle = [ids[74_999], ...ids.slice(59_999, 75_000)];
  t.is(cycle.length, 15_002);
  t.is(mid.detail, [...cycle.slice(0, 10), '… (14982 more) …', ...cycle.slice(-10)].join(' -> '));
});

/**
 * Ten fully connected layers of 100 executions (90,000 edges): every node has in- and out-degree
 * 100, so a walk that expanded a node once per predecessor would make 100 x 100 probes per node.
 * FIXTURE SHORTCUT as above: rows inserted directly, counters fixed up.
 */
test('a dense layered graph (10 x 100 nodes, 90,000 edges): non-cycles stage, a back edge is refused with a real cycle', async (t) => {
  t.timeout(60_000);
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  await db.query(`ALTER TABLE flowfabric.ff_edge SET (autovacuum_enabled = false)`);
  const node = (l: string, n: string) => `md5($1::text || ':' || ${l} || ':' || ${n})::uuid`;
  await db.query(
    `
    INSERT INTO flowfabric.ff_exec_core (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
      eligibility_state, public_state, attempt_state, blocking_reason, priority, created_at_ms)
    SELECT $2, ${node('l', 'n')}, $1::uuid, 'default', 'runnable', 'unowned', 'eligible_now', 'waiting', 'pending_first_attempt',
           'waiting_for_worker', 0, $3
    FROM generate_series(1, 10) l, generate_series(1, 100) n`,
    [flowId, partition, NOW],
  );
  await db.query(
    `
    INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                                    staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, edge_state)
    SELECT $2, $1::uuid, gen_random_uuid(), ${node('l', 'a')}, ${node('l + 1', 'b')}, 1,
           $3::bigint, 1, 'success_only', '', 'pending'
    FROM generate_series(1, 9) l, generate_series(1, 100) a, generate_series(1, 100) b`,
    [flowId, partition, NOW],
  );
  await db.query(
    `UPDATE flowfabric.ff_flow_core SET graph_revision = 91000,
    raw_fields = raw_fields || '{"node_count": 1000, "edge_count": 90000}' WHERE flow_id = $1`,
    [flowId],
  );
  const id = async (l: number, n: number) =>
    (await db.query(`SELECT '{fp:' || $2 || '}:' || ${node('$3::int', '$4::int')} AS id`, [flowId, partition, l, n])).rows[0]
      .id as string;

  let clock = Date.now();
  const ok = (await run(db, { flow: flowId, edge: randomUUID(), up: await id(1, 2), down: await id(1, 1), rev: 91000 })).rows[0];
  t.log(`layer-1 node -> layer-1 node staged in ${Date.now() - clock} ms (walks all 901 nodes below it)`);
  t.is(ok.status, 'staged');

  clock = Date.now();
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, edge: randomUUID(), up: await id(10, 1), down: await id(1, 1), rev: 91001 }),
    'cycle_detected',
  );
  t.log(`layer-10 node -> layer-1 node refused in ${Date.now() - clock} ms`);
  const path = (error.detail ?? '').split(' -> ');
  t.is(path.length, 11);
  t.is(path[0], await id(10, 1));
  t.is(path[1], await id(1, 1));
  t.is(path[10], await id(10, 1));
  const { rows } = await db.query(
    `
    SELECT count(*)::int AS n FROM unnest($2::text[], $3::text[]) AS step(up, down)
    JOIN flowfabric.ff_edge e ON e.flow_id = $1 AND e.upstream_eid = substring(step.up from '[0-9a-f-]{36}$')::uuid
                              AND e.downstream_eid = substring(step.down from '[0-9a-f-]{36}$')::uuid`,
    [flowId, path.slice(1, 10), path.slice(2, 11)],
  );
  t.is(rows[0].n, 9, 'every step after the new edge is a staged edge');
});
