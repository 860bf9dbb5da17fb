// docs/semantics.md §10.1: edge kinds (success_only | failure_only | any_outcome) and conditions
// (a SQL/JSON path predicate over the upstream's result), decided in the completing transaction;
// group counting by edge; data passing for non-success outcomes; handled failures.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { complete, createFlow, flowRow, type Flow as TestFlow } from '../helpers/fixtures.js';
import { drain, edge, edgePolicy, execution, group, member, members, policy, startFlow } from '../helpers/cascade.js';

async function flowOf(t: ExecutionContext) {
  return createFlow(await testDatabase(t));
}

const kindCases: Array<[string, string, 'satisfied' | 'impossible']> = [
  ['failure_only', 'failed', 'satisfied'],
  ['failure_only', 'expired', 'satisfied'],
  ['failure_only', 'success', 'impossible'],
  ['failure_only', 'cancelled', 'impossible'],
  ['failure_only', 'skipped', 'impossible'],
  ['any_outcome', 'success', 'satisfied'],
  ['any_outcome', 'failed', 'satisfied'],
  ['any_outcome', 'cancelled', 'satisfied'],
  ['any_outcome', 'skipped', 'satisfied'],
  ['success_only', 'expired', 'impossible'],
];
for (const [kind, outcome, state] of kindCases) {
  test(`a ${kind} edge from an upstream that finished ${outcome} is ${state} in the completing transaction`, async (t) => {
    const flow = await flowOf(t);
    const [a, b] = await members(flow, 2);
    const e = await edge(flow, a!, b!, { kind: kind as 'failure_only' });
    await complete(flow.db, a!, outcome);
    t.like(await edgePolicy(flow, e), { edge_state: state, upstream_outcome: outcome });
    t.like(
      await execution(flow.db, b!),
      state === 'satisfied'
        ? { eligibility_state: 'eligible_now', public_state: 'waiting' }
        : { lifecycle_phase: 'terminal', terminal_outcome: 'skipped' },
    );
  });
}

test('group counting follows the edge: a satisfied failure_only edge counts in success_count', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!, { kind: 'failure_only' });
  await complete(flow.db, a!, 'failed');
  t.like(await group(flow, b!), { success_count: 1, fail_count: 0, skip_count: 0, decision: 'satisfied' });
});

test('group counting: an impossible edge from a skipped upstream counts in skip_count, from a succeeded one (failure_only) in fail_count', async (t) => {
  const flow = await flowOf(t);
  const [a, b, c, d] = await members(flow, 4);
  await policy(flow, d!, 'any_of', { onSatisfied: 'let_run' });
  await edge(flow, a!, d!, { kind: 'failure_only' });
  await edge(flow, b!, d!);
  await edge(flow, c!, d!, { condition: '$.ok == true' });
  await complete(flow.db, a!, 'success');
  await complete(flow.db, b!, 'skipped');
  t.like(await group(flow, d!), { success_count: 0, fail_count: 1, skip_count: 1, running_count: 1, decision: 'pending' });
  await complete(flow.db, c!, 'success', { result: { ok: false } });
  t.like(await group(flow, d!), { success_count: 0, fail_count: 2, skip_count: 1, running_count: 0, decision: 'impossible' });
});

test('an any_outcome edge from a skipped upstream counts in success_count (cleanup runs whatever happened)', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!, { kind: 'any_outcome' });
  await complete(flow.db, a!, 'skipped');
  t.like(await group(flow, b!), { success_count: 1, skip_count: 0, decision: 'satisfied' });
});

test('a true condition satisfies the edge; condition_result true is recorded', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  const e = await edge(flow, a!, b!, { condition: '$.rows > 0' });
  await complete(flow.db, a!, 'success', { result: { rows: 3 } });
  t.like(await edgePolicy(flow, e), { edge_state: 'satisfied', condition_result: true });
  t.is((await execution(flow.db, b!)).eligibility_state, 'eligible_now');
});

