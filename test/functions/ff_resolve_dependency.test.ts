// ff_resolve_dependency (SPEC section 6): one edge per call; counters, the policy table,
// decide-once, the edge's own record, data passing, sibling bookkeeping, refusals.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import {
  complete, createFlow, edge, edgePolicy, eventCount, execution, group, jobs, member, members, operations, policy,
  resolve, stage, startFlow, type TestFlow,
} from '../helpers/cascade.js';
import { testDatabase } from '../helpers/database.js';

/** A child with `n` applied inbound edges under a policy; returns the child and the edge ids. */
async function fanIn(flow: TestFlow, n: number, kind: 'all_of' | 'any_of' | 'quorum',
  options: { k?: number; onSatisfied?: 'cancel_remaining' | 'let_run'; childTask?: string } = {}) {
  const ups = await members(flow, n);
  const child = await member(flow, { task: options.childTask });
  if (kind !== 'all_of') await policy(flow, child, kind, options);
  const edges: string[] = [];
  for (const up of ups) edges.push(await edge(flow, up, child));
  return { ups, child, edges };
}

test('resolution moves one unit from running_count into success_count, fail_count or skip_count', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 6, 'quorum', { k: 1 });
  // quorum 1 of 6 with only failures and skips stays pending until total - (fail + skip) < 1
  for (const [i, outcome] of ['failed', 'cancelled', 'expired', 'skipped'].entries()) await resolve(flow, edges[i]!, outcome);
  const g = await group(flow, child);
  t.like(g, { running_count: 2, success_count: 0, fail_count: 3, skip_count: 1, decision: 'pending' });
});

test('all_of: satisfied when success = total, and only then', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'all_of');
  t.is((await resolve(flow, edges[0]!, 'success')).decision, 'pending');
  t.is((await resolve(flow, edges[1]!, 'success')).decision, 'pending');
  t.is((await execution(flow.db, child)).eligibility_state, 'blocked_by_dependencies');
  const last = await resolve(flow, edges[2]!, 'success');
  t.deepEqual([last.status, last.decision], ['resolved', 'satisfied']);
  t.like(await execution(flow.db, child),
    { eligibility_state: 'eligible_now', blocking_reason: 'waiting_for_worker', public_state: 'waiting', lifecycle_phase: 'runnable' });
  t.like(await group(flow, child), { decision: 'satisfied', success_count: 3, running_count: 0 });
});

test('all_of: impossible on the first fail, the child is skipped', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'all_of');
  await resolve(flow, edges[0]!, 'success');
  t.is((await resolve(flow, edges[1]!, 'failed')).decision, 'impossible');
  t.like(await execution(flow.db, child),
    { lifecycle_phase: 'terminal', terminal_outcome: 'skipped', public_state: 'skipped', eligibility_state: 'not_applicable' });
});

test('all_of: impossible on a skipped upstream', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 2, 'all_of');
  t.is((await resolve(flow, edges[0]!, 'skipped')).decision, 'impossible');
  t.like(await group(flow, child), { skip_count: 1, fail_count: 0, decision: 'impossible' });
});

test('any_of: satisfied on the first success while other edges still run', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'any_of');
  t.is((await resolve(flow, edges[0]!, 'failed')).decision, 'pending');
  t.is((await resolve(flow, edges[1]!, 'success')).decision, 'satisfied');
  t.like(await group(flow, child), { running_count: 1, success_count: 1, fail_count: 1, decision: 'satisfied' });
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
});

test('any_of: impossible when fail + skip = total', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'any_of');
  t.is((await resolve(flow, edges[0]!, 'failed')).decision, 'pending');
  t.is((await resolve(flow, edges[1]!, 'skipped')).decision, 'pending');
  t.is((await resolve(flow, edges[2]!, 'cancelled')).decision, 'impossible');
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('quorum k: satisfied when success >= k', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'quorum', { k: 2 });
  t.is((await resolve(flow, edges[0]!, 'success')).decision, 'pending');
  t.is((await resolve(flow, edges[1]!, 'failed')).decision, 'pending');
  t.is((await resolve(flow, edges[2]!, 'success')).decision, 'satisfied');
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
});

