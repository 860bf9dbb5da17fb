// FlowPlan: named steps built into ff_submit_flow's plan, with deterministic ids, submitted in one call.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  FlowPlan,
  SelfReferencingEdgeError,
  describeFlow,
  listEdges,
  listMembers,
  run,
  uuidV5,
  waitForFlow,
  type PlanStep,
} from '../../src/index.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

const FLOW = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';

/** fetch -> parse -> index, and fetch -> index: a three-step DAG with data passing and a fan-in policy. */
function threeSteps(flowId = FLOW) {
  return new FlowPlan(flowId, {
    fetch: { task: 'fetch', payload: { url: 'https://example.com' }, priority: 2 },
    parse: { task: 'parse', inputs: { page: 'fetch' } },
    index: { task: 'index', after: ['fetch'], inputs: { doc: 'parse' }, group: { kind: 'any_of', onSatisfied: 'let_run' } },
  });
}

test('uuidV5 gives RFC 9562 name-based ids (the DNS namespace vector)', (t) => {
  t.is(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('execution and edge ids derive from the flow id and the step names only', (t) => {
  const plan = threeSteps();
  t.deepEqual(plan.executionIds, threeSteps().executionIds);
  t.is(plan.executionIds.parse, uuidV5(FLOW, 'execution:parse'));
  t.is(plan.edgeId('fetch', 'parse'), uuidV5(FLOW, 'edge:["fetch","parse"]'));
  t.notDeepEqual(threeSteps(randomUUID()).executionIds, plan.executionIds);
});

test("the plan JSON lists executions in step order, the groups, and each step's edges (after, then inputs)", (t) => {
  const plan = threeSteps();
  const id = plan.executionIds;
  t.deepEqual(plan.toJSON(), {
    executions: [
      { execution_id: id.fetch, task_identifier: 'fetch', payload: { url: 'https://example.com' }, priority: 2 },
      { execution_id: id.parse, task_identifier: 'parse' },
      { execution_id: id.index, task_identifier: 'index' },
    ],
    groups: [{ downstream_execution_id: id.index, kind: 'any_of', on_satisfied: 'let_run' }],
    edges: [
      {
        edge_id: plan.edgeId('fetch', 'parse'),
        upstream_execution_id: id.fetch,
        downstream_execution_id: id.parse,
        data_passing_ref: 'page',
      },
      { edge_id: plan.edgeId('fetch', 'index'), upstream_execution_id: id.fetch, downstream_execution_id: id.index },
      {
        edge_id: plan.edgeId('parse', 'index'),
        upstream_execution_id: id.parse,
        downstream_execution_id: id.index,
        data_passing_ref: 'doc',
      },
    ],
  });
});

test('several steps under one input key are edges with the same data_passing_ref', (t) => {
  const plan = new FlowPlan(FLOW, {
    a: {},
    b: {},
    fastest: { inputs: { rates: ['a', 'b'] }, group: { kind: 'any_of', onSatisfied: 'cancel_remaining' } },
  });
  t.deepEqual(
    plan.toJSON().edges.map((e) => [e.upstream_execution_id, e.data_passing_ref]),
    [
      [plan.executionIds.a, 'rates'],
      [plan.executionIds.b, 'rates'],
    ],
  );
});

test('a quorum step sends kind, k and on_satisfied', (t) => {
  const plan = new FlowPlan(FLOW, {
    a: {},
    b: {},
    c: {},
    vote: { after: ['a', 'b', 'c'], group: { kind: 'quorum', k: 2, onSatisfied: 'cancel_remaining' } },
  });
  t.deepEqual(plan.toJSON().groups, [
    { downstream_execution_id: plan.executionIds.vote, kind: 'quorum', k: 2, on_satisfied: 'cancel_remaining' },
  ]);
});

test('an upstream that is not a step of the plan is refused when the plan is built, naming it', (t) => {
  const steps: Record<string, PlanStep> = { a: {}, b: { after: ['a', 'c'] } };
  t.throws(() => new FlowPlan(FLOW, steps), { message: /step b: after\[1\] names "c", which is not a step of this plan/ });
});

test('an unknown step in an input list is refused, naming its place', (t) => {
  const steps: Record<string, PlanStep> = { a: {}, b: { inputs: { x: ['a', 'z'] } } };
  t.throws(() => new FlowPlan(FLOW, steps), { message: /step b: inputs\.x\[1\] names "z"/ });
});

test('an upstream named twice (after and inputs) is refused: one edge per pair of steps', (t) => {
  const steps: Record<string, PlanStep> = { a: {}, b: { after: ['a'], inputs: { x: 'a' } } };
  t.throws(() => new FlowPlan(FLOW, steps), { message: /step b: a is named twice/ });
});

test('a flow id that is not a uuid is refused', (t) => {
  t.throws(() => new FlowPlan('flow-1', {}), { message: /flowId must be a uuid/ });
});

test('submit creates the flow, its members, groups and applied edges in one call and returns canonical ids', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const plan = threeSteps(flowId);
  const submitted = await plan.submit(db, { namespace: 'plans' });
  t.like(submitted, {
    status: 'submitted',
    graph_revision: '6',
    executions_created: 3,
    members_added: 3,
    edges_staged: 3,
    edges_applied: 3,
    groups_set: 1,
    started: false,
  });
  const members = await listMembers(db, { flowId });
  t.deepEqual(members.map((m) => m.execution_id).sort(), Object.values(submitted.ids).sort());
  t.is(submitted.ids.fetch, `{fp:${(await describeFlow(db, { flowId }))[0].partition_key}}:${plan.executionIds.fetch}`);
  const edges = await listEdges(db, { flowId });
  t.deepEqual(
    edges.map((e) => [e.edge_id, e.edge_state]).sort(),
    [plan.edgeId('fetch', 'parse'), plan.edgeId('fetch', 'index'), plan.edgeId('parse', 'index')]
      .map((id) => [id, 'applied'])
      .sort(),
  );
  const [flow] = await describeFlow(db, { flowId });
  t.is(flow.namespace, 'plans');
  t.deepEqual(
    (flow.edge_groups as { policy: unknown }[]).map((g) => g.policy).filter((p) => (p as { kind: string }).kind === 'any_of'),
    [{ kind: 'any_of', on_satisfied: 'let_run' }],
  );
});

test('submitting the same plan again is already_submitted and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await threeSteps(flowId).submit(db);
  const again = await threeSteps(flowId).submit(db);
  t.like(again, { status: 'already_submitted', graph_revision: '6' });
});

test('a dry run answers would_submit and writes nothing', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const dry = await threeSteps(flowId).submit(db, { dryRun: true });
  t.like(dry, { status: 'would_submit', executions_created: 3, edges_staged: 3 });
  t.deepEqual((await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId])).rows, [
    { n: 0 },
  ]);
});

