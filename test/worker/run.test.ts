// run(): a Graphile Worker runner with flowstage's tasks and the user's tasks, wrapped.
import test, { type ExecutionContext } from 'ava';
import { quickAddJob } from 'graphile-worker';
import { connectionStringOf } from '../helpers/database.js';
import { edge, execution, jobs, member, policy, quietLogger, startFlow, waitFor } from '../helpers/cascade.js';
import { createFlow, flowRow } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';
import { emptyDatabase, queryUrl } from '../helpers/fixtures.js';
import { silent, startWorker as startTestWorker } from '../helpers/worker.js';
import { run, type TaskList } from '../../src/worker/index.js';

const startWorker = (t: ExecutionContext, connectionString: string, taskList: TaskList) =>
  startTestWorker(t, connectionString, taskList, { pollInterval: 200 });

test("a started flow runs to the end: each task gets its payload with its parents' results and returns its result", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'number', payload: { value: 2 } });
  const b = await member(flow, { task: 'number', payload: { value: 3 } });
  const sum = await member(flow, { task: 'sum' });
  await edge(flow, a, sum, { ref: 'a' });
  await edge(flow, b, sum, { ref: 'b' });
  const seen: unknown[] = [];
  await startWorker(t, connectionStringOf(db), {
    number: (payload) => (payload as { value: number }).value * 10,
    sum: (payload, helpers) => {
      seen.push({ payload, executionId: helpers.executionId, attempt: helpers.attempt });
      const p = payload as { a: number; b: number };
      return { total: p.a + p.b };
    },
  });
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual(seen, [{ payload: { a: 20, b: 30 }, executionId: sum, attempt: 1 }]);
  t.like(await execution(db, sum), { terminal_outcome: 'success', public_state: 'completed', result: { total: 50 } });
  t.is((await execution(db, a)).result, 20);
});

test('nothing runs before ff_start_flow', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'work' });
  let calls = 0;
  await startWorker(t, connectionStringOf(db), {
    work: () => {
      calls++;
    },
  });
  await new Promise((r) => setTimeout(r, 600));
  t.is(calls, 0);
  t.is((await execution(db, a)).lifecycle_phase, 'runnable');
  await startFlow(flow);
  await waitFor('the task to run', async () => (await execution(db, a)).lifecycle_phase === 'terminal');
  t.is(calls, 1);
});

test('a task that throws is retried by flowstage and only its final failure completes the execution as failed', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const flaky = await member(flow, { task: 'flaky', policy: { max_retries: 1, backoff: { type: 'fixed', delay_ms: 300 } } });
  const dependent = await member(flow, { task: 'never' });
  await edge(flow, flaky, dependent);
  let calls = 0;
  let neverCalls = 0;
  await startWorker(t, connectionStringOf(db), {
    flaky: () => {
      calls++;
      throw new Error(`boom ${calls}`);
    },
    never: () => {
      neverCalls++;
    },
  });
  await startFlow(flow);
  // first attempt failed: the execution waits for its retry, delayed, not terminal
  await waitFor('the first failure', async () => (await execution(db, flaky)).retry_count === 1);
  t.like(await execution(db, flaky), { public_state: 'delayed', terminal_outcome: 'none', failure_reason: 'boom 1' });
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 30_000);
  t.is(calls, 2);
  t.like(await execution(db, flaky), {
    terminal_outcome: 'failed',
    public_state: 'failed',
    failure_reason: 'boom 2',
    result: { error: 'boom 2', category: 'Error' },
  });
  t.is((await execution(db, flaky)).raw_fields.attempt_count, 2);
  t.is((await execution(db, dependent)).terminal_outcome, 'skipped');
  t.is(neverCalls, 0);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
  // every run job was a single Graphile Worker attempt that completed: none is left behind
  await waitFor('the queue to empty', async () => (await jobs(db)).length === 0);
  t.pass();
});