const notTrue: Array<[string, unknown, string, boolean | null]> = [
  ['false', { rows: 0 }, '$.rows > 0', false],
  ['about a missing field (lax mode: false)', {}, '$.rows > 0', false],
  ['not a boolean', { rows: 3 }, '$.rows', null],
  ['an error (a string compared with a number, strict mode)', { rows: 'x' }, 'strict $.rows > 0', null],
  ['evaluated on a NULL result', null, '$.rows > 0', false],
];
for (const [what, result, condition, recorded] of notTrue) {
  test(`a condition that is ${what} makes the edge impossible: the branch is skipped in the completing transaction`, async (t) => {
    const flow = await flowOf(t);
    const [a, b] = await members(flow, 2);
    const e = await edge(flow, a!, b!, { condition });
    await complete(flow.db, a!, 'success', { result: result ?? undefined });
    const stored = await edgePolicy(flow, e);
    t.is(stored.edge_state, 'impossible');
    t.is(stored.condition_result ?? null, recorded);
    t.like(await execution(flow.db, b!), { terminal_outcome: 'skipped', attempt_state: 'none' });
  });
}

test("a condition on a failure_only edge is evaluated on the failed upstream's result", async (t) => {
  const flow = await flowOf(t);
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, b!, { kind: 'failure_only', condition: '$.retryable == true' });
  await edge(flow, a!, c!, { kind: 'failure_only', condition: '$.retryable == false' });
  await complete(flow.db, a!, 'failed', { result: { retryable: true } });
  t.is((await execution(flow.db, b!)).eligibility_state, 'eligible_now');
  t.is((await execution(flow.db, c!)).terminal_outcome, 'skipped');
});

test('data passing from an upstream that did not succeed: {outcome, failure_reason, result} under the ref', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!, { kind: 'failure_only', ref: 'failure' });
  await complete(flow.db, a!, 'failed', { result: { code: 7 } });
  const payload = (await execution(flow.db, b!)).payload as Record<string, Record<string, unknown>>;
  t.like(payload.failure, { outcome: 'failed', result: { code: 7 } });
  t.true('failure_reason' in payload.failure!);
});

test('data passing from a succeeded upstream over an any_outcome edge is the result itself', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  await edge(flow, a!, b!, { kind: 'any_outcome', ref: 'upstream' });
  await complete(flow.db, a!, 'success', { result: { n: 1 } });
  t.deepEqual((await execution(flow.db, b!)).payload, { upstream: { n: 1 } });
});

test('an impossible edge passes no data', async (t) => {
  const flow = await flowOf(t);
  const [a, b, c] = await members(flow, 3);
  await policy(flow, c!, 'any_of', { onSatisfied: 'let_run' });
  await edge(flow, a!, c!, { condition: '$.go', ref: 'a' });
  await edge(flow, b!, c!);
  await complete(flow.db, a!, 'success', { result: { go: false } });
  t.is((await execution(flow.db, c!)).payload, null);
});

/** Records the key and task of every job inserted into Graphile Worker's queue from now on. */
async function recordJobs(flow: TestFlow) {
  await flow.db.query(`
    CREATE TABLE public.inserted_jobs (key text, task text);
    CREATE FUNCTION public.record_job() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
      INSERT INTO public.inserted_jobs
      SELECT NEW.key, t.identifier FROM graphile_worker._private_tasks t WHERE t.id = NEW.task_id;
      RETURN NEW;
    END $$;
    CREATE TRIGGER record_job AFTER INSERT ON graphile_worker._private_jobs FOR EACH ROW EXECUTE FUNCTION public.record_job();`);
  return async () =>
    (await flow.db.query('SELECT key, task FROM public.inserted_jobs')).rows as Array<{ key: string | null; task: string }>;
}

