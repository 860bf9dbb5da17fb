// docs/semantics.md §4.7: ff_submit_flow builds or extends a flow from a whole plan in one call, all or nothing:
// checked as if its items were called one by one (executions, groups, edges; the first failing item
// decides, DETAIL starts with its place), revisions exactly as the single calls would raise them,
// a replay that writes nothing, a dry run that writes nothing, and a log that ff_describe_flow_at
// expands into every revision the plan produced.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type pg from 'pg';
import {
  NOW,
  addMember,
  apply,
  assertRefused,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  complete,
  createExecution,
  createFlow,
  createMembers,
  edgeRow,
  events,
  executionRow,
  flowRow,
  groupRow,
  makeFlowTerminal,
  otherPartition,
  revisionOf,
  snapshot,
  stage,
  uuidOf,
} from '../helpers/fixtures.js';
import type { Db } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';
import { plansOf, repeatedScans } from '../helpers/plans.js';

const SUBMIT = `SELECT * FROM flowfabric.ff_submit_flow(
  p_flow_id => $1, p_plan => $2, p_expected_graph_revision => $3, p_start => $4, p_dry_run => $5,
  p_flow_kind => $6, p_namespace => $7, p_now_ms => $8)`;

interface Options {
  expected?: number | null;
  start?: boolean;
  dryRun?: boolean;
  kind?: string;
  namespace?: string;
  now?: number;
}
interface Row {
  status: string;
  graph_revision: string;
  executions_created: number;
  members_added: number;
  edges_staged: number;
  edges_applied: number;
  groups_set: number;
  started: boolean;
}

/** Calls ff_submit_flow; `plan` is sent as JSON (a string is sent as it is). */
async function submit(db: Db, flowId: string, plan: unknown, o: Options = {}): Promise<Row> {
  const { rows } = await db.query(SUBMIT, [
    flowId,
    typeof plan === 'string' ? plan : JSON.stringify(plan),
    o.expected ?? null,
    o.start ?? false,
    o.dryRun ?? false,
    o.kind ?? 'dag',
    o.namespace ?? 'default',
    o.now ?? NOW,
  ]);
  return rows[0];
}

const exec = (id: string = randomUUID(), extra: Record<string, unknown> = {}) => ({ execution_id: id, ...extra });
const edge = (up: string, down: string, extra: Record<string, unknown> = {}) => ({
  edge_id: randomUUID(),
  upstream_execution_id: up,
  downstream_execution_id: down,
  ...extra,
});
const canonical = (partition: number, id: string) => `{fp:${partition}}:${uuidOf(id)}`;

/** A plan of n new executions, a chain a0 -> a1 -> ... over them. */
function chainPlan(n: number) {
  const ids = Array.from({ length: n }, () => randomUUID());
  return { ids, plan: { executions: ids.map((id) => exec(id)), edges: ids.slice(1).map((id, i) => edge(ids[i], id)) } };
}

async function partitionOf(db: Db, flowId: string): Promise<number> {
  return (await db.query('SELECT flowfabric.ff_flow_partition($1) AS p', [flowId])).rows[0].p;
}

/** A new flow id on the same partition as `flowId` (an execution of one can be offered to the other). */
async function flowIdBeside(db: Db, flowId: string): Promise<string> {
  const { rows } = await db.query(
    `SELECT g.id FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 100000)) g
    WHERE flowfabric.ff_flow_partition(g.id) = flowfabric.ff_flow_partition($1) LIMIT 1`,
    [flowId],
  );
  return rows[0].id;
}

// ------------------------------------------------------------------------------------------------
// Building and extending

test('creates the flow from a plan: executions, members, edges staged and applied, groups, one row back', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const partition = await partitionOf(db, flowId);
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const e1 = edge(a, c);
  const e2 = edge(`{fp:${partition}}:${b}`, c, { data_passing_ref: 'input' });
  const row = await submit(
    db,
    flowId,
    {
      executions: [exec(a, { task_identifier: 'fetch', payload: { url: 'x' }, priority: 5, lane_id: 'io' }), exec(b), exec(c)],
      groups: [{ downstream_execution_id: c, kind: 'any_of', on_satisfied: 'let_run' }],
      edges: [e1, e2],
    },
    { kind: 'etl', namespace: 'team' },
  );
  t.deepEqual(row, {
    status: 'submitted',
    graph_revision: '5',
    executions_created: 3,
    members_added: 3,
    edges_staged: 2,
    edges_applied: 2,
    groups_set: 1,
    started: false,
  });
  const flow = await flowRow(db, flowId);
  t.like(flow, { partition_key: partition, graph_revision: '5', public_flow_state: 'open', created_at_ms: String(NOW) });
  t.deepEqual(flow.raw_fields, { flow_kind: 'etl', namespace: 'team', node_count: 3, edge_count: 2, last_mutation_at_ms: NOW });
  t.like(await executionRow(db, a), {
    partition_key: partition,
    flow_id: flowId,
    lane_id: 'io',
    priority: 5,
    payload: { url: 'x' },
    raw_fields: { task_identifier: 'fetch' },
    lifecycle_phase: 'runnable',
    eligibility_state: 'eligible_now',
    public_state: 'waiting',
    blocking_reason: 'waiting_for_worker',
    attempt_state: 'pending_first_attempt',
    ownership_state: 'unowned',
    terminal_outcome: 'none',
    created_at_ms: String(NOW),
  });
  t.like(await executionRow(db, b), { lane_id: 'default', priority: 0, payload: null, raw_fields: {} });
  t.like(await executionRow(db, c), {
    eligibility_state: 'blocked_by_dependencies',
    public_state: 'waiting_children',
    blocking_reason: 'waiting_for_children',
  });
  t.deepEqual((await edgeRow(db, flowId, e2.edge_id)).policy, {
    dependency_kind: 'success_only',
    satisfaction_condition: 'all_required',
    data_passing_ref: 'input',
    edge_state: 'applied',
    created_at_ms: NOW,
    created_by: 'engine',
    staged_at_ms: NOW,
    staged_graph_revision: 5,
    applied_at_ms: NOW,
  });
  t.like(await edgeRow(db, flowId, e1.edge_id), {
    upstream_eid: a,
    downstream_eid: c,
    policy: { staged_graph_revision: 4, data_passing_ref: '' },
  });
  t.like(await groupRow(db, flowId, c), {
    policy: { kind: 'any_of', on_satisfied: 'let_run' },
    k_target: 1,
    running_count: 2,
    decision: 'pending',
  });
});

