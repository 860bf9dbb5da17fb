// docs/semantics.md §4.5: ff_stage_dependency_edges stages a batch of edges all or nothing: the checks of 4.3 for
// every entry (the batch's entries against each other too), one revision check, revision + n,
// a dry run that writes nothing, and refusals that name the offending entry p_edges[i].
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  assertRefused,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  createExecution,
  createFlow,
  createMembers,
  edgeRow,
  events,
  flowRow,
  makeFlowTerminal,
  otherPartition,
  revisionOf,
  snapshot,
  stage,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';
import { plansOf, repeatedScans } from '../helpers/plans.js';
import type { Db } from '../helpers/fixtures.js';

const STAGE = `SELECT * FROM flowfabric.ff_stage_dependency_edges(
  p_flow_id => $1, p_expected_graph_revision => $2, p_edges => $3, p_dry_run => $4, p_now_ms => $5)`;

interface Edge {
  edge_id?: unknown;
  upstream_execution_id?: unknown;
  downstream_execution_id?: unknown;
  dependency_kind?: unknown;
  data_passing_ref?: unknown;
  [key: string]: unknown;
}

interface Call {
  flow: string | null;
  rev: number | null;
  edges: unknown;
  dryRun?: boolean | null;
  now?: number | null;
}
/** Calls ff_stage_dependency_edges; `edges` is sent as JSON (a string is sent as a JSON string). */
const run = (db: Db, c: Call) =>
  db.query(STAGE, [
    c.flow,
    c.rev,
    c.edges === null ? null : JSON.stringify(c.edges),
    c.dryRun === undefined ? false : c.dryRun,
    c.now ?? null,
  ]);

/** An entry of p_edges with a fresh edge_id. */
const edge = (up: string, down: string, extra: Edge = {}): Edge => ({
  edge_id: randomUUID(),
  upstream_execution_id: up,
  downstream_execution_id: down,
  ...extra,
});

/** A flow with `n` members; returns the flow, the members and its revision. */
async function flowWith(db: Db, n: number) {
  const flow = await createFlow(db);
  const members = await createMembers(db, flow.flowId, n);
  return { ...flow, members, revision: await revisionOf(db, flow.flowId) };
}

// The happy path
test('staged: returns (staged, n, expected + n); revision and edge_count rise by n', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
    revision,
  } = await flowWith(db, 4);
  const batch = [edge(a, b), edge(b, c), edge(a, d)];
  const { rows } = await run(db, { flow: flowId, rev: revision, edges: batch, now: NOW + 5 });
  t.deepEqual(rows, [{ status: 'staged', edges_staged: 3, graph_revision: String(revision + 3) }]);
  const flow = await flowRow(db, flowId);
  t.is(flow.graph_revision, String(revision + 3));
  t.like(flow.raw_fields, { node_count: 4, edge_count: 3, last_mutation_at_ms: NOW + 5 });
});

test('staged: each edge is stored as ff_stage_dependency_edge stores it, staged_graph_revision = expected + its position', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    partition,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [
    edge(a, b, { data_passing_ref: 'input' }),
    edge(uuidOf(b), uuidOf(c), { dependency_kind: 'success_only' }),
    edge(a, c, { data_passing_ref: null }),
  ];
  await run(db, { flow: flowId, rev: revision, edges: batch, now: NOW });
  const expected = [
    [a, b, 'input'],
    [b, c, ''],
    [a, c, ''],
  ];
  for (const [i, [up, down, ref]] of expected.entries()) {
    const row = await edgeRow(db, flowId, batch[i].edge_id as string);
    t.like(row, { partition_key: partition, upstream_eid: uuidOf(up), downstream_eid: uuidOf(down), policy_version: 1 });
    t.deepEqual(row.policy, {
      dependency_kind: 'success_only',
      satisfaction_condition: 'all_required',
      data_passing_ref: ref,
      edge_state: 'pending',
      created_at_ms: NOW,
      created_by: 'engine',
      staged_at_ms: NOW,
      staged_graph_revision: revision + i + 1,
      applied_at_ms: null,
    });
  }
});

