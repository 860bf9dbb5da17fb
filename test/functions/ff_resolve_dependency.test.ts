// ff_resolve_dependency (docs/semantics.md §6): the unit of the completion cascade. Completing an
// upstream (ff_complete_execution) applies it to every outgoing edge in the completing
// transaction, so the policy table, decide-once, data passing and sibling bookkeeping are seen
// right after ff_complete_execution returns; a direct call takes the outcome from the upstream's
// stored terminal_outcome, never from the caller.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import {
  edge,
  edgePolicy,
  execution,
  group,
  jobs,
  loggedResolutions,
  member,
  members,
  policy,
  resolve,
  stage,
  startFlow,
} from '../helpers/cascade.js';
import { complete, createFlow, eventCount, events, type Flow, uuidOf } from '../helpers/fixtures.js';
import { call } from '../helpers/read.js';
import { testDatabase } from '../helpers/database.js';

/** A child with `n` applied inbound edges under a policy; returns the upstreams, the child and the edge ids. */
async function fanIn(
  flow: Flow,
  n: number,
  kind: 'all_of' | 'any_of' | 'quorum',
  options: { k?: number; onSatisfied?: 'cancel_remaining' | 'let_run'; childTask?: string } = {},
) {
  const ups = await members(flow, n);
  const child = await member(flow, { task: options.childTask });
  if (kind !== 'all_of') await policy(flow, child, kind, options);
  const edges: string[] = [];
  for (const up of ups) edges.push(await edge(flow, up, child));
  return { ups, child, edges };
}

/** The decision the log recorded for an edge's resolution. */
async function loggedDecision(flow: Flow, edgeId: string): Promise<string | undefined> {
  return (await loggedResolutions(flow.db, flow.flowId)).find((r) => r.edge_id === edgeId)?.decision;
}

/** a -> b -> c: a fails, so b is skipped at once and b -> c waits for b's cascade job (a deferred hop). */
async function deferredHop(flow: Flow, options: { childKind?: 'all_of' | 'any_of' } = {}) {
  const [a, b, c] = await members(flow, 3);
  if (options.childKind === 'any_of') await policy(flow, c!, 'any_of', { onSatisfied: 'let_run' });
  await edge(flow, a!, b!);
  const bc = await edge(flow, b!, c!);
  await complete(flow.db, a!, 'failed');
  return { a: a!, b: b!, c: c!, bc };
}

// The policy table, through completions.

test('resolution moves one unit from running_count into success_count, fail_count or skip_count', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 6, 'quorum', { k: 1 });
  // quorum 1 of 6 with only failures and skips stays pending until total - (fail + skip) < 1
  for (const [i, outcome] of ['failed', 'cancelled', 'expired', 'skipped'].entries()) await complete(flow.db, ups[i]!, outcome);
  t.like(await group(flow, child), { running_count: 2, success_count: 0, fail_count: 3, skip_count: 1, decision: 'pending' });
});

test('all_of: satisfied when success = total, and only then', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 3, 'all_of');
  await complete(flow.db, ups[0]!, 'success');
  await complete(flow.db, ups[1]!, 'success');
  t.is((await group(flow, child)).decision, 'pending');
  t.is((await execution(flow.db, child)).eligibility_state, 'blocked_by_dependencies');
  await complete(flow.db, ups[2]!, 'success');
  t.is(await loggedDecision(flow, edges[2]!), 'satisfied');
  t.like(await execution(flow.db, child), {
    eligibility_state: 'eligible_now',
    blocking_reason: 'waiting_for_worker',
    public_state: 'waiting',
    lifecycle_phase: 'runnable',
  });
  t.like(await group(flow, child), { decision: 'satisfied', success_count: 3, running_count: 0 });
});