test('extends an existing flow: members and edges take the revisions after the current one, old members can be endpoints', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [old] = await createMembers(db, flowId, 1);
  const base = await revisionOf(db, flowId);
  const [x, y] = [randomUUID(), randomUUID()];
  const e1 = edge(old, x);
  const e2 = edge(x, y);
  const row = await submit(db, flowId, { executions: [exec(x), exec(y)], edges: [e1, e2] }, { expected: base, now: NOW + 9 });
  t.like(row, { status: 'submitted', graph_revision: String(base + 4), members_added: 2, edges_staged: 2 });
  t.like((await flowRow(db, flowId)).raw_fields, { node_count: 3, edge_count: 2, last_mutation_at_ms: NOW + 9 });
  t.is((await edgeRow(db, flowId, e1.edge_id)).policy.staged_graph_revision, base + 3);
  t.is((await edgeRow(db, flowId, e2.edge_id)).policy.staged_graph_revision, base + 4);
});

test('an execution that exists without a flow joins it and keeps its fields; only missing ones are created', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await createFlow(db, { flowId });
  const existing = await createExecution(db, { flowId });
  const fresh = randomUUID();
  const row = await submit(db, flowId, {
    executions: [exec(existing, { task_identifier: 'ignored' }), exec(fresh)],
    edges: [edge(existing, fresh)],
  });
  t.like(row, { executions_created: 1, members_added: 2, edges_staged: 1 });
  t.like(await executionRow(db, existing), { flow_id: flowId, raw_fields: {} });
});

test('an existing runnable member that an edge of the plan points at is blocked, as the apply blocks it', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [child] = await createMembers(db, flowId, 1);
  const parent = randomUUID();
  await submit(db, flowId, { executions: [exec(parent)], edges: [edge(parent, child)] });
  t.like(await executionRow(db, child), { eligibility_state: 'blocked_by_dependencies', public_state: 'waiting_children' });
  t.like(await groupRow(db, flowId, child), { policy: { kind: 'all_of' }, running_count: 1 });
});

test('an edge staged earlier but not applied is applied by the plan that names it, without a new revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  const { edge_id } = await stage(db, flowId, a, b);
  const revision = await revisionOf(db, flowId);
  const row = await submit(db, flowId, { edges: [{ edge_id, upstream_execution_id: a, downstream_execution_id: b }] });
  t.like(row, { status: 'submitted', graph_revision: String(revision), edges_staged: 0, edges_applied: 1 });
  t.is((await edgeRow(db, flowId, edge_id)).policy.edge_state, 'applied');
  t.like(await groupRow(db, flowId, b), { running_count: 1 });
});

test('items repeated within a plan are no-ops, as repeated single calls are', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  const e = edge(a, b);
  const group = { downstream_execution_id: b, kind: 'all_of' };
  const row = await submit(db, flowId, { executions: [exec(a), exec(b), exec(a)], groups: [group, group], edges: [e, { ...e }] });
  t.like(row, { graph_revision: '3', executions_created: 2, members_added: 2, edges_staged: 1, edges_applied: 1, groups_set: 1 });
  t.like(await groupRow(db, flowId, b), { running_count: 1 });
});

test('a later group item for the same downstream replaces the policy before the edges are applied', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  const row = await submit(db, flowId, {
    executions: [exec(a), exec(b)],
    groups: [
      { downstream_execution_id: b, kind: 'any_of', on_satisfied: 'let_run' },
      { downstream_execution_id: b, kind: 'quorum', k: 1, on_satisfied: 'cancel_remaining' },
    ],
    edges: [edge(a, b)],
  });
  t.is(row.groups_set, 2);
  t.like(await groupRow(db, flowId, b), {
    policy: { kind: 'quorum', k: 1, on_satisfied: 'cancel_remaining' },
    k_target: 1,
    running_count: 1,
  });
});

test('a plan of groups alone sets their policies without a new revision and logs them', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  const revision = await revisionOf(db, flowId);
  const row = await submit(db, flowId, {
    groups: [{ downstream_execution_id: b, kind: 'quorum', k: 2, on_satisfied: 'let_run' }],
  });
  t.like(row, { status: 'submitted', graph_revision: String(revision), members_added: 0, edges_staged: 0, groups_set: 1 });
  t.like(await groupRow(db, flowId, b), {
    policy: { kind: 'quorum', k: 2, on_satisfied: 'let_run' },
    k_target: 2,
    running_count: 0,
  });
  t.is(await groupRow(db, flowId, a), undefined);
  const [logged] = (await events(db, flowId)).filter((e) => e.operation === 'submit_flow');
  t.like(logged, { graph_revision: String(revision) });
  t.deepEqual(logged.arguments.groups, [
    { downstream_execution_id: canonical(partition, b), policy: { kind: 'quorum', k: 2, on_satisfied: 'let_run' } },
  ]);
});

test('an empty plan creates the flow and nothing else', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  t.like(await submit(db, flowId, {}), { status: 'submitted', graph_revision: '0', members_added: 0, edges_staged: 0 });
  t.deepEqual(
    (await events(db, flowId)).map((e) => e.operation),
    ['create_flow'],
  );
});