test('a false condition: no run job is ever enqueued for the branch or its descendants', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const extract = await member(flow, { task: 'extract' });
  const load = await member(flow, { task: 'load' });
  const report = await member(flow, { task: 'report' });
  await edge(flow, extract, load, { condition: '$.rows > 0' });
  await edge(flow, load, report);
  const inserted = await recordJobs(flow);
  await startFlow(flow);
  const ran: string[] = [];
  await drain(connectionStringOf(db), {
    extract: () => {
      ran.push('extract');
      return { rows: 0 };
    },
    load: () => {
      ran.push('load');
    },
    report: () => {
      ran.push('report');
    },
  });
  t.deepEqual(ran, ['extract']);
  t.is((await execution(db, load)).terminal_outcome, 'skipped');
  t.is((await execution(db, report)).terminal_outcome, 'skipped');
  const tasks = (await inserted()).map((j) => j.task);
  t.false(tasks.includes('load'));
  t.false(tasks.includes('report'));
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('a failure handled by a failure_only edge whose child succeeded leaves the flow completed', async (t) => {
  const flow = await flowOf(t);
  const [work, onFailure] = await members(flow, 2);
  await edge(flow, work!, onFailure!, { kind: 'failure_only' });
  await startFlow(flow);
  await complete(flow.db, work!, 'failed');
  await complete(flow.db, onFailure!, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('a failure whose failure_only handler failed too leaves the flow failed', async (t) => {
  const flow = await flowOf(t);
  const [work, onFailure] = await members(flow, 2);
  await edge(flow, work!, onFailure!, { kind: 'failure_only' });
  await startFlow(flow);
  await complete(flow.db, work!, 'failed');
  await complete(flow.db, onFailure!, 'failed');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('a failure followed only by an any_outcome cleanup is not handled: the flow is failed', async (t) => {
  const flow = await flowOf(t);
  const [work, cleanup] = await members(flow, 2);
  await edge(flow, work!, cleanup!, { kind: 'any_outcome' });
  await startFlow(flow);
  await complete(flow.db, work!, 'failed');
  await complete(flow.db, cleanup!, 'success');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

test('an on-failure handler is skipped when nothing failed, and the flow completes', async (t) => {
  const flow = await flowOf(t);
  const [work, onFailure] = await members(flow, 2);
  await edge(flow, work!, onFailure!, { kind: 'failure_only' });
  await startFlow(flow);
  await complete(flow.db, work!, 'success');
  t.is((await execution(flow.db, onFailure!)).terminal_outcome, 'skipped');
  await drain(connectionStringOf(flow.db as never)); // the skipped child's hop checks the flow
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
});

test('ff_check_invariants accepts flows resolved through kinds and conditions', async (t) => {
  const flow = await flowOf(t);
  const [a, b, c, d] = await members(flow, 4);
  await edge(flow, a!, b!, { kind: 'failure_only' });
  await edge(flow, a!, c!, { kind: 'any_outcome' });
  await edge(flow, a!, d!, { condition: '$.x > 1' });
  await complete(flow.db, a!, 'success', { result: { x: 1 } });
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_check_invariants(p_flow_id => $1)', [flow.flowId]);
  t.deepEqual(rows, []);
});

// The read surface shows kinds and conditions.
test('ff_describe_edge shows the kind, the condition and what it gave', async (t) => {
  const flow = await flowOf(t);
  const [a, b] = await members(flow, 2);
  const e = await edge(flow, a!, b!, { kind: 'success_only', condition: '$.rows > 0' });
  const describe = 'SELECT * FROM flowfabric.ff_describe_edge(p_flow_id => $1, p_edge_id => $2)';
  t.like((await flow.db.query(describe, [flow.flowId, e])).rows[0], { condition: '$.rows > 0', condition_result: null });
  await complete(flow.db, a!, 'success', { result: { rows: 0 } });
  t.like((await flow.db.query(describe, [flow.flowId, e])).rows[0], {
    dependency_kind: 'success_only',
    condition: '$.rows > 0',
    condition_result: false,
    edge_state: 'impossible',
  });
});

test('ff_explain_execution: "skipped: condition `$.rows > 0` was false on extract\'s result"', async (t) => {
  const flow = await flowOf(t);
  const extract = await member(flow, { task: 'extract' });
  const load = await member(flow, { task: 'load' });
  await edge(flow, extract, load, { condition: '$.rows > 0' });
  await complete(flow.db, extract, 'success', { result: { rows: 0 } });
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_explain_execution(p_flow_id => $1, p_execution_id => $2)', [
    flow.flowId,
    load,
  ]);
  t.is(rows[0].reason, "terminal: skipped: condition `$.rows > 0` was false on extract's result (a branch not taken)");
  t.like(rows[0].inbound_edges[0], { dependency_kind: 'success_only', condition: '$.rows > 0', condition_result: false });
});

test('the exports: a failure path is red and dashed, the kind and the condition label the edge', async (t) => {
  const flow = await flowOf(t);
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, b!, { kind: 'failure_only' });
  await edge(flow, a!, c!, { condition: '$.rows > 0' });
  const dot = (await flow.db.query('SELECT flowfabric.ff_flow_to_dot(p_flow_id => $1) AS text', [flow.flowId])).rows[0]
    .text as string;
  t.regex(dot, /\[label="applied · on failure", class="applied", color="#e53935", fontcolor="#e53935", style=dashed\]/);
  t.regex(dot, /\[label="applied · if \$\.rows > 0", class="applied", color="#ffa000"/);
  const mermaid = (await flow.db.query('SELECT flowfabric.ff_flow_to_mermaid(p_flow_id => $1) AS text', [flow.flowId])).rows[0]
    .text as string;
  t.regex(mermaid, /-\.->\|applied · on failure\|/);
  t.regex(mermaid, /-->\|applied · if \$\.rows #gt; 0\|/);
  t.regex(mermaid, /linkStyle \d stroke:#e53935,stroke-dasharray:5 4/);
});

test('the HTML export labels an edge with its kind and condition and marks failure paths (data-kind)', async (t) => {
  const { flowToHtml } = await import('../../src/client/html.js');
  const flow = await flowOf(t);
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, b!, { kind: 'failure_only' });
  await edge(flow, a!, c!, { condition: '$.rows > 0', ref: 'rows' });
  const html = await flowToHtml(flow.db as never, flow.flowId);
  t.regex(html, /"kind":"failure_only","label":"[^"]*(on failure|failure_only)[^"]*"/);
  t.regex(html, /"label":"[^"]*if \$\.rows > 0[^"]*"/);
  t.true(html.includes('.edge[data-kind="failure_only"] path'));
});

test('ff_describe_flow_at rebuilds kinds and conditions, from single stagings and from a plan', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const ids = Array.from({ length: 4 }, () => randomUUID());
  const [e1, e2] = [randomUUID(), randomUUID()];
  await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2)`, [
    flowId,
    JSON.stringify({
      executions: ids.map((id) => ({ execution_id: id })),
      edges: [
        { edge_id: e1, upstream_execution_id: ids[0], downstream_execution_id: ids[1], kind: 'failure_only' },
        { edge_id: e2, upstream_execution_id: ids[0], downstream_execution_id: ids[2], condition: '$.ok' },
      ],
    }),
  ]);
  const partition = (await db.query('SELECT flowfabric.ff_flow_partition(p_flow_id => $1) AS p', [flowId])).rows[0].p as number;
  const flow: TestFlow = { db, flowId, partition };
  const e3 = await edge(flow, ids[1]!, ids[3]!, { kind: 'any_outcome', condition: '$.n > 1' });
  const { rows } = await db.query('SELECT edges FROM flowfabric.ff_describe_flow_at(p_flow_id => $1, p_graph_revision => 7)', [
    flowId,
  ]);
  const byId = new Map((rows[0].edges as Array<Record<string, unknown>>).map((e) => [e.edge_id, e]));
  t.like(byId.get(e1), { dependency_kind: 'failure_only' });
  t.false('condition' in byId.get(e1)!);
  t.like(byId.get(e2), { dependency_kind: 'success_only', condition: '$.ok' });
  t.like(byId.get(e3), { dependency_kind: 'any_outcome', condition: '$.n > 1' });
});
