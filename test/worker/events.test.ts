// run().events: Graphile Worker's runner events plus flowstage's own, emitted by its tasks after
// the calls that did what they report.
import test, { type ExecutionContext } from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { edge, member, policy, startFlow, waitFor } from '../helpers/cascade.js';
import { createFlow } from '../helpers/fixtures.js';
import { startWorker as startTestWorker } from '../helpers/worker.js';
import { waitForFlow, type FlowFinishedEvent, type FlowstageEventMap, type TaskList } from '../../src/index.js';

async function startWorker(t: ExecutionContext, connectionString: string, taskList: TaskList) {
  const worker = await startTestWorker(t, connectionString, taskList, { pollInterval: 200 });
  const completed: FlowstageEventMap['execution:completed'][] = [];
  const flows: FlowFinishedEvent[] = [];
  worker.events.on('execution:completed', (event) => completed.push(event));
  let finished!: (event: FlowFinishedEvent) => void;
  const flowFinished = new Promise<FlowFinishedEvent>((resolve) => {
    finished = resolve;
  });
  for (const name of ['flow:completed', 'flow:failed', 'flow:cancelled'] as const) {
    worker.events.on(name, (event) => {
      flows.push({ ...event, name } as FlowFinishedEvent & { name: string });
      finished(event);
    });
  }
  return { worker, completed, flows, flowFinished };
}

const byId = (a: { executionId: string }, b: { executionId: string }) => a.executionId.localeCompare(b.executionId);

test("each completion a task ends emits execution:completed, and the flow's end flow:completed once", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  const b = await member(flow, { task: 'work' });
  const c = await member(flow, { task: 'work' });
  await edge(flow, a, c);
  await edge(flow, b, c);
  const { completed, flows, flowFinished } = await startWorker(t, connectionStringOf(db), { work: () => 'ok' });
  await startFlow(flow);
  const event = await flowFinished;
  t.deepEqual(event, { flowId: flow.flowId, state: 'completed', executionId: c });
  // c's completion finished the flow in its own transaction: its task announces both.
  await waitFor('three completions', async () => completed.length >= 3);
  t.deepEqual(
    completed.sort(byId),
    [a, b, c].map((executionId) => ({ executionId, flowId: flow.flowId, outcome: 'success' })).sort(byId),
  );
  t.deepEqual(
    flows.map((f) => (f as FlowFinishedEvent & { name: string }).name),
    ['flow:completed'],
  );
});

test('a task that fails for good emits execution:completed failed, and its flow flow:failed', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const broken = await member(flow, { task: 'broken' });
  const { completed, flowFinished } = await startWorker(t, connectionStringOf(db), {
    broken: () => {
      throw new Error('no');
    },
  });
  await startFlow(flow, { maxAttempts: 1 });
  t.deepEqual(await flowFinished, { flowId: flow.flowId, state: 'failed', executionId: broken });
  await waitFor('the completion', async () => completed.length >= 1);
  t.deepEqual(completed, [{ executionId: broken, flowId: flow.flowId, outcome: 'failed' }]);
});

test('siblings cancelled by a satisfied cancel_remaining group emit execution:completed cancelled', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const fast = await member(flow, { task: 'fast' });
  const slow1 = await member(flow, { task: 'slow' });
  const slow2 = await member(flow, { task: 'slow' });
  const child = await member(flow, { task: 'child' });
  await policy(flow, child, 'any_of', { onSatisfied: 'cancel_remaining' });
  for (const up of [fast, slow1, slow2]) await edge(flow, up, child);
  // No 'slow' task here: the slow siblings stay queued until they are cancelled.
  const { completed, flowFinished } = await startWorker(t, connectionStringOf(db), { fast: () => 1, child: () => 2 });
  await startFlow(flow);
  t.like(await flowFinished, { flowId: flow.flowId, state: 'failed' }); // docs/semantics.md §6: a cancelled member fails the flow
  // Each cancellation is emitted after its step returns, maybe after the flow's end was announced.
  await waitFor('two cancellations', async () => completed.filter((e) => e.outcome === 'cancelled').length >= 2);
  t.deepEqual(
    completed.filter((e) => e.outcome === 'cancelled').sort(byId),
    [slow1, slow2].map((executionId) => ({ executionId, flowId: flow.flowId, outcome: 'cancelled' })).sort(byId),
  );
});

test("Graphile Worker's own events come through the same emitter", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'work' });
  const { worker, flowFinished } = await startWorker(t, connectionStringOf(db), { work: () => 'ok' });
  const succeeded: string[] = [];
  worker.events.on('job:success', ({ job }) => succeeded.push(job.task_identifier));
  await startFlow(flow);
  await flowFinished; // emitted by the work job itself: its completion finished the flow
  await waitFor("the job's success", async () => succeeded.includes('work'));
  t.deepEqual(
    succeeded.filter((name) => name === 'work'),
    ['work'],
  );
});

test('a listener that throws does not fail the job', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'work' });
  let calls = 0;
  const { worker } = await startWorker(t, connectionStringOf(db), {
    work: () => {
      calls++;
      return 'ok';
    },
  });
  worker.events.on('execution:completed', () => {
    throw new Error('listener bug');
  });
  const errors: string[] = [];
  worker.events.on('job:error', ({ error }) => errors.push(String(error)));
  const succeeded: string[] = [];
  worker.events.on('job:success', ({ job }) => succeeded.push(job.task_identifier));
  await startFlow(flow);
  t.is((await waitForFlow(db, flow.flowId, { timeoutMs: 60_000 })).public_flow_state, 'completed');
  t.is(calls, 1);
  t.deepEqual(errors, []);
  t.true(succeeded.includes('work'));
});