// ------------------------------------------------------------------------------------------------
// Replays and dry runs

test('an identical resubmission answers already_submitted with the current revision and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const { plan } = chainPlan(4);
  const plan2 = { ...plan, groups: [{ downstream_execution_id: plan.executions[3].execution_id, kind: 'all_of' }] };
  await submit(db, flowId, plan2);
  const row = await assertReplayWritesNothing(t, db, () => submit(db, flowId, plan2, { expected: 0, now: NOW + 1 }));
  t.deepEqual(row, {
    status: 'already_submitted',
    graph_revision: '7',
    executions_created: 0,
    members_added: 0,
    edges_staged: 0,
    edges_applied: 0,
    groups_set: 0,
    started: false,
  });
});

test('a resubmission with one new item stages only that item', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const { ids, plan } = chainPlan(3);
  await submit(db, flowId, plan);
  const extra = edge(ids[0], ids[2]);
  const row = await submit(db, flowId, { ...plan, edges: [...plan.edges, extra] }, { expected: 5 });
  t.like(row, { status: 'submitted', graph_revision: '6', members_added: 0, edges_staged: 1, edges_applied: 1 });
  t.is((await events(db, flowId)).filter((e) => e.operation === 'submit_flow').length, 2);
});

test('a dry run answers would_submit with the counts and the current revision, and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [old] = await createMembers(db, flowId, 1);
  const x = randomUUID();
  const before = await snapshot(db);
  const row = await submit(
    db,
    flowId,
    { executions: [exec(x, { task_identifier: 'job' })], edges: [edge(old, x)] },
    { dryRun: true, start: true },
  );
  t.deepEqual(row, {
    status: 'would_submit',
    graph_revision: '1',
    executions_created: 1,
    members_added: 1,
    edges_staged: 1,
    edges_applied: 1,
    groups_set: 0,
    started: true,
  });
  t.deepEqual(await snapshot(db), before);
  t.is((await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs')).rows[0].n, 0);
});

test('a dry run of a new flow writes nothing', async (t) => {
  const db = await testDatabase(t);
  const before = await snapshot(db);
  t.like(await submit(db, randomUUID(), chainPlan(3).plan, { dryRun: true }), {
    status: 'would_submit',
    graph_revision: '0',
    edges_staged: 2,
  });
  t.deepEqual(await snapshot(db), before);
});

test('a dry run is refused as the real call would be', async (t) => {
  const db = await testDatabase(t);
  const a = randomUUID();
  await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, randomUUID(), { executions: [exec(a)], edges: [edge(a, a)] }, { dryRun: true }),
    'self_referencing_edge',
  );
});

// ------------------------------------------------------------------------------------------------
// p_start and late edges

test('p_start starts the flow in the same call: members eligible now are enqueued, the others wait for their edges', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const row = await submit(
    db,
    flowId,
    {
      executions: [
        exec(a, { task_identifier: 'extract' }),
        exec(b, { task_identifier: 'extract' }),
        exec(c, { task_identifier: 'load' }),
      ],
      edges: [edge(a, c), edge(b, c)],
    },
    { start: true },
  );
  t.true(row.started);
  const { rows } = await db.query('SELECT task_identifier, key FROM graphile_worker.jobs ORDER BY key');
  t.deepEqual(
    rows,
    [a, b].sort().map((id) => ({ task_identifier: 'extract', key: `flowstage:run:${id}` })),
  );
  t.true('started_at_ms' in (await flowRow(db, flowId)).raw_fields);
});

test('p_start on a replay starts a flow that was submitted without it', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const plan = { executions: [exec(randomUUID(), { task_identifier: 'job' })] };
  await submit(db, flowId, plan);
  const row = await submit(db, flowId, plan, { start: true });
  t.like(row, { status: 'already_submitted', started: true });
  t.is((await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs')).rows[0].n, 1);
});

test('a late edge (upstream already terminal) resolves at once, as ff_apply_dependency_to_child resolves it', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  // A second member still open keeps the flow open once the first has finished.
  const [done] = await createMembers(db, flowId, 2);
  await complete(db, done, 'success', { result: { rows: 3 }, nowMs: NOW });
  const child = randomUUID();
  const e = edge(done, child, { data_passing_ref: 'input' });
  await submit(db, flowId, { executions: [exec(child)], edges: [e] });
  t.like((await edgeRow(db, flowId, e.edge_id)).policy, { edge_state: 'satisfied', upstream_outcome: 'success' });
  t.like(await groupRow(db, flowId, child), { success_count: 1, running_count: 0, decision: 'satisfied' });
  t.like(await executionRow(db, child), { eligibility_state: 'eligible_now', payload: { input: { rows: 3 } } });
});

test('a started flow with no open member finishes when the plan adds an already terminal execution; the next item is refused flow_already_terminal', async (t) => {
  // As called one by one: ff_add_execution_to_flow of a terminal execution finishes such a flow,
  // and the plan's next call finds it terminal (found by the model test, test/model/flows.test.ts).
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  const done = await createExecution(db, { flowId });
  await complete(db, done, 'success', { nowMs: NOW });
  const later = randomUUID();
  const refused = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { executions: [exec(done), exec(later)] }),
    'flow_already_terminal',
  );
  t.true(refused.detail?.startsWith('executions[1]: '), refused.detail);
  await assertRefused(
    t,
    submit(db, flowId, { executions: [exec(done)], edges: [edge(done, later)] }),
    'flow_already_terminal',
    'edges[0]: ',
  );
  // Alone, the terminal member joins and finishes the flow.
  t.is((await submit(db, flowId, { executions: [exec(done)] })).status, 'submitted');
  t.is((await flowRow(db, flowId)).public_flow_state, 'completed');
});

// ------------------------------------------------------------------------------------------------
// The log and ff_describe_flow_at