test('quorum k: impossible as soon as total - (fail + skip) < k', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 4, 'quorum', { k: 3 });
  t.is((await resolve(flow, edges[0]!, 'failed')).decision, 'pending');  // 4 - 1 = 3, still reachable
  t.is((await resolve(flow, edges[1]!, 'skipped')).decision, 'impossible');  // 4 - 2 = 2 < 3
  t.like(await group(flow, child), { running_count: 2, decision: 'impossible' });
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('the edge records its resolution: satisfied for success, impossible otherwise, with time and outcome', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { edges } = await fanIn(flow, 2, 'quorum', { k: 1 });
  await flow.db.query('SELECT flowfabric.ff_resolve_dependency($1::uuid, $2::uuid, $3::text, $4::bigint)',
    [flow.flowId, edges[0], 'expired', 1_800_000_000_000]);
  await resolve(flow, edges[1]!, 'success');
  t.like(await edgePolicy(flow, edges[0]!), { edge_state: 'impossible', upstream_outcome: 'expired', resolved_at_ms: 1_800_000_000_000 });
  t.like(await edgePolicy(flow, edges[1]!), { edge_state: 'satisfied', upstream_outcome: 'success' });
});

test('a second resolution of an edge is already_resolved and changes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 2, 'all_of');
  await resolve(flow, edges[0]!, 'success');
  const before = { group: await group(flow, child), events: await eventCount(flow) };
  const replay = await resolve(flow, edges[0]!, 'failed');
  t.deepEqual([replay.status, replay.decision], ['already_resolved', 'pending']);
  t.deepEqual(await group(flow, child), before.group);
  t.is(await eventCount(flow), before.events);
  t.is((await edgePolicy(flow, edges[0]!)).upstream_outcome, 'success');
});

test('decide-once: an impossible all_of stays impossible when the remaining edges succeed', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'all_of');
  await resolve(flow, edges[0]!, 'failed');
  t.is((await resolve(flow, edges[1]!, 'success')).decision, 'already_decided');
  t.is((await resolve(flow, edges[2]!, 'success')).decision, 'already_decided');
  t.like(await group(flow, child), { decision: 'impossible', success_count: 2, fail_count: 1, running_count: 0 });
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
});

test('decide-once: later resolutions of a satisfied any_of count but do not re-trigger the child', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'any_of', { childTask: 'work' });
  await startFlow(flow);
  await resolve(flow, edges[0]!, 'success');
  const queued = (await jobs(flow.db)).filter((j) => j.task_identifier === 'work');
  t.is(queued.length, 1);
  t.is((await resolve(flow, edges[1]!, 'failed')).decision, 'already_decided');
  t.is((await resolve(flow, edges[2]!, 'success')).decision, 'already_decided');
  t.like(await group(flow, child), { decision: 'satisfied', success_count: 2, fail_count: 1, running_count: 0 });
  t.deepEqual((await jobs(flow.db)).filter((j) => j.task_identifier === 'work'), queued);
  t.is((await execution(flow.db, child)).lifecycle_phase, 'runnable');
});

test('a satisfied child of a started flow is enqueued in the resolving transaction', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 1, 'all_of', { childTask: 'work' });
  await startFlow(flow);
  await resolve(flow, edges[0]!, 'success');
  const run = (await jobs(flow.db)).filter((j) => j.task_identifier === 'work');
  t.is(run.length, 1);
  t.is(run[0]!.key, `flowstage:run:${child.slice(child.lastIndexOf(':') + 1)}`);
  t.deepEqual(run[0]!.payload, { flow_id: flow.flowId, execution_id: child });
});

test('a satisfied child of a flow not yet started is eligible but not enqueued', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 1, 'all_of', { childTask: 'work' });
  await resolve(flow, edges[0]!, 'success');
  t.is((await execution(flow.db, child)).eligibility_state, 'eligible_now');
  t.deepEqual((await jobs(flow.db)).filter((j) => j.task_identifier === 'work'), []);
});