test('staged: one stage_dependency_edge event per edge, in array order, at the revision after that edge, canonical ids', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(uuidOf(a), uuidOf(b), { data_passing_ref: 'x' }), edge(b, c)];
  const before = (await events(db, flowId)).length;
  await run(db, { flow: flowId, rev: revision, edges: batch, now: NOW });
  const log = (await events(db, flowId)).slice(before);
  t.is(log.length, 2);
  t.like(log[0], { operation: 'stage_dependency_edge', graph_revision: String(revision + 1), occurred_at_ms: String(NOW) });
  t.deepEqual(log[0].arguments, {
    edge_id: batch[0].edge_id,
    upstream_execution_id: a,
    downstream_execution_id: b,
    dependency_kind: 'success_only',
    data_passing_ref: 'x',
  });
  t.like(log[1], { operation: 'stage_dependency_edge', graph_revision: String(revision + 2), occurred_at_ms: String(NOW) });
  t.deepEqual(log[1].arguments, {
    edge_id: batch[1].edge_id,
    upstream_execution_id: b,
    downstream_execution_id: c,
    dependency_kind: 'success_only',
    data_passing_ref: '',
  });
});

test('staged: parallel edges (two edge_ids between one pair) in one batch are allowed', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const { rows } = await run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(a, b)] });
  t.is(rows[0].status, 'staged');
  t.is((await flowRow(db, flowId)).raw_fields.edge_count, 2);
});

test("staged: the staged edges are the flow's graph at that revision for ff_describe_flow_at", async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c)];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  const { rows } = await db.query(`SELECT edge_count, edges FROM flowfabric.ff_describe_flow_at($1, $2)`, [flowId, revision + 1]);
  t.is(Number(rows[0].edge_count), 1);
  t.is(rows[0].edges[0].edge_id, batch[0].edge_id);
});

// Dry run
test('dry run: would_stage with n and the current revision, nothing written, no event', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c)];
  const before = await snapshot(db);
  const { rows } = await run(db, { flow: flowId, rev: revision, edges: batch, dryRun: true });
  t.deepEqual(rows, [{ status: 'would_stage', edges_staged: 2, graph_revision: String(revision) }]);
  t.deepEqual(await snapshot(db), before);
});

test('dry run: the same batch then stages for real at the same revision', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c)];
  await run(db, { flow: flowId, rev: revision, edges: batch, dryRun: true });
  const { rows } = await run(db, { flow: flowId, rev: revision, edges: batch });
  t.deepEqual(rows, [{ status: 'staged', edges_staged: 2, graph_revision: String(revision + 2) }]);
});

test('dry run: a cycle formed by the batch is still refused cycle_detected naming the entry, nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(b, c), edge(c, a)], dryRun: true }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[2]: ${c} -> ${a} -> ${b} -> ${c}`);
});

test('dry run: a duplicate edge_id within the batch is still refused dependency_already_exists', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const first = edge(a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [first, edge(b, c, { edge_id: first.edge_id })], dryRun: true }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
});

test('dry run: a stale revision is refused stale_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision - 1, edges: [edge(a, b)], dryRun: true }),
    'stale_graph_revision',
  );
});

test('dry run: a full replay answers already_staged, as the real call would', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const batch = [edge(a, b)];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    run(db, { flow: flowId, rev: revision, edges: batch, dryRun: true }),
  );
  t.deepEqual(rows, [{ status: 'already_staged', edges_staged: 0, graph_revision: String(revision + 1) }]);
});

// Step 1
test('1. an entry with upstream = downstream is self_referencing_edge naming its index, nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(b, uuidOf(b)), edge(a, a)] }),
    'self_referencing_edge',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
});