test('logs create_flow and one submit_flow row at the revision after the plan, with members and edges in revision order', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const partition = await partitionOf(db, flowId);
  const { ids, plan } = chainPlan(3);
  await submit(db, flowId, plan);
  const log = await events(db, flowId);
  t.deepEqual(
    log.map((e) => [e.operation, e.graph_revision]),
    [
      ['create_flow', '0'],
      ['submit_flow', '5'],
    ],
  );
  t.like(log[1].arguments, {
    flow_id: flowId,
    base_graph_revision: 0,
    executions_created: 3,
    members: ids.map((id) => canonical(partition, id)),
    edges: {
      edge_id: plan.edges.map((e) => e.edge_id),
      upstream_execution_id: ids.slice(0, 2).map((id) => canonical(partition, id)),
      downstream_execution_id: ids.slice(1).map((id) => canonical(partition, id)),
      data_passing_ref: ['', ''],
      dependency_kind: 'success_only',
    },
    edges_applied: 2,
  });
});

test('ff_describe_flow_at rebuilds every revision a plan produced exactly as for the same flow built one call at a time', async (t) => {
  const db = await testDatabase(t);
  // The same graph twice: flow A by single calls, flow B by single calls then one plan. Execution
  // ids differ between the flows (an execution belongs to one flow); edge ids are shared.
  const flowA = randomUUID();
  const flowB = randomUUID();
  await createFlow(db, { flowId: flowA });
  await createFlow(db, { flowId: flowB });
  const pa = await partitionOf(db, flowA);
  const pb = await partitionOf(db, flowB);
  const n = 8;
  const idsA = Array.from({ length: n }, () => randomUUID());
  const idsB = Array.from({ length: n }, () => randomUUID());
  const pairs: Array<[number, number, string, string]> = [
    [0, 1, randomUUID(), ''],
    [1, 2, randomUUID(), 'x'],
  ]; // before the plan
  const planned: Array<[number, number, string, string]> = [
    [2, 3, randomUUID(), ''],
    [0, 4, randomUUID(), 'data'],
    [3, 5, randomUUID(), ''],
    [5, 7, randomUUID(), ''],
    [4, 6, randomUUID(), ''],
    [1, 7, randomUUID(), 'y'],
  ];
  for (const [flow, ids] of [
    [flowA, idsA],
    [flowB, idsB],
  ] as const) {
    for (const id of ids.slice(0, 3)) {
      await createExecution(db, { executionId: id, flowId: flow });
      await addMember(db, flow, id);
    }
    for (const [u, d, id, ref] of pairs) await stage(db, flow, ids[u], ids[d], { edgeId: id, dataPassingRef: ref || undefined });
  }
  // flow A: the rest one call at a time, in the plan's order (members first, then edges)
  for (const id of idsA.slice(3)) {
    await createExecution(db, { executionId: id, flowId: flowA });
    await addMember(db, flowA, id);
  }
  for (const [u, d, id, ref] of planned)
    await stage(db, flowA, idsA[u], idsA[d], { edgeId: id, dataPassingRef: ref || undefined });
  // flow B: one plan that also repeats members and an edge it already has (no-ops)
  await submit(db, flowB, {
    executions: [exec(idsB[0]), ...idsB.slice(3).map((id) => exec(id))],
    edges: [
      { edge_id: pairs[0][2], upstream_execution_id: idsB[0], downstream_execution_id: idsB[1] },
      ...planned.map(([u, d, id, ref]) => ({
        edge_id: id,
        upstream_execution_id: idsB[u],
        downstream_execution_id: idsB[d],
        ...(ref ? { data_passing_ref: ref } : {}),
      })),
    ],
  });
  const current = await revisionOf(db, flowB);
  t.is(current, await revisionOf(db, flowA));
  const toB = (text: string) => idsA.reduce((s, id, i) => s.replaceAll(canonical(pa, id), canonical(pb, idsB[i])), text);
  for (let revision = 0; revision <= current; revision++) {
    const at =
      'SELECT node_count, edge_count, members, edges FROM flowfabric.ff_describe_flow_at(p_flow_id => $1, p_graph_revision => $2)';
    const [a] = (await db.query(at, [flowA, revision])).rows;
    const [b] = (await db.query(at, [flowB, revision])).rows;
    t.deepEqual(b, JSON.parse(toB(JSON.stringify(a))), `revision ${revision}`);
  }
});

// ------------------------------------------------------------------------------------------------
// Refusals: argument validation (invalid_input, DETAIL names the field)