test('data passing: a success stores the upstream result under the ref, keeping the child\'s own keys', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const b = await member(flow);
  const child = await member(flow, { payload: { own: 1, a: 'mine until a arrives' } });
  const ea = await edge(flow, a, child, { ref: 'a' });
  const eb = await edge(flow, b, child, { ref: 'b' });
  await flow.db.query('SELECT flowfabric.ff_complete_execution($1::text, $2::text, $3::jsonb)', [a, 'success', '{"rows": 3}']);
  await flow.db.query('SELECT flowfabric.ff_complete_execution($1::text, $2::text, $3::jsonb)', [b, 'success', '[1, 2]']);
  await resolve(flow, ea, 'success');
  t.deepEqual((await execution(flow.db, child)).payload, { own: 1, a: { rows: 3 } });
  await resolve(flow, eb, 'success');
  t.deepEqual((await execution(flow.db, child)).payload, { own: 1, a: { rows: 3 }, b: [1, 2] });
});

test('data passing: nothing is stored for a failed upstream or a terminal child', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const b = await member(flow);
  const child = await member(flow);
  await policy(flow, child, 'quorum', { k: 2 });
  const ea = await edge(flow, a, child, { ref: 'a' });
  const eb = await edge(flow, b, child, { ref: 'b' });
  await complete(flow.db, a, 'failed', { error: 'x' });
  await complete(flow.db, b, 'success', { ok: true });
  await resolve(flow, ea, 'failed');  // quorum 2 of 2 is now impossible: the child is skipped
  t.is((await execution(flow.db, child)).terminal_outcome, 'skipped');
  await resolve(flow, eb, 'success');
  t.is((await execution(flow.db, child)).payload, null);
});

test('cancel_remaining: the upstreams of unresolved edges are recorded once and a cancel job is queued', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { ups, child, edges } = await fanIn(flow, 3, 'any_of', { onSatisfied: 'cancel_remaining' });
  await resolve(flow, edges[0]!, 'success');
  const g = await group(flow, child);
  t.true(g.cancel_siblings_pending_flag);
  t.deepEqual([...g.cancel_siblings_pending_members].sort(), [ups[1]!, ups[2]!].sort());
  const cancelJobs = (await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings');
  t.is(cancelJobs.length, 1);
  t.deepEqual(cancelJobs[0]!.payload, { flow_id: flow.flowId, downstream_execution_id: child });
  await resolve(flow, edges[1]!, 'success');  // later resolutions do not repeat it
  t.deepEqual((await group(flow, child)).cancel_siblings_pending_members, g.cancel_siblings_pending_members);
  t.is((await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings').length, 1);
});

test('let_run: a satisfied any_of records no siblings', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { child, edges } = await fanIn(flow, 3, 'any_of', { onSatisfied: 'let_run' });
  await resolve(flow, edges[0]!, 'success');
  t.like(await group(flow, child), { cancel_siblings_pending_flag: false, cancel_siblings_pending_members: [] });
  t.deepEqual((await jobs(flow.db)).filter((j) => j.task_identifier === 'flowstage__cancel_siblings'), []);
});

test('a resolution logs resolve_dependency; a skipped child also logs complete_execution', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { edges } = await fanIn(flow, 1, 'all_of');
  const before = (await operations(flow)).length;
  await resolve(flow, edges[0]!, 'failed');
  t.deepEqual((await operations(flow)).slice(before).sort(), ['complete_execution', 'resolve_dependency']);
});

test('an edge that was never applied is invalid_dependency and nothing is written', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b] = await members(flow, 2);
  const edgeId = await stage(flow, a!, b!);
  const before = await eventCount(flow);
  const error = await t.throwsAsync(resolve(flow, edgeId, 'success'));
  t.like(error, { code: 'FF014', message: 'invalid_dependency' });
  t.is((await edgePolicy(flow, edgeId)).edge_state, 'pending');
  t.is(await eventCount(flow), before);
});

test('an unknown edge is edge_not_found, an unknown flow flow_not_found', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  t.like(await t.throwsAsync(resolve(flow, randomUUID(), 'success')), { code: 'FF010', message: 'edge_not_found' });
  t.like(await t.throwsAsync(resolve({ ...flow, flowId: randomUUID() }, randomUUID(), 'success')),
    { code: 'FF001', message: 'flow_not_found' });
});

test('an unknown outcome is invalid_input naming p_upstream_outcome', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { edges } = await fanIn(flow, 1, 'all_of');
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(resolve(flow, edges[0]!, 'succeeded'));
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.regex(error!.detail, /^p_upstream_outcome: /);
});