test('all_of: impossible on the first fail, the child is skipped (attempt_state none: it never ran)', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 3, 'all_of');
  await complete(flow.db, ups[0]!, 'success');
  await complete(flow.db, ups[1]!, 'failed');
  t.is(await loggedDecision(flow, edges[1]!), 'impossible');
  t.like(await execution(flow.db, child), {
    lifecycle_phase: 'terminal',
    terminal_outcome: 'skipped',
    public_state: 'skipped',
    eligibility_state: 'not_applicable',
    attempt_state: 'none',
  });
});

test('all_of: impossible on a skipped upstream', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 2, 'all_of');
  await complete(flow.db, ups[0]!, 'skipped');
  t.like(await group(flow, child), { skip_count: 1, fail_count: 0, decision: 'impossible' });
});

test('any_of: satisfied on the first success while other edges still run', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'any_of');
  await complete(flow.db, ups[0]!, 'failed');
  t.is((await group(flow, child)).decision, 'pending');
  await complete(flow.db, ups[1]!, 'success');
  t.like(await group(flow, child), { running_count: 1, success_count: 1, fail_count: 1, decision: 'satisfied' });
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
});

test('any_of: impossible when fail + skip = total', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'any_of');
  await complete(flow.db, ups[0]!, 'failed');
  await complete(flow.db, ups[1]!, 'skipped');
  t.is((await group(flow, child)).decision, 'pending');
  await complete(flow.db, ups[2]!, 'cancelled');
  t.is((await group(flow, child)).decision, 'impossible');
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('quorum k: satisfied when success >= k', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'quorum', { k: 2 });
  await complete(flow.db, ups[0]!, 'success');
  await complete(flow.db, ups[1]!, 'failed');
  t.is((await group(flow, child)).decision, 'pending');
  await complete(flow.db, ups[2]!, 'success');
  t.is((await group(flow, child)).decision, 'satisfied');
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
});

test('quorum k: impossible as soon as total - (fail + skip) < k', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 4, 'quorum', { k: 3 });
  await complete(flow.db, ups[0]!, 'failed'); // 4 - 1 = 3, still reachable
  t.is((await group(flow, child)).decision, 'pending');
  await complete(flow.db, ups[1]!, 'skipped'); // 4 - 2 = 2 < 3
  t.like(await group(flow, child), { running_count: 2, decision: 'impossible' });
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('parallel edges of one upstream count one unit each; the last of them (by edge_id) logs the decision', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const up = await member(flow);
  const child = await member(flow);
  const edges = [await edge(flow, up, child), await edge(flow, up, child)].sort();
  await complete(flow.db, up, 'success');
  t.like(await group(flow, child), { success_count: 2, running_count: 0, decision: 'satisfied' });
  t.deepEqual([await loggedDecision(flow, edges[0]!), await loggedDecision(flow, edges[1]!)], ['pending', 'satisfied']);
});

test('the edge records its resolution: satisfied for success, impossible otherwise, with time and outcome', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, edges } = await fanIn(flow, 2, 'quorum', { k: 1 });
  await flow.db.query('SELECT * FROM flowfabric.ff_complete_execution($1::text, $2::text, NULL, p_now_ms => $3::bigint)', [
    ups[0],
    'expired',
    1_800_000_000_000,
  ]);
  await complete(flow.db, ups[1]!, 'success');
  t.like(await edgePolicy(flow, edges[0]!), {
    edge_state: 'impossible',
    upstream_outcome: 'expired',
    resolved_at_ms: 1_800_000_000_000,
  });
  t.like(await edgePolicy(flow, edges[1]!), { edge_state: 'satisfied', upstream_outcome: 'success' });
});

