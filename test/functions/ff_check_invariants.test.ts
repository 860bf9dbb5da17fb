// ff_check_invariants: no row for flows the ff_ functions built and ran; each invariant reported
// once a row is corrupted by hand (the tests connect as a superuser, so they can).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { testDatabase } from '../helpers/database.js';
import type { Db } from '../helpers/fixtures.js';

const FLOW = '11111111-1111-1111-1111-111111111111'; // partition 6
const [A, B, C, D] = ['a', 'b', 'c', 'd'].map((x) => `0000000${x}-0000-4000-8000-000000000000`);
const [AB, AC, BD, CD] = [1, 2, 3, 4].map((i) => `e0000000-0000-4000-8000-00000000000${i}`);

/** a -> b, a -> c, b -> d, c -> d; d any_of with cancel_remaining; started. */
async function diamond(t: ExecutionContext): Promise<Db> {
  const db = await testDatabase(t);
  const plan = {
    executions: [A, B, C, D].map((execution_id) => ({ execution_id })),
    groups: [{ downstream_execution_id: D, kind: 'any_of', on_satisfied: 'cancel_remaining' }],
    edges: [
      [AB, A, B],
      [AC, A, C],
      [BD, B, D],
      [CD, C, D],
    ].map(([edge_id, up, down]) => ({
      edge_id,
      upstream_execution_id: up,
      downstream_execution_id: down,
    })),
  };
  await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2, p_start => true)`, [FLOW, plan]);
  return db;
}

async function complete(db: Db, executionId: string, outcome: string) {
  await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2)`, [executionId, outcome]);
}

async function violations(db: Db, flowId: string | null = FLOW) {
  const { rows } = await db.query(`SELECT * FROM flowfabric.ff_check_invariants(p_flow_id => $1) ORDER BY 2, 3`, [flowId]);
  return rows as Array<{ flow_id: string; invariant: string; detail: string }>;
}

async function invariantsReported(db: Db, flowId: string | null = FLOW) {
  return new Set((await violations(db, flowId)).map((v) => v.invariant));
}

test('a flow built, run to its end and checked at every step has no violation', async (t) => {
  const db = await diamond(t);
  t.deepEqual(await violations(db), []);
  await complete(db, A, 'success');
  t.deepEqual(await violations(db), []);
  await complete(db, B, 'failed');
  t.deepEqual(await violations(db), []);
  await complete(db, C, 'success'); // d's any_of is satisfied
  t.deepEqual(await violations(db), []);
  await complete(db, D, 'success');
  const { rows } = await db.query(`SELECT public_flow_state FROM flowfabric.ff_flow_core`);
  t.is(rows[0].public_flow_state, 'failed');
  t.deepEqual(await violations(db), []);
  t.deepEqual(await violations(db, null), []);
});

test('a skipped child whose outgoing edges wait for their cascade job is not a violation', async (t) => {
  const db = await diamond(t);
  await db.query(
    `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1, p_downstream_execution_id => $2, p_kind => 'all_of')`,
    [FLOW, B],
  );
  await complete(db, A, 'failed'); // b and c are skipped; their edges into d are left to a job
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM flowfabric.ff_edge WHERE edge_state = 'applied'`);
  t.is(rows[0].n, 2);
  t.deepEqual(await violations(db), []);
});

test('a cancelled flow (cancel_all) has no violation: its members are cancelled without cascading', async (t) => {
  const db = await diamond(t);
  await complete(db, A, 'success');
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'test')`, [FLOW]);
  t.deepEqual(await violations(db, null), []);
});

test('a flow that does not exist has no violation', async (t) => {
  const db = await diamond(t);
  t.deepEqual(await violations(db, '33333333-3333-3333-3333-333333333333'), []);
});