const invalidPlans: Array<[string, unknown, string]> = [
  ['a plan that is not an object', '[]', 'p_plan: must be a JSON object'],
  ['an unknown plan key', { executions: [], steps: [] }, 'p_plan.steps: unknown key'],
  ['a section that is not an array', { edges: {} }, 'p_plan.edges: must be a JSON array'],
  ['an item that is not an object', { executions: [exec(), 'x'] }, 'executions[1]: must be a JSON object'],
  ['an unknown item key', { executions: [exec(undefined, { retries: 3 })] }, 'executions[0].retries: unknown key'],
  ['a malformed execution id', { executions: [exec(), exec('not-a-uuid')] }, 'executions[1].execution_id: not an execution id'],
  ['an execution id with braces', { executions: [exec(`{${randomUUID()}}`)] }, 'executions[0].execution_id: not an execution id'],
  [
    'a partition prefix over 255',
    { executions: [exec(`{fp:256}:${randomUUID()}`)] },
    'executions[0].execution_id: not an execution id',
  ],
  [
    'a negative partition prefix',
    { edges: [edge(`{fp:-5}:${randomUUID()}`, randomUUID())] },
    'edges[0].upstream_execution_id: not an execution id',
  ],
  [
    'a prefix without its separator',
    { groups: [{ downstream_execution_id: `{fp:12}${randomUUID()}`, kind: 'all_of' }] },
    'groups[0].downstream_execution_id: not an execution id',
  ],
  ['a missing execution id', { executions: [{ task_identifier: 't' }] }, 'executions[0].execution_id: must not be null'],
  [
    'a task_identifier over 128 characters',
    { executions: [exec(undefined, { task_identifier: 't'.repeat(129) })] },
    'executions[0].task_identifier',
  ],
  ['an empty task_identifier', { executions: [exec(undefined, { task_identifier: '' })] }, 'executions[0].task_identifier'],
  ['a payload that is not an object', { executions: [exec(undefined, { payload: [1] })] }, 'executions[0].payload'],
  ['a priority that is not an integer', { executions: [exec(undefined, { priority: 1.5 })] }, 'executions[0].priority'],
  ['a lane_id over 1024 bytes', { executions: [exec(undefined, { lane_id: 'é'.repeat(513) })] }, 'executions[0].lane_id'],
  ['a group without a kind', { groups: [{ downstream_execution_id: randomUUID() }] }, 'groups[0].kind'],
  [
    'a quorum without k',
    { groups: [{ downstream_execution_id: randomUUID(), kind: 'quorum', on_satisfied: 'let_run' }] },
    'groups[0].k',
  ],
  [
    'an any_of without on_satisfied',
    { groups: [{ downstream_execution_id: randomUUID(), kind: 'any_of' }] },
    'groups[0].on_satisfied',
  ],
  [
    'an all_of with on_satisfied',
    { groups: [{ downstream_execution_id: randomUUID(), kind: 'all_of', on_satisfied: 'let_run' }] },
    'groups[0].on_satisfied',
  ],
  [
    'a malformed edge_id',
    { edges: [edge(randomUUID(), randomUUID(), { edge_id: `{fp:1}:${randomUUID()}` })] },
    'edges[0].edge_id: must be a uuid string',
  ],
  [
    'a numeric endpoint',
    { edges: [edge(randomUUID(), randomUUID(), { downstream_execution_id: 7 })] },
    'edges[0].downstream_execution_id',
  ],
  [
    'an unknown dependency_kind',
    { edges: [edge(randomUUID(), randomUUID(), { dependency_kind: 'always' })] },
    'edges[0].dependency_kind',
  ],
  [
    'an unknown kind (docs/semantics.md §10.1)',
    { edges: [edge(randomUUID(), randomUUID(), { kind: 'always' })] },
    'edges[0].kind',
  ],
  [
    'a kind that differs from dependency_kind',
    { edges: [edge(randomUUID(), randomUUID(), { kind: 'any_outcome', dependency_kind: 'failure_only' })] },
    'edges[0].kind',
  ],
  [
    'a condition that is no SQL/JSON path',
    { edges: [edge(randomUUID(), randomUUID(), { condition: '$.rows >' })] },
    'edges[0].condition',
  ],
  ['a condition that is not a string', { edges: [edge(randomUUID(), randomUUID(), { condition: 1 })] }, 'edges[0].condition'],
  [
    'a task_identifier with the reserved flowstage__ prefix',
    { executions: [exec(undefined, { task_identifier: 'flowstage__cancel_siblings' })] },
    'executions[0].task_identifier: the flowstage__ prefix is reserved',
  ],
  [
    'an empty data_passing_ref',
    { edges: [edge(randomUUID(), randomUUID(), { data_passing_ref: '' })] },
    'edges[0].data_passing_ref',
  ],
  [
    'a data_passing_ref that is not a string',
    { edges: [edge(randomUUID(), randomUUID(), { data_passing_ref: 5 })] },
    'edges[0].data_passing_ref',
  ],
];
for (const [what, plan, detail] of invalidPlans) {
  test(`refuses ${what}: invalid_input, DETAIL ${detail}, nothing written`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(t, db, () => submit(db, randomUUID(), plan), 'invalid_input');
    t.true(error.detail?.startsWith(detail), error.detail);
  });
}

test('the first malformed item decides, in the order executions, groups, edges', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefused(
    t,
    submit(db, randomUUID(), {
      edges: [edge('bad', randomUUID())],
      groups: [{ downstream_execution_id: randomUUID(), kind: 'some_of' }],
      executions: [exec(), exec('bad')],
    }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('executions[1].execution_id'), error.detail);
});

test('a refusal quotes at most 200 characters of a value', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefused(t, submit(db, randomUUID(), { executions: [exec('x'.repeat(5000))] }), 'invalid_input');
  t.true(error.detail!.length < 400, error.detail);
  t.true(error.detail!.includes('x'.repeat(199)));
});

test('refuses more than 100000 items with invalid_input naming p_plan', async (t) => {
  const db = await testDatabase(t);
  const executions = Array.from({ length: 50_001 }, () => ({ execution_id: 'x' }));
  const error = await assertRefused(t, submit(db, randomUUID(), { executions, groups: executions }), 'invalid_input');
  t.true(error.detail?.startsWith('p_plan: at most 100000 items'), error.detail);
});

test('refuses p_flow_kind over 1024 bytes and a NULL p_flow_id with invalid_input', async (t) => {
  const db = await testDatabase(t);
  const kind = await assertRefused(t, submit(db, randomUUID(), {}, { kind: 'k'.repeat(1025) }), 'invalid_input');
  t.true(kind.detail?.startsWith('p_flow_kind'));
  const flow = await assertRefused(
    t,
    db.query(SUBMIT, [null, '{}', null, false, false, 'dag', 'default', null]),
    'invalid_input',
  );
  t.true(flow.detail?.startsWith('p_flow_id'));
});

// ------------------------------------------------------------------------------------------------
// Refusals: the checks of the single calls, item by item

test('refuses a terminal flow with flow_already_terminal and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await makeFlowTerminal(db, flowId, 'completed');
  await assertRefusedWritesNothing(t, db, () => submit(db, flowId, chainPlan(2).plan), 'flow_already_terminal');
});