test('decide-once: an impossible all_of stays impossible when the remaining edges succeed', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 3, 'all_of');
  await complete(flow.db, ups[0]!, 'failed');
  await complete(flow.db, ups[1]!, 'success');
  await complete(flow.db, ups[2]!, 'success');
  t.deepEqual(
    [await loggedDecision(flow, edges[1]!), await loggedDecision(flow, edges[2]!)],
    ['already_decided', 'already_decided'],
  );
  t.like(await group(flow, child), { decision: 'impossible', success_count: 2, fail_count: 1, running_count: 0 });
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('decide-once: later resolutions of a satisfied any_of count but do not re-trigger the child', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'any_of', { childTask: 'work' });
  await startFlow(flow);
  await complete(flow.db, ups[0]!, 'success');
  const queued = (await jobs(flow.db)).filter((j) => j.task_identifier === 'work');
  t.is(queued.length, 1);
  await complete(flow.db, ups[1]!, 'failed');
  await complete(flow.db, ups[2]!, 'success');
  t.like(await group(flow, child), { decision: 'satisfied', success_count: 2, fail_count: 1, running_count: 0 });
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.task_identifier === 'work'),
    queued,
  );
  t.is((await execution(flow.db, child)).lifecycle_phase, 'runnable');
});

test('a satisfied child of a started flow is enqueued in the completing transaction', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 1, 'all_of', { childTask: 'work' });
  await startFlow(flow);
  await complete(flow.db, ups[0]!, 'success');
  const run = (await jobs(flow.db)).filter((j) => j.task_identifier === 'work');
  t.is(run.length, 1);
  t.is(run[0]!.key, `flowstage:run:${uuidOf(child)}`);
  t.deepEqual(run[0]!.payload, { flow_id: flow.flowId, execution_id: child });
});

test('a satisfied child of a flow not yet started is eligible but not enqueued', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 1, 'all_of', { childTask: 'work' });
  await complete(flow.db, ups[0]!, 'success');
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.task_identifier === 'work'),
    [],
  );
});

test("data passing: a success stores the upstream result under the ref, keeping the child's own keys", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const b = await member(flow);
  const child = await member(flow, { payload: { own: 1, a: 'mine until a arrives' } });
  await edge(flow, a, child, { ref: 'a' });
  await edge(flow, b, child, { ref: 'b' });
  await complete(flow.db, a, 'success', { result: { rows: 3 } });
  t.deepEqual((await execution(flow.db, child)).payload, { own: 1, a: { rows: 3 } });
  await complete(flow.db, b, 'success', { result: [1, 2] });
  t.deepEqual((await execution(flow.db, child)).payload, { own: 1, a: { rows: 3 }, b: [1, 2] });
});

test('data passing: an upstream with several refs into one child passes its result under each', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const up = await member(flow);
  const child = await member(flow);
  await edge(flow, up, child, { ref: 'x' });
  await edge(flow, up, child, { ref: 'y' });
  await complete(flow.db, up, 'success', { result: 'r' });
  t.deepEqual((await execution(flow.db, child)).payload, { x: 'r', y: 'r' });
});

test('data passing: nothing is stored for a failed upstream or a terminal child', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const b = await member(flow);
  const child = await member(flow);
  await policy(flow, child, 'quorum', { k: 2 });
  await edge(flow, a, child, { ref: 'a' });
  await edge(flow, b, child, { ref: 'b' });
  await complete(flow.db, a, 'failed', { result: { error: 'x' } }); // quorum 2 of 2 is now impossible: the child is skipped
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
  await complete(flow.db, b, 'success', { result: { ok: true } });
  t.is((await execution(flow.db, child)).payload, null);
});

test('cancel_remaining: the upstreams of unresolved edges are recorded once and a cancel job is queued', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'any_of', { onSatisfied: 'cancel_remaining' });
  await complete(flow.db, ups[0]!, 'success');
  const g = await group(flow, child);
  t.true(g.cancel_siblings_pending_flag);
  t.deepEqual([...g.cancel_siblings_pending_members].sort(), [ups[1]!, ups[2]!].sort());
  const cancelJobs = (await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings');
  t.is(cancelJobs.length, 1);
  t.deepEqual(cancelJobs[0]!.payload, { flow_id: flow.flowId, downstream_execution_id: child });
  await complete(flow.db, ups[1]!, 'success'); // later resolutions do not repeat it
  t.deepEqual((await group(flow, child)).cancel_siblings_pending_members, g.cancel_siblings_pending_members);
  t.is((await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings').length, 1);
});

test('let_run: a satisfied any_of records no siblings', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child } = await fanIn(flow, 3, 'any_of', { onSatisfied: 'let_run' });
  await complete(flow.db, ups[0]!, 'success');
  t.like(await group(flow, child), { cancel_siblings_pending_flag: false, cancel_siblings_pending_members: [] });
  t.deepEqual(
    (await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings'),
    [],
  );
});