test('cancel_remaining with a worker: the first success runs the child and the slower siblings never run', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const fast = await member(flow, { task: 'fast' });
  const slow1 = await member(flow, { task: 'slow' });
  const slow2 = await member(flow, { task: 'slow' });
  const child = await member(flow, { task: 'child' });
  await policy(flow, child, 'any_of', { onSatisfied: 'cancel_remaining' });
  for (const up of [fast, slow1, slow2]) await edge(flow, up, child, { ref: 'winner' });
  let slowCalls = 0;
  // A worker without 'slow' first: the fast task wins and the slow siblings are cancelled while queued.
  const first = await run({
    connectionString: connectionStringOf(db),
    concurrency: 2,
    noHandleSignals: true,
    logFactory: silent,
    taskList: { fast: () => 'fast', child: (payload) => payload },
  });
  t.teardown(() => first.stop());
  await startFlow(flow);
  await waitFor('the child to finish', async () => (await execution(db, child)).lifecycle_phase === 'terminal');
  await first.stop();
  await startWorker(t, connectionStringOf(db), {
    slow: () => {
      slowCalls++;
    },
  });
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  t.like(await execution(db, child), { terminal_outcome: 'success', result: { winner: 'fast' } });
  for (const s of [slow1, slow2]) t.is((await execution(db, s)).terminal_outcome, 'cancelled');
  t.is(slowCalls, 0);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed'); // docs/semantics.md §6: a cancelled member fails the flow
});

test('run() refuses user task names with the reserved flowstage__ prefix', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(
    run({ connectionString: connectionStringOf(db), noHandleSignals: true, taskList: { flowstage__cascade: () => 1 } }),
    { message: /flowstage__ prefix is reserved/ },
  );
});

for (const concurrency of [-1, 0, 1.5, Number.NaN]) {
  test(`run() refuses concurrency ${concurrency} (a positive integer or nothing)`, async (t) => {
    const db = await testDatabase(t);
    await t.throwsAsync(run({ connectionString: connectionStringOf(db), noHandleSignals: true, concurrency }), {
      message: /run: concurrency must be a positive integer/,
    });
  });
}

test('run() refuses a taskList that is not an object of tasks', async (t) => {
  const db = await testDatabase(t);
  for (const taskList of [42, 'tasks', [() => 1]]) {
    await t.throwsAsync(
      run({ connectionString: connectionStringOf(db), noHandleSignals: true, taskList: taskList as unknown as TaskList }),
      { message: /run: taskList must be an object/ },
    );
  }
});

test('run() on a database without flowstage refuses to start, says so, and creates nothing there', async (t) => {
  const url = await emptyDatabase(t);
  await t.throwsAsync(run({ connectionString: url, noHandleSignals: true, logFactory: silent }), {
    message: /flowstage is not installed in this database \(no schema flowfabric\).*flowstage migrate/,
  });
  const schemas = await queryUrl(url, `SELECT nspname FROM pg_namespace WHERE nspname IN ('graphile_worker', 'flowfabric')`);
  t.deepEqual(schemas, []);
});

test('a worker without cron logs nothing about a crontab file', async (t) => {
  const db = await testDatabase(t);
  const messages: string[] = [];
  const worker = await run({
    connectionString: connectionStringOf(db),
    noHandleSignals: true,
    logFactory: () => (_level, message) => {
      messages.push(message);
    },
  });
  await worker.stop();
  t.true(messages.length > 0, 'the logger was used');
  t.deepEqual(
    messages.filter((m) => /crontab|cron is disabled/i.test(m)),
    [],
  );
});

test('a plain Graphile Worker job for a user task runs the task with the job payload', async (t) => {
  const db = await testDatabase(t);
  const received: unknown[] = [];
  await startWorker(t, connectionStringOf(db), {
    greet: (payload, helpers) => {
      received.push([payload, helpers.executionId]);
    },
  });
  await quickAddJob({ pgPool: db, logger: quietLogger }, 'greet', { name: 'ada' });
  await waitFor('the job to run', async () => received.length > 0);
  t.deepEqual(received, [[{ name: 'ada' }, null]]);
});