// docs/semantics.md §4.7 (items already present identically are no-ops) and the exact retry of §4.3:
// the replay check comes before the terminal check, so a lost reply is retried safely after the flow finished.
for (const state of ['completed', 'failed', 'cancelled'] as const) {
  test(`an identical resubmission to a ${state} flow answers already_submitted and writes nothing`, async (t) => {
    const db = await testDatabase(t);
    const flowId = randomUUID();
    const { plan } = chainPlan(3);
    await submit(db, flowId, plan, { start: true });
    await makeFlowTerminal(db, flowId, state);
    const row = await assertReplayWritesNothing(t, db, () => submit(db, flowId, plan, { expected: 0, start: true }));
    t.deepEqual(row, {
      status: 'already_submitted',
      graph_revision: '5',
      executions_created: 0,
      members_added: 0,
      edges_staged: 0,
      edges_applied: 0,
      groups_set: 0,
      started: true,
    });
    // a plan that would change something is still refused
    await assertRefusedWritesNothing(
      t,
      db,
      () => submit(db, flowId, { ...plan, executions: [...plan.executions, exec()] }),
      'flow_already_terminal',
    );
  });
}

test('an identical resubmission with edge kinds and conditions to a finished flow is already_submitted; another kind is refused', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const plan = {
    executions: [exec(a), exec(b), exec(c)],
    edges: [edge(a, b, { kind: 'failure_only' }), edge(a, c, { condition: '$.rows > 0' })],
  };
  await submit(db, flowId, plan);
  await makeFlowTerminal(db, flowId, 'completed');
  t.is((await assertReplayWritesNothing(t, db, () => submit(db, flowId, plan))).status, 'already_submitted');
  const other = { ...plan, edges: [{ ...plan.edges[0]!, kind: 'any_outcome' }, plan.edges[1]!] };
  await assertRefusedWritesNothing(t, db, () => submit(db, flowId, other), 'flow_already_terminal');
});

test('p_start with an identical plan on a flow cancelled before it started is flow_already_terminal (the start would change it)', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const { plan } = chainPlan(2);
  await submit(db, flowId, plan);
  await makeFlowTerminal(db, flowId, 'cancelled');
  await assertRefusedWritesNothing(t, db, () => submit(db, flowId, plan, { start: true }), 'flow_already_terminal');
  t.is((await submit(db, flowId, plan)).status, 'already_submitted');
});

test('refuses a stale p_expected_graph_revision once for the plan, a new flow counting as revision 0', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await createMembers(db, flowId, 1);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, chainPlan(2).plan, { expected: 0 }),
    'stale_graph_revision',
  );
  t.regex(error.detail!, /expected_graph_revision=0 current_graph_revision=1/);
  await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, randomUUID(), chainPlan(2).plan, { expected: 3 }),
    'stale_graph_revision',
  );
});

test('refuses an execution of another flow with already_member_of_different_flow at its place', async (t) => {
  const db = await testDatabase(t);
  const { flowId: other } = await createFlow(db);
  const [taken] = await createMembers(db, other, 1);
  const flowId = await flowIdBeside(db, other);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { executions: [exec(), exec(uuidOf(taken))] }),
    'already_member_of_different_flow',
  );
  t.true(error.detail?.startsWith('executions[1]: '), error.detail);
  t.regex(error.detail!, new RegExp(`member_of_flow_id=${other}`));
});

test('refuses an execution id whose {fp:N} names another partition with invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const wrong = otherPartition(await partitionOf(db, flowId));
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { executions: [exec(`{fp:${wrong}}:${randomUUID()}`)] }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('executions[0]: partition_mismatch'), error.detail);
});

test('refuses an edge whose endpoint is neither a member nor in the plan with execution_not_in_flow at its place', async (t) => {
  const db = await testDatabase(t);
  const { ids, plan } = chainPlan(3);
  const stranger = randomUUID();
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, randomUUID(), { ...plan, edges: [...plan.edges, edge(ids[0], stranger)] }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith('edges[2]: downstream_execution_id='), error.detail);
});

test('refuses a group whose downstream is not a member with execution_not_in_flow at its place', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, randomUUID(), { executions: [exec()], groups: [{ downstream_execution_id: randomUUID(), kind: 'all_of' }] }),
    'execution_not_in_flow',
  );
  t.true(error.detail?.startsWith('groups[0]: downstream_execution_id='), error.detail);
});

test('refuses a self edge with self_referencing_edge at its place', async (t) => {
  const db = await testDatabase(t);
  const { ids, plan } = chainPlan(3);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, randomUUID(), { ...plan, edges: [...plan.edges, edge(ids[1], ids[1])] }),
    'self_referencing_edge',
  );
  t.true(error.detail?.startsWith('edges[2]: '), error.detail);
});

test('refuses an edge_id used by an earlier item with other endpoints with dependency_already_exists at its place', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const { ids, plan } = chainPlan(3);
  const reused = { ...edge(ids[0], ids[2]), edge_id: plan.edges[0].edge_id };
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { ...plan, edges: [...plan.edges, reused] }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('edges[2]: {'), error.detail);
  const partition = await partitionOf(db, flowId);
  t.like(JSON.parse(error.detail!.slice('edges[2]: '.length)), {
    edge_id: plan.edges[0].edge_id,
    upstream_execution_id: canonical(partition, ids[0]),
    downstream_execution_id: canonical(partition, ids[1]),
  });
});

test('refuses an edge_id staged earlier in the flow with other endpoints with dependency_already_exists', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [a, b, c] = await createMembers(db, flowId, 3);
  const { edge_id } = await stage(db, flowId, a, b);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { edges: [{ edge_id, upstream_execution_id: a, downstream_execution_id: c }] }),
    'dependency_already_exists',
  );
  t.true(error.detail?.startsWith('edges[0]: '), error.detail);
});