test('a completion logs one complete_execution row listing its resolutions; a skipped child then logs its own', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 1, 'all_of');
  const before = (await events(flow.db, flow.flowId)).length;
  await complete(flow.db, ups[0]!, 'failed');
  const logged = (await events(flow.db, flow.flowId)).slice(before);
  t.deepEqual(
    logged.map((e) => [e.operation, e.arguments]),
    [
      [
        'complete_execution',
        { execution_id: ups[0], outcome: 'failed', resolved: [{ edge_id: edges[0], decision: 'impossible' }] },
      ],
      ['complete_execution', { execution_id: child, outcome: 'skipped' }],
    ],
  );
});

test('a completion that releases a child lists it under released', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 2, 'all_of');
  await complete(flow.db, ups[0]!, 'success');
  await complete(flow.db, ups[1]!, 'success');
  const rows = (await events(flow.db, flow.flowId)).filter((e) => e.operation === 'complete_execution');
  t.deepEqual(
    rows.map((e) => e.arguments),
    [
      { execution_id: ups[0], outcome: 'success', resolved: [{ edge_id: edges[0], decision: 'pending' }] },
      { execution_id: ups[1], outcome: 'success', resolved: [{ edge_id: edges[1], decision: 'satisfied' }], released: [child] },
    ],
  );
});

test('a completion with no outgoing edge logs complete_execution with its outcome alone', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const lone = await member(flow);
  await complete(flow.db, lone, 'success');
  const rows = (await events(flow.db, flow.flowId)).filter((e) => e.operation === 'complete_execution');
  t.deepEqual(
    rows.map((e) => e.arguments),
    [{ execution_id: lone, outcome: 'success' }],
  );
});

test('a deferred hop logs one resolve_edges row for the edges it resolved', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b, c] = await members(flow, 3);
  await edge(flow, a!, b!);
  const bc = await edge(flow, b!, c!);
  await complete(flow.db, a!, 'failed');
  const before = (await events(flow.db, flow.flowId)).length;
  await call(flow.db, 'SELECT * FROM flowfabric.ff_cascade_step($1)', [b]);
  const logged = (await events(flow.db, flow.flowId)).slice(before);
  t.deepEqual(
    logged.map((e) => [e.operation, e.arguments]),
    [
      ['resolve_edges', { execution_id: b, upstream_outcome: 'skipped', resolved: [{ edge_id: bc, decision: 'impossible' }] }],
      ['complete_execution', { execution_id: c, outcome: 'skipped' }],
    ],
  );
});

// Direct calls.

test('an edge whose upstream was completed is already_resolved: the completion resolved it, nothing changes', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 2, 'all_of');
  await complete(flow.db, ups[0]!, 'success');
  const before = { group: await group(flow, child), events: await eventCount(flow.db, flow.flowId) };
  const replay = await resolve(flow, edges[0]!, null);
  t.deepEqual([replay.status, replay.decision], ['already_resolved', 'pending']);
  t.deepEqual(await group(flow, child), before.group);
  t.is(await eventCount(flow.db, flow.flowId), before.events);
});