test('1. self reference is checked before the flow exists and before the revision', async (t) => {
  const db = await testDatabase(t);
  const x = randomUUID();
  const error = await assertRefused(
    t,
    run(db, { flow: randomUUID(), rev: 99, edges: [edge(randomUUID(), randomUUID()), edge(x, x)] }),
    'self_referencing_edge',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
});

// Step 2
test('2. a missing flow is flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: randomUUID(), rev: 0, edges: [edge(randomUUID(), randomUUID())] }),
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
      () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b)] }),
      'flow_already_terminal',
    );
  });
}

test('2. a terminal flow is refused even for a full replay (step 2 before step 3)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const batch = [edge(a, b)];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  await makeFlowTerminal(db, flowId);
  await assertRefusedWritesNothing(t, db, () => run(db, { flow: flowId, rev: revision, edges: batch }), 'flow_already_terminal');
});

// Step 3
test('3. a full replay is already_staged with the highest staged revision, nothing written, even after the revision moved on', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c), edge(a, c)];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  await stage(db, flowId, c, (await createMembers(db, flowId, 1))[0]);
  const { rows } = await assertReplayWritesNothing(t, db, () => run(db, { flow: flowId, rev: revision, edges: batch }));
  t.deepEqual(rows, [{ status: 'already_staged', edges_staged: 0, graph_revision: String(revision + 3) }]);
});

test('3. a replay in another order and with bare uuids is still already_staged', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c)];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  const again = [batch[1], batch[0]].map((e) => ({
    ...e,
    upstream_execution_id: uuidOf(e.upstream_execution_id as string),
    downstream_execution_id: uuidOf(e.downstream_execution_id as string),
  }));
  const { rows } = await assertReplayWritesNothing(t, db, () => run(db, { flow: flowId, rev: 0, edges: again }));
  t.deepEqual(rows, [{ status: 'already_staged', edges_staged: 0, graph_revision: String(revision + 2) }]);
});

test('3. a batch only partly staged is no replay: at a stale revision it is stale_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const first = edge(a, b);
  await run(db, { flow: flowId, rev: revision, edges: [first] });
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [first, edge(b, c)] }),
    'stale_graph_revision',
  );
});

test('3. a batch only partly staged, at the current revision, is dependency_already_exists naming the staged entry', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const first = edge(a, b);
  await run(db, { flow: flowId, rev: revision, edges: [first] });
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [edge(b, c), first] }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
});

test('3. a replay whose entry appears twice is no replay (a fresh call would refuse the repeat)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const first = edge(a, b);
  await run(db, { flow: flowId, rev: revision, edges: [first] });
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [first, first] }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('p_edges[0]: '), error.detail);
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
    () => run(db, { flow: flowId, rev: revision - 1, edges: [edge(a, b)] }),
    'stale_graph_revision',
  );
  t.regex(error.detail ?? '', new RegExp(`expected_graph_revision=${revision - 1}\\b.*current_graph_revision=${revision}\\b`));
});

test('4. stale revision is checked before membership and cycles (step 4 before 5-7)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  await assertRefused(
    t,
    run(db, { flow: flowId, rev: revision + 1, edges: [edge(randomUUID(), randomUUID()), edge(a, b), edge(b, a)] }),
    'stale_graph_revision',
  );
});

test('4. two batches at the same revision at once: one is staged, the other stale_graph_revision', async (t) => {
  const db = await testDatabase(t, { max: 8 });
  const { flowId, members, revision } = await flowWith(db, 6);
  const conns = await clients(db, 2);
  try {
    const results = await Promise.allSettled([
      run(conns[0], { flow: flowId, rev: revision, edges: [edge(members[0], members[1]), edge(members[1], members[2])] }),
      run(conns[1], { flow: flowId, rev: revision, edges: [edge(members[3], members[4]), edge(members[4], members[5])] }),
    ]);
    const staged = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.is(staged.length, 1);
    t.is(refused.length, 1);
    t.is(refused[0].reason.code, 'FF006');
    t.is(refused[0].reason.message, 'stale_graph_revision');
    t.is(await revisionOf(db, flowId), revision + 2);
    t.is((await flowRow(db, flowId)).raw_fields.edge_count, 2);
  } finally {
    for (const c of conns) c.release();
  }
});