const OTHER_FLOW = '22222222-2222-2222-2222-222222222222';
const NO_FLOW = '66666666-6666-4666-8666-000000000281'; // partition 6 too, never created
const corruptions: Array<[string, string, string?]> = [
  ['flow_partition', `UPDATE flowfabric.ff_flow_core SET partition_key = 7`],
  ['graph_revision_counts_changes', `UPDATE flowfabric.ff_flow_core SET graph_revision = graph_revision + 1`],
  ['node_count_is_members', `UPDATE flowfabric.ff_flow_core SET raw_fields = raw_fields || '{"node_count": 3}'`],
  ['edge_count_is_edges', `UPDATE flowfabric.ff_flow_core SET raw_fields = raw_fields - 'edge_count'`],
  ['flow_terminal_at', `UPDATE flowfabric.ff_flow_core SET terminal_at_ms = 1`],
  ['flow_state_matches_members', `UPDATE flowfabric.ff_flow_core SET public_flow_state = 'completed', terminal_at_ms = 1`],
  [
    'started_flow_finishes',
    `UPDATE flowfabric.ff_exec_core SET lifecycle_phase = 'terminal', terminal_outcome = 'success', public_state = 'completed'`,
  ],
  ['rows_on_flow_partition', `UPDATE flowfabric.ff_edge SET partition_key = 7 WHERE edge_id = '${AB}'`],
  ['rows_have_flow', `UPDATE flowfabric.ff_exec_core SET flow_id = '${NO_FLOW}' WHERE execution_id = '${D}'`, NO_FLOW],
  ['edge_endpoints_are_members', `UPDATE flowfabric.ff_exec_core SET flow_id = NULL WHERE execution_id = '${D}'`],
  ['edge_state_recorded', `UPDATE flowfabric.ff_edge SET edge_state = 'satisfied' WHERE edge_id = '${AB}'`],
  [
    'applied_edge_resolved_when_upstream_terminal',
    `UPDATE flowfabric.ff_exec_core SET lifecycle_phase = 'terminal', terminal_outcome = 'success' WHERE execution_id = '${A}'`,
  ],
  [
    'group_counts_applied_edges',
    `UPDATE flowfabric.ff_edge_group SET running_count = running_count + 1 WHERE downstream_eid = '${B}'`,
  ],
  ['group_counts_applied_edges', `DELETE FROM flowfabric.ff_edge_group WHERE downstream_eid = '${B}'`],
  ['group_downstream_is_member', `UPDATE flowfabric.ff_exec_core SET flow_id = NULL WHERE execution_id = '${D}'`],
  ['group_policy_well_formed', `UPDATE flowfabric.ff_edge_group SET k_target = 2 WHERE downstream_eid = '${B}'`],
  ['group_policy_well_formed', `UPDATE flowfabric.ff_edge_group SET policy = '{"kind": "any_of"}' WHERE downstream_eid = '${D}'`],
  [
    'group_decision_matches_counters',
    `UPDATE flowfabric.ff_edge_group SET decision = 'satisfied', decided_at_ms = 1 WHERE downstream_eid = '${B}'`,
  ],
  [
    'group_child_follows_decision',
    `UPDATE flowfabric.ff_exec_core SET eligibility_state = 'eligible_now', blocking_reason = 'waiting_for_worker' WHERE execution_id = '${B}'`,
  ],
  [
    'group_cancel_siblings_recorded',
    `UPDATE flowfabric.ff_edge_group SET cancel_siblings_pending_flag = true WHERE downstream_eid = '${D}'`,
  ],
];

for (const [invariant, corruption, flowId = FLOW] of corruptions) {
  test(`${invariant} is reported after: ${corruption}`, async (t) => {
    const db = await diamond(t);
    await db.query(corruption);
    t.true((await invariantsReported(db, flowId)).has(invariant), JSON.stringify(await violations(db, flowId)));
    t.true((await invariantsReported(db, null)).has(invariant), 'the whole-database check reports it too');
  });
}

test('edges_acyclic is reported with the cycle, as cycle_detected shows it', async (t) => {
  const db = await diamond(t);
  await db.query(`
    INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid,
                                    staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, condition,
                                    applied_at_ms, resolved_at_ms, edge_state, upstream_outcome, condition_result)
    SELECT partition_key, flow_id, 'e0000000-0000-4000-8000-000000000009', '${D}', '${A}',
           staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, condition,
           applied_at_ms, resolved_at_ms, edge_state, upstream_outcome, condition_result
    FROM flowfabric.ff_edge WHERE edge_id = '${AB}'`);
  const cycles = (await violations(db)).filter((v) => v.invariant === 'edges_acyclic');
  t.is(cycles.length, 1);
  t.regex(cycles[0]!.detail, new RegExp(`^cycle: \\{fp:6\\}:${A} -> \\{fp:6\\}:${B} -> \\{fp:6\\}:${D} -> \\{fp:6\\}:${A}$`));
});

test('edges_acyclic reports a self edge', async (t) => {
  const db = await diamond(t);
  await db.query(`UPDATE flowfabric.ff_edge SET upstream_eid = downstream_eid WHERE edge_id = '${CD}'`);
  const cycles = (await violations(db, null)).filter((v) => v.invariant === 'edges_acyclic');
  t.deepEqual(
    cycles.map((v) => v.detail),
    [`cycle: {fp:6}:${D} -> {fp:6}:${D}`],
  );
});

test('a violation names its flow; other flows stay clean', async (t) => {
  const db = await diamond(t);
  await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [OTHER_FLOW]);
  await db.query(`UPDATE flowfabric.ff_flow_core SET graph_revision = 5 WHERE flow_id = $1`, [FLOW]);
  t.deepEqual(
    (await violations(db, null)).map((v) => [v.flow_id, v.invariant]),
    [[FLOW, 'graph_revision_counts_changes']],
  );
  t.deepEqual(await violations(db, OTHER_FLOW), []);
});

test('ff_check_invariants is STABLE and pins search_path', async (t) => {
  const db = await diamond(t);
  const { rows } = await db.query(`
    SELECT provolatile, proconfig FROM pg_proc WHERE oid = 'flowfabric.ff_check_invariants(uuid)'::regprocedure`);
  t.is(rows[0].provolatile, 's');
  t.true(rows[0].proconfig.includes('search_path=flowfabric, pg_catalog, pg_temp'));
});