test('the rules stay in SQL: a step after itself is refused by ff_submit_flow as self_referencing_edge', async (t) => {
  const db = await testDatabase(t);
  const plan = new FlowPlan(randomUUID(), { loop: { after: ['loop'] } });
  const error = await t.throwsAsync(plan.submit(db), { instanceOf: SelfReferencingEdgeError });
  t.regex(error.detail ?? '', /^edges\[0\]/);
});

test('a three-step DAG submitted with start runs to the end on a worker, passing results along', async (t) => {
  const db = await testDatabase(t);
  const seen: unknown[] = [];
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 2,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: () => () => {},
    taskList: {
      fetch: (payload) => ({ body: `<html>${(payload as { url: string }).url}</html>` }),
      parse: (payload) => ({ title: (payload as { page: { body: string } }).page.body.length }),
      index: (payload) => {
        seen.push(payload);
        return 'indexed';
      },
    },
  });
  t.teardown(() => worker.stop());
  const plan = new FlowPlan(randomUUID(), {
    fetch: { task: 'fetch', payload: { url: 'https://example.com' } },
    parse: { task: 'parse', inputs: { page: 'fetch' } },
    index: { task: 'index', after: ['fetch'], inputs: { doc: 'parse' } },
  });
  const { started } = await plan.submit(db, { start: true });
  const flowId = plan.flowId;
  t.true(started);
  t.is((await waitForFlow(db, flowId, { timeoutMs: 60_000 })).public_flow_state, 'completed');
  t.deepEqual(seen, [{ doc: { title: 32 } }]);
});