test('4. the same batch twice, both waiting on the flow lock: one is staged, the other already_staged (replay re-checked under the lock)', async (t) => {
  const db = await testDatabase(t, { max: 8 });
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const batch = [edge(a, b), edge(b, c)];
  const [holder, ...conns] = await clients(db, 3);
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1 FOR UPDATE', [flowId]);
    const calls = conns.map((conn) => run(conn, { flow: flowId, rev: revision, edges: batch }));
    // Both calls passed the unlocked read (no replay yet) and wait for the flow row.
    for (let waiting = 0; waiting < 2;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      waiting = Number(
        (
          await holder.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%ff_stage_dependency_edges%'`,
          )
        ).rows[0].n,
      );
    }
    await holder.query('COMMIT');
    const results = await Promise.all(calls);
    t.deepEqual(results.map((r) => r.rows[0].status).sort(), ['already_staged', 'staged']);
    t.true(results.every((r) => r.rows[0].graph_revision === String(revision + 2)));
    t.is(await revisionOf(db, flowId), revision + 2);
  } finally {
    for (const c of [holder, ...conns]) c.release();
  }
});

// Step 5
test('5. an upstream not in the flow is execution_not_in_flow naming the entry and the upstream', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const outsider = await createExecution(db, { flowId });
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(outsider, b)] }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith(`p_edges[1]: upstream_execution_id=${outsider}`), error.detail);
});

test('5. a missing downstream is execution_not_in_flow naming the entry and the canonical downstream', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    partition,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const missing = randomUUID();
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(b, missing), edge(randomUUID(), a)] }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith(`p_edges[1]: downstream_execution_id={fp:${partition}}:${missing}`), error.detail);
});

test('5. membership is checked before cycles: a not-in-flow entry after a cycle-closing one is what is reported', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(b, a), edge(a, randomUUID())] }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith('p_edges[2]: '), error.detail);
});

test('5. a {fp:N} prefix on another partition is invalid_input partition_mismatch naming p_edges[i].<field>', async (t) => {
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
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(a, wrong)] }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch: p_edges[1].downstream_execution_id '), error.detail);
});

// Steps 6-7
test('6. a cycle formed only by the batch (a->b, b->c, c->a) is cycle_detected naming index 2, nothing written', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b), edge(b, c), edge(c, a)] }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[2]: ${c} -> ${a} -> ${b} -> ${c}`);
});

test('6. a cycle through existing edges and earlier entries is cycle_detected with the path', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
    revision,
  } = await flowWith(db, 4);
  await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [edge(c, d), edge(b, c), edge(d, a)] }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[2]: ${d} -> ${a} -> ${b} -> ${c} -> ${d}`);
});

test('6. an entry closing a cycle with existing edges alone is cycle_detected naming it', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [edge(b, c), edge(b, a)] }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[1]: ${b} -> ${a} -> ${b}`);
});

test('6. a cycle is reported before a later duplicate: the first failing entry decides', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const first = edge(a, b);
  const error = await assertRefused(
    t,
    run(db, { flow: flowId, rev: revision, edges: [first, edge(b, a), { ...first }] }),
    'cycle_detected',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
});

test('6. an entry reusing a staged edge_id that also closes a cycle is cycle_detected (step 6 before step 7)', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const { edge_id } = await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [edge(b, c), edge(c, a, { edge_id })] }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[1]: ${c} -> ${a} -> ${b} -> ${c}`);
});

test('6. when several entries close cycles, the first of them is named, with the cycle it closes', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
    revision,
  } = await flowWith(db, 4);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [edge(c, d), edge(a, b), edge(d, c), edge(b, a)] }),
    'cycle_detected',
  );
  t.is(error.detail, `p_edges[2]: ${d} -> ${c} -> ${d}`);
});

