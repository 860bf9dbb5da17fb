// docs/semantics.md §9.3 with workers: attempt_timeout_ms (the task's AbortSignal, and the
// database side: a flowstage__expire job run by any live worker) and execution_deadline_ms.
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow, flowRow } from '../helpers/fixtures.js';
import { execution, member, startFlow, waitFor } from '../helpers/cascade.js';
import { startWorker as startTestWorker } from '../helpers/worker.js';
import { type FlowstageEventMap, type TaskList } from '../../src/worker/index.js';

const HANG_WORKER = fileURLToPath(new URL('./fixtures/hang-worker.ts', import.meta.url));

// Heartbeats every 200 ms with a 1.5 s lease, so a worker that died is reaped within the test.
const startWorker = (t: ExecutionContext, connectionString: string, taskList: TaskList) =>
  startTestWorker(t, connectionString, taskList, { heartbeatInterval: 200, workerLease: 1500 });

test('a hanging task with attempt_timeout_ms 500: its signal aborts, the attempt fails and is retried within 2 s', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, {
    task: 'hang',
    policy: { attempt_timeout_ms: 500, max_retries: 1, backoff: { type: 'fixed', delay_ms: 100 } },
  });
  const startedAt: number[] = [];
  let aborted = false;
  const worker = await startWorker(t, connectionStringOf(db), {
    hang: async (_payload, helpers) => {
      startedAt.push(Date.now());
      if (helpers.attempt === 1) {
        await new Promise<void>((resolve) =>
          helpers.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        );
        return 'too late'; // fenced off: the attempt is no longer current
      }
      return 'second';
    },
  });
  const timedOut: FlowstageEventMap['timed_out'][] = [];
  worker.events.on('timed_out', (event) => timedOut.push(event));
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 10_000);
  t.true(aborted);
  t.like(await execution(db, id), {
    terminal_outcome: 'success',
    result: 'second',
    retry_count: 1,
    failure_reason: 'attempt_timeout',
  });
  t.deepEqual(
    timedOut.map((e) => [e.attempt, e.timeoutMs]),
    [[1, 500]],
  );
  const retriedAfter = startedAt[1]! - startedAt[0]!;
  t.log(`second attempt began ${retriedAfter} ms after the first (timeout 500 ms + backoff 100 ms)`);
  t.true(retriedAfter >= 500 && retriedAfter < 500 + 2000);
});

test('a timed out attempt with no retries left ends expired, not failed', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'hang', policy: { attempt_timeout_ms: 300 } });
  await startWorker(t, connectionStringOf(db), { hang: () => new Promise(() => {}) });
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 10_000);
  t.like(await execution(db, id), { terminal_outcome: 'expired', public_state: 'expired', failure_reason: 'attempt_timeout' });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});

function spawnHangWorker(connectionString: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HANG_WORKER, connectionString], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

test('the attempt timeout holds when the worker running it was SIGKILLed: a live worker fails and retries it within 2 s', async (t) => {
  t.timeout(60_000);
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, {
    task: 'hang',
    policy: { attempt_timeout_ms: 500, max_retries: 1, backoff: { type: 'fixed', delay_ms: 100 } },
  });
  const child = await spawnHangWorker(connectionStringOf(db));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  await startFlow(flow);
  await waitFor('the first attempt to hang', async () => (await execution(db, id)).public_state === 'active', 15_000);
  child.kill('SIGKILL');
  const begun = Number((await execution(db, id)).raw_fields.last_attempt_started_at_ms);
  // A live worker with the same task, which returns: only the database side can end attempt 1.
  await startWorker(t, connectionStringOf(db), { hang: (_payload, helpers) => `attempt ${helpers.attempt}` });
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 15_000);
  const row = await execution(db, id);
  t.like(row, { terminal_outcome: 'success', result: 'attempt 2', retry_count: 1, failure_reason: 'attempt_timeout' });
  const failedAt = Number(row.raw_fields.last_failure_at_ms);
  t.log(`attempt 1 failed ${failedAt - begun - 500} ms after its timeout was due`);
  t.true(failedAt - begun >= 500 && failedAt - begun < 500 + 2000);
});

test('execution_deadline_ms: a delayed execution still not terminal at its deadline expires within 2 s, and the flow fails', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'never', delayUntilMs: Date.now() + 3_600_000, policy: { execution_deadline_ms: 400 } });
  let calls = 0;
  await startWorker(t, connectionStringOf(db), {
    never: () => {
      calls++;
    },
  });
  const started = Date.now();
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 10_000);
  const row = await execution(db, id);
  t.like(row, { terminal_outcome: 'expired', public_state: 'expired', failure_reason: 'execution_deadline' });
  t.true(Number(row.deadline_at_ms) - started >= 400);
  t.true(Date.now() - started < 400 + 2000 + 1000);
  t.is(calls, 0);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'failed');
});