test("a deferred hop can be resolved directly: the outcome is the upstream's stored terminal_outcome", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { b, c, bc } = await deferredHop(flow);
  t.is((await execution(flow.db, b)).terminal_outcome, 'skipped');
  t.is((await edgePolicy(flow, bc)).edge_state, 'applied');
  const resolved = await resolve(flow, bc, null);
  t.deepEqual([resolved.status, resolved.decision], ['resolved', 'impossible']);
  t.like(await edgePolicy(flow, bc), { edge_state: 'impossible', upstream_outcome: 'skipped' });
  t.like(await execution(flow.db, c), { terminal_outcome: 'skipped', attempt_state: 'none' });
  t.deepEqual((await resolve(flow, bc, 'skipped')).status, 'already_resolved');
});

test('a given p_upstream_outcome equal to the stored one is accepted', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { c, bc } = await deferredHop(flow, { childKind: 'any_of' });
  const resolved = await resolve(flow, bc, 'skipped');
  t.deepEqual([resolved.status, resolved.decision], ['resolved', 'impossible']);
  t.like(await group(flow, c), { skip_count: 1, decision: 'impossible' });
});

test('an upstream that is not terminal is invalid_input upstream_not_terminal, and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 1, 'all_of');
  const before = { group: await group(flow, child), events: await eventCount(flow.db, flow.flowId) };
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(resolve(flow, edges[0]!, 'success'));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.true(error!.detail.startsWith(`upstream_not_terminal: edge_id=${edges[0]} upstream_execution_id=${ups[0]}`), error!.detail);
  t.is((await edgePolicy(flow, edges[0]!)).edge_state, 'applied');
  t.deepEqual(await group(flow, child), before.group);
  t.is(await eventCount(flow.db, flow.flowId), before.events);
  t.like(await t.throwsAsync(resolve(flow, edges[0]!, null)), { code: 'FF012' });
});

test("a p_upstream_outcome other than the upstream's is invalid_input outcome_mismatch, and nothing is written", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { b, c, bc } = await deferredHop(flow);
  const before = { group: await group(flow, c), events: await eventCount(flow.db, flow.flowId) };
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(resolve(flow, bc, 'success'));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.is(
    error!.detail,
    `outcome_mismatch: edge_id=${bc} upstream_execution_id=${b} p_upstream_outcome=success terminal_outcome=skipped`,
  );
  t.is((await edgePolicy(flow, bc)).edge_state, 'applied');
  t.deepEqual(await group(flow, c), before.group);
  t.is(await eventCount(flow.db, flow.flowId), before.events);
});

test('a mismatched outcome is refused even for an edge already resolved', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, edges } = await fanIn(flow, 1, 'all_of');
  await complete(flow.db, ups[0]!, 'success');
  const error = await t.throwsAsync<Error & { detail: string }>(resolve(flow, edges[0]!, 'failed'));
  t.true(error!.detail.startsWith('outcome_mismatch: '), error!.detail);
});

test('an edge that was never applied is invalid_dependency and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b] = await members(flow, 2);
  const edgeId = await stage(flow, a!, b!);
  const before = await eventCount(flow.db, flow.flowId);
  const error = await t.throwsAsync(resolve(flow, edgeId, 'success'));
  t.like(error, { code: 'FF014', message: 'invalid_dependency' });
  t.is((await edgePolicy(flow, edgeId)).edge_state, 'pending');
  t.is(await eventCount(flow.db, flow.flowId), before);
});

test('an unknown edge is edge_not_found, an unknown flow flow_not_found', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  t.like(await t.throwsAsync(resolve(flow, randomUUID(), 'success')), { code: 'FF010', message: 'edge_not_found' });
  t.like(await t.throwsAsync(resolve({ ...flow, flowId: randomUUID() }, randomUUID(), 'success')), {
    code: 'FF001',
    message: 'flow_not_found',
  });
});

test('an unknown outcome is invalid_input naming p_upstream_outcome', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { edges } = await fanIn(flow, 1, 'all_of');
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(resolve(flow, edges[0]!, 'succeeded'));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.regex(error!.detail, /^p_upstream_outcome: /);
});