test('7. a duplicate edge_id within the batch is dependency_already_exists naming the later entry, DETAIL the earlier edge', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const first = edge(a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision, edges: [first, edge(b, c, { edge_id: first.edge_id })], now: NOW }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
  t.like(JSON.parse((error.detail ?? '').replace(/^p_edges\[1\]: /, '')), {
    flow_id: flowId,
    edge_id: first.edge_id,
    upstream_execution_id: a,
    downstream_execution_id: b,
    staged_graph_revision: revision + 1,
  });
});

test('7. an edge_id already staged with other endpoints is dependency_already_exists, DETAIL the existing edge', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c],
    revision,
  } = await flowWith(db, 3);
  const { edge_id } = await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [edge(b, c), edge(a, c, { edge_id })] }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('p_edges[1]: '), error.detail);
  t.like(JSON.parse((error.detail ?? '').replace(/^p_edges\[1\]: /, '')), {
    flow_id: flowId,
    edge_id,
    upstream_execution_id: a,
    downstream_execution_id: b,
    staged_graph_revision: revision + 1,
  });
});

// docs/semantics.md §10.1: kinds and conditions in a batch
test('staged: each entry keeps its dependency_kind and condition; the log carries them', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b, c, d],
    revision,
  } = await flowWith(db, 4);
  const batch = [
    edge(a, b, { dependency_kind: 'failure_only' }),
    edge(a, c, { condition: '$.rows > 0' }),
    edge(a, d, { dependency_kind: 'any_outcome', condition: '$.x == 1' }),
  ];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  t.like((await edgeRow(db, flowId, batch[0]!.edge_id as string)).policy, { dependency_kind: 'failure_only' });
  t.false('condition' in (await edgeRow(db, flowId, batch[0]!.edge_id as string)).policy);
  t.like((await edgeRow(db, flowId, batch[1]!.edge_id as string)).policy, {
    dependency_kind: 'success_only',
    condition: '$.rows > 0',
  });
  t.like((await edgeRow(db, flowId, batch[2]!.edge_id as string)).policy, {
    dependency_kind: 'any_outcome',
    condition: '$.x == 1',
  });
  const logged = (await events(db, flowId)).filter((e) => e.operation === 'stage_dependency_edge');
  t.like(logged[2]!.arguments, { dependency_kind: 'any_outcome', condition: '$.x == 1' });
});

test("a replay must repeat each entry's kind and condition: the same batch is already_staged, another condition is dependency_already_exists", async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const batch = [edge(a, b, { dependency_kind: 'failure_only', condition: '$.code == 2' })];
  await run(db, { flow: flowId, rev: revision, edges: batch });
  t.is((await run(db, { flow: flowId, rev: revision, edges: batch })).rows[0].status, 'already_staged');
  await assertRefusedWritesNothing(
    t,
    db,
    () => run(db, { flow: flowId, rev: revision + 1, edges: [{ ...batch[0], condition: '$.code == 3' }] }),
    'dependency_already_exists',
  );
});