test('refuses a cycle formed within the plan at the edge that closes it, with the path as ff_stage_dependency_edge reports it', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const partition = await partitionOf(db, flowId);
  const { ids, plan } = chainPlan(4);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { ...plan, edges: [...plan.edges, edge(ids[3], ids[1]), edge(ids[3], ids[0])] }),
    'cycle_detected',
  );
  const path = [ids[3], ids[1], ids[2], ids[3]].map((id) => canonical(partition, id)).join(' -> ');
  t.is(error.detail, `edges[3]: ${path}`);
});

test('refuses a cycle through edges staged before the plan', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  await stage(db, flowId, a, b);
  const c = randomUUID();
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { executions: [exec(c)], edges: [edge(b, c), edge(c, a)] }),
    'cycle_detected',
  );
  t.is(error.detail, `edges[1]: ${[c, a, b, c].map((id) => canonical(partition, id)).join(' -> ')}`);
});

test('a cycle at an earlier edge is reported before a later refusal, a later cycle after an earlier one', async (t) => {
  const db = await testDatabase(t);
  const { ids, plan } = chainPlan(3);
  const cycleFirst = await assertRefused(
    t,
    submit(db, randomUUID(), { ...plan, edges: [...plan.edges, edge(ids[2], ids[0]), edge(ids[0], randomUUID())] }),
    'cycle_detected',
  );
  t.true(cycleFirst.detail?.startsWith('edges[2]: '));
  const memberFirst = await assertRefused(
    t,
    submit(db, randomUUID(), { ...plan, edges: [edge(ids[0], randomUUID()), ...plan.edges, edge(ids[2], ids[0])] }),
    'execution_not_in_flow',
  );
  t.true(memberFirst.detail?.startsWith('edges[0]: '));
});

test('an execution refusal comes before an edge refusal whatever their places', async (t) => {
  const db = await testDatabase(t);
  const { flowId: other } = await createFlow(db);
  const [taken] = await createMembers(db, other, 1);
  const a = randomUUID();
  const error = await assertRefused(
    t,
    submit(db, await flowIdBeside(db, other), { edges: [edge(a, a)], executions: [exec(a), exec(uuidOf(taken))] }),
    'already_member_of_different_flow',
  );
  t.true(error.detail?.startsWith('executions[1]: '));
});

test('refuses a different policy for a downstream that has applied edges with edge_group_policy_already_fixed', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  const { edge_id } = await stage(db, flowId, a, b);
  await apply(db, flowId, edge_id);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { groups: [{ downstream_execution_id: b, kind: 'any_of', on_satisfied: 'let_run' }] }),
    'edge_group_policy_already_fixed',
  );
  t.true(error.detail?.startsWith('groups[0]: '), error.detail);
});

test('refuses a new edge into a child whose group has decided with invalid_input group_already_decided', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  const { edge_id } = await stage(db, flowId, a, b);
  await apply(db, flowId, edge_id);
  await complete(db, a, 'failed', { nowMs: NOW });
  await db.query('SELECT * FROM flowfabric.ff_resolve_dependency(p_flow_id => $1, p_edge_id => $2, p_upstream_outcome => $3)', [
    flowId,
    edge_id,
    'failed',
  ]);
  const c = randomUUID();
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => submit(db, flowId, { executions: [exec(c)], edges: [edge(c, b)] }),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('edges[0]: group_already_decided'), error.detail);
});

// ------------------------------------------------------------------------------------------------
// Scale and concurrency

/** 100 layers x 100 executions, each depending on 3 executions of the layer above (29,700 edges) + 300 edges two layers down. */
function layeredPlan(reverse: boolean) {
  const layers = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => randomUUID()));
  const edges: ReturnType<typeof edge>[] = [];
  for (let l = 1; l < 100; l++) {
    for (const [i, id] of layers[l].entries()) {
      for (const k of [0, 37, 71]) edges.push(edge(layers[l - 1][(i + k) % 100], id));
    }
  }
  for (let i = 0; i < 300; i++) edges.push(edge(layers[0][i % 100], layers[2 + (i % 97)][(i * 7) % 100]));
  const executions = layers.flat().map((id) => exec(id, { task_identifier: 'step' }));
  return { executions: reverse ? executions.reverse() : executions, edges };
}

async function neverAnalysed(db: Db): Promise<boolean> {
  const { rows } =
    await db.query(`SELECT bool_and(last_analyze IS NULL AND last_autoanalyze IS NULL) AS never FROM pg_stat_user_tables
    WHERE schemaname = 'flowfabric' AND relname IN ('ff_exec_core', 'ff_edge', 'ff_edge_group', 'ff_flow_event')`);
  return rows[0].never;
}