// Argument validation
const invalid: Array<[string, (m: { a: string; b: string }) => unknown, string]> = [
  ['p_edges NULL', () => null, 'p_edges:'],
  ['p_edges an object, not an array', ({ a, b }) => edge(a, b), 'p_edges:'],
  ['p_edges a JSON string', () => 'edges', 'p_edges:'],
  ['p_edges an empty array', () => [], 'p_edges:'],
  ['an entry that is not an object', ({ a, b }) => [edge(a, b), [a, b]], 'p_edges[1]:'],
  ['an entry with an unknown key', ({ a, b }) => [edge(a, b, { data_passing_rf: 'x' })], 'p_edges[0].data_passing_rf:'],
  [
    'an entry without edge_id',
    ({ a, b }) => [edge(a, b), { upstream_execution_id: a, downstream_execution_id: b }],
    'p_edges[1].edge_id:',
  ],
  ['an edge_id that is not a uuid', ({ a, b }) => [edge(a, b, { edge_id: 'not-a-uuid' })], 'p_edges[0].edge_id:'],
  ['an edge_id that is a number', ({ a, b }) => [edge(a, b, { edge_id: 42 })], 'p_edges[0].edge_id:'],
  ['a malformed upstream id', ({ b }) => [edge('nope', b)], 'p_edges[0].upstream_execution_id:'],
  [
    'a {fp:N} prefix beyond 255',
    ({ a, b }) => [edge(a, b), edge(a, `{fp:999}:${uuidOf(b)}`)],
    'p_edges[1].downstream_execution_id:',
  ],
  [
    'a missing downstream id',
    ({ a }) => [{ edge_id: randomUUID(), upstream_execution_id: a }],
    'p_edges[0].downstream_execution_id:',
  ],
  ['an upstream id that is a number', ({ b }) => [edge(7 as unknown as string, b)], 'p_edges[0].upstream_execution_id:'],
  [
    'an unknown dependency_kind',
    ({ a, b }) => [edge(a, b), edge(a, b, { dependency_kind: 'all_done' })],
    'p_edges[1].dependency_kind:',
  ],
  [
    'a condition that is no SQL/JSON path (docs/semantics.md §10.1)',
    ({ a, b }) => [edge(a, b), edge(a, b, { condition: '$.rows >' })],
    'p_edges[1].condition:',
  ],
  ['a condition that is not a string', ({ a, b }) => [edge(a, b, { condition: true })], 'p_edges[0].condition:'],
  [
    'a data_passing_ref that is not a string',
    ({ a, b }) => [edge(a, b, { data_passing_ref: { key: 1 } })],
    'p_edges[0].data_passing_ref:',
  ],
  [
    'an empty data_passing_ref (1..1024 bytes where given, docs/semantics.md §8)',
    ({ a, b }) => [edge(a, b), edge(a, b, { data_passing_ref: '' })],
    'p_edges[1].data_passing_ref:',
  ],
];
for (const [title, edges, field] of invalid) {
  test(`validation: ${title} is invalid_input naming ${field.replace(/:$/, '')}`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const error = await assertRefusedWritesNothing(
      t,
      db,
      () => run(db, { flow: flowId, rev: revision, edges: edges({ a, b }) }),
      'invalid_input',
    );
    t.true(error.detail?.startsWith(field), error.detail);
  });
}

test('validation: more than 100000 entries (docs/semantics.md §8) is invalid_input naming p_edges', async (t) => {
  const db = await testDatabase(t);
  const {
    flowId,
    members: [a, b],
    revision,
  } = await flowWith(db, 2);
  const edges = Array.from({ length: 100_001 }, () => edge(a, b));
  const error = await assertRefusedWritesNothing(t, db, () => run(db, { flow: flowId, rev: revision, edges }), 'invalid_input');
  t.true(error.detail?.startsWith('p_edges:'), error.detail);
});

for (const [title, call, field] of [
  ['a NULL p_flow_id', { flow: null }, 'p_flow_id:'],
  ['a NULL p_expected_graph_revision', { rev: null }, 'p_expected_graph_revision:'],
  ['a negative p_expected_graph_revision', { rev: -1 }, 'p_expected_graph_revision:'],
  ['a NULL p_dry_run', { dryRun: null }, 'p_dry_run:'],
  ['a negative p_now_ms', { now: -1 }, 'p_now_ms:'],
] as Array<[string, Partial<Call>, string]>) {
  test(`validation: ${title} is invalid_input naming ${field.replace(/:$/, '')}`, async (t) => {
    const db = await testDatabase(t);
    const {
      flowId,
      members: [a, b],
      revision,
    } = await flowWith(db, 2);
    const error = await assertRefusedWritesNothing(
      t,
      db,
      () => run(db, { flow: flowId, rev: revision, edges: [edge(a, b)], ...call }),
      'invalid_input',
    );
    t.true(error.detail?.startsWith(field), error.detail);
  });
}

test('validation comes before every other check: a malformed entry in a batch for a missing flow is invalid_input', async (t) => {
  const db = await testDatabase(t);
  const x = randomUUID();
  const error = await assertRefused(
    t,
    run(db, { flow: randomUUID(), rev: 0, edges: [edge(x, x), edge(x, 'nope')] }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('p_edges[1].downstream_execution_id:'), error.detail);
});

// Size
/** `n` members created and added in one statement through the public functions; canonical ids in order. */
async function manyMembers(db: Db, flowId: string, n: number): Promise<string[]> {
  const { rows } = await db.query(
    `
    WITH created AS (
      SELECT i, c.execution_id
      FROM generate_series(1, $2::int) i
      CROSS JOIN LATERAL flowfabric.ff_create_execution(p_flow_id => $1::uuid, p_payload => jsonb_build_object('i', i)) c)
    SELECT created.execution_id FROM created
    CROSS JOIN LATERAL flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => created.execution_id) a
    ORDER BY created.i`,
    [flowId, n],
  );
  return rows.map((r) => r.execution_id as string);
}

test('a 10,000-edge chain listed downstream-first stages in one call on never-analysed tables', async (t) => {
  // One walk per entry would probe 50 million times; a probe planned onto an index led by
  // (partition_key, flow_id) would read the flow's 10,000 edges each time. Either would take
  // minutes and hit the timeout; npm run bench measures the speed.
  t.timeout(120_000);
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const members = await manyMembers(db, flowId, 10_001);
  const revision = await revisionOf(db, flowId);
  const { rows: stats } = await db.query(
    `SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables WHERE relid = 'flowfabric.ff_edge'::regclass`,
  );
  t.true(stats[0].last_analyze === null && stats[0].last_autoanalyze === null, 'ff_edge was never analysed');
  const edges = members
    .slice(0, -1)
    .map((m, i) => edge(m, members[i + 1]))
    .reverse();
  const { rows } = await run(db, { flow: flowId, rev: revision, edges });
  t.deepEqual(rows, [{ status: 'staged', edges_staged: 10_000, graph_revision: String(revision + 10_000) }]);
  t.is((await flowRow(db, flowId)).raw_fields.edge_count, 10_000);
});

test('a 3,000-edge chain listed downstream-first whose last entry closes it is cycle_detected naming index 2999', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const members = await manyMembers(db, flowId, 3000);
  const revision = await revisionOf(db, flowId);
  const edges = [
    ...members
      .slice(0, -1)
      .map((m, i) => edge(m, members[i + 1]))
      .reverse(),
    edge(members[2999], members[0]),
  ];
  const error = await assertRefusedWritesNothing(t, db, () => run(db, { flow: flowId, rev: revision, edges }), 'cycle_detected');
  const full = [members[2999], ...members];
  t.is(error.detail, `p_edges[2999]: ${[...full.slice(0, 10), '… (2981 more) …', ...full.slice(-10)].join(' -> ')}`);
});

test('a 20,000-edge chain batch on never-analysed tables: no step reads the whole flow (plan shape, not time)', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  const {
    rows: [{ never }],
  } = await db.query(`SELECT bool_and(last_analyze IS NULL AND last_autoanalyze IS NULL) AS never
    FROM pg_stat_user_tables WHERE schemaname = 'flowfabric' AND relname IN ('ff_exec_core', 'ff_edge', 'ff_edge_group')`);
  t.true(never, 'the tables were never analysed');
  const flowId = randomUUID();
  const ids = Array.from({ length: 20_001 }, () => randomUUID());
  await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)`, [
    flowId,
    JSON.stringify({ executions: ids.map((id) => ({ execution_id: id })) }),
  ]);
  const chain = ids.slice(1).map((id, i) => edge(ids[i]!, id));
  const client = await db.connect();
  let plans: string[];
  try {
    plans = await plansOf(client, STAGE, [flowId, 20_001, JSON.stringify(chain), false, null], true);
  } finally {
    client.release();
  }
  t.deepEqual(repeatedScans(plans), [], 'no node runs once per step over many rows');
  t.deepEqual(
    plans.filter((p) => /Seq Scan on ff_(edge|exec_core|edge_group)\b/.test(p)),
    [],
  );
  t.is((await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_edge')).rows[0].n, 20_000);
});