test('a plan of 10,000 executions and 30,000 edges fits in one call on never-analysed tables', async (t) => {
  const db = await testDatabase(t);
  t.true(await neverAnalysed(db));
  const flowId = randomUUID();
  const row = await submit(db, flowId, layeredPlan(false), { start: true });
  t.like(row, {
    status: 'submitted',
    graph_revision: '40000',
    executions_created: 10_000,
    edges_staged: 30_000,
    edges_applied: 30_000,
  });
  t.is((await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs')).rows[0].n, 100);
  const [at] = (await db.query('SELECT node_count, edge_count FROM flowfabric.ff_describe_flow_at($1, 10000)', [flowId])).rows;
  t.deepEqual(at, { node_count: '10000', edge_count: '0' });
});

test('a plan of 10,000 executions and 30,000 edges listed downstream-first gets the full cycle check in one call', async (t) => {
  const db = await testDatabase(t);
  t.true(await neverAnalysed(db));
  const row = await submit(db, randomUUID(), layeredPlan(true));
  t.like(row, { status: 'submitted', graph_revision: '40000', edges_staged: 30_000 });
});

test('two identical submissions of a new flow at once: one submitted, the other already_submitted', async (t) => {
  const db = await testDatabase(t, { max: 4 });
  const [first, second] = await clients(db as pg.Pool, 2);
  const flowId = randomUUID();
  const { plan } = chainPlan(50);
  try {
    const rows = await Promise.all([submit(first, flowId, plan), submit(second, flowId, plan)]);
    t.deepEqual(rows.map((r) => r.status).sort(), ['already_submitted', 'submitted']);
    t.true(rows.every((r) => r.graph_revision === '99'));
  } finally {
    first.release();
    second.release();
  }
  t.is((await events(db, flowId)).filter((e) => e.operation === 'submit_flow').length, 1);
});

test('a submission racing with single add and stage calls on the same flow serialises: revision = members + edges, no deadlock', async (t) => {
  const db = await testDatabase(t, { max: 12 });
  const { flowId } = await createFlow(db);
  const members = await createMembers(db, flowId, 6);
  const workers = await clients(db as pg.Pool, 10);
  const { ids, plan } = chainPlan(200);
  const racing = { executions: plan.executions, edges: [...plan.edges, ...members.map((m, i) => edge(m, ids[i * 30]))] };
  /** A single-call writer: retries a stale revision, as a client would. */
  const single = async (client: pg.PoolClient, i: number) => {
    for (let step = 0; step < 5; step++) {
      const added = await createExecution(client, { flowId });
      await client.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [
        flowId,
        added,
      ]);
      for (;;) {
        try {
          await stage(client, flowId, members[(i + step) % 6], added);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'FF006') throw error;
        }
      }
    }
  };
  try {
    await Promise.all([submit(workers[0], flowId, racing), ...workers.slice(1).map((client, i) => single(client, i))]);
  } finally {
    for (const client of workers) client.release();
  }
  const flow = await flowRow(db, flowId);
  const counts = (
    await db.query(
      `SELECT (SELECT count(*)::int FROM flowfabric.ff_exec_core WHERE flow_id = $1) AS members,
    (SELECT count(*)::int FROM flowfabric.ff_edge WHERE flow_id = $1) AS edges`,
      [flowId],
    )
  ).rows[0];
  t.deepEqual(counts, { members: 6 + 200 + 9 * 5, edges: 199 + 6 + 9 * 5 });
  t.is(Number(flow.graph_revision), counts.members + counts.edges);
  t.like(flow.raw_fields, { node_count: counts.members, edge_count: counts.edges });
  const [at] = (
    await db.query('SELECT node_count, edge_count FROM flowfabric.ff_describe_flow_at($1, $2)', [flowId, flow.graph_revision])
  ).rows;
  t.deepEqual(at, { node_count: String(counts.members), edge_count: String(counts.edges) });
});

// docs/semantics.md §10.1: plan edges take kind and condition
test('plan edges take kind and condition: stored on each edge, a resubmission is already_submitted', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const plan = {
    executions: [exec(a), exec(b), exec(c)],
    edges: [edge(a, b, { kind: 'failure_only' }), edge(a, c, { condition: '$.rows > 0', dependency_kind: 'success_only' })],
  };
  t.is((await submit(db, flowId, plan)).status, 'submitted');
  const { rows } = await db.query(
    `SELECT edge_id, flowfabric._edge_policy(e) AS policy FROM flowfabric.ff_edge e WHERE flow_id = $1`,
    [flowId],
  );
  const byId = new Map(rows.map((r) => [r.edge_id, r.policy]));
  t.like(byId.get(plan.edges[0]!.edge_id), { dependency_kind: 'failure_only', edge_state: 'applied' });
  t.false('condition' in byId.get(plan.edges[0]!.edge_id));
  t.like(byId.get(plan.edges[1]!.edge_id), { dependency_kind: 'success_only', condition: '$.rows > 0' });
  t.is((await submit(db, flowId, plan)).status, 'already_submitted');
});

test('a plan edge naming a staged edge_id with another kind or condition is dependency_already_exists', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  const first = edge(a, b, { kind: 'failure_only' });
  await submit(db, flowId, { executions: [exec(a), exec(b)], edges: [first] });
  await assertRefused(t, submit(db, flowId, { edges: [{ ...first, kind: 'success_only' }] }), 'dependency_already_exists');
  await assertRefused(t, submit(db, flowId, { edges: [{ ...first, condition: '$.x' }] }), 'dependency_already_exists');
  const plain = edge(a, b);
  await submit(db, flowId, { edges: [plain] });
  await assertRefused(t, submit(db, flowId, { edges: [{ ...plain, condition: '$.x' }] }), 'dependency_already_exists');
});

test('a false condition on a plan edge skips the branch when the upstream completes', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  await submit(db, flowId, { executions: [exec(a), exec(b)], edges: [edge(a, b, { condition: '$.rows > 0' })] });
  await db.query(
    `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success', p_result => '{"rows": 0}')`,
    [a],
  );
  const { rows } = await db.query(`SELECT terminal_outcome FROM flowfabric.ff_exec_core WHERE execution_id = $1`, [b]);
  t.is(rows[0].terminal_outcome, 'skipped');
});

test('a plan of 20,000 chain edges between existing members, on never-analysed tables: no step reads the whole flow (plan shape)', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  t.true(await neverAnalysed(db));
  const flowId = randomUUID();
  const ids = Array.from({ length: 20_001 }, () => randomUUID());
  await submit(db, flowId, { executions: ids.map((id) => exec(id)) });
  const client = await db.connect();
  let plans: string[];
  try {
    plans = await plansOf(
      client,
      'SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)',
      [flowId, JSON.stringify({ edges: ids.slice(1).map((id, i) => edge(ids[i]!, id)) })],
      true,
    );
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
