// docs/semantics.md §9.2 with a worker: flowstage owns retrying. A task that throws is failed
// (ff_fail_execution) and runs again after its policy's backoff, as a new single-attempt job.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow, flowRow } from '../helpers/fixtures.js';
import { execution, member, startFlow, waitFor } from '../helpers/cascade.js';
import { startWorker } from '../helpers/worker.js';
import { type FlowstageEventMap } from '../../src/worker/index.js';

test('a task that throws twice with max_retries 2 completes on its third attempt, each wait bounded by its backoff', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, {
    task: 'flaky',
    policy: { max_retries: 2, backoff: { type: 'exponential', initial_delay_ms: 200, multiplier: 2, max_delay_ms: 5000 } },
  });
  const thrownAt: number[] = [];
  const startedAt: number[] = [];
  const attempts: number[] = [];
  const worker = await startWorker(t, connectionStringOf(db), {
    flaky: (_payload, helpers) => {
      startedAt.push(Date.now());
      attempts.push(helpers.attempt);
      if (helpers.attempt < 3) {
        thrownAt.push(Date.now());
        throw new Error(`connection refused (${helpers.attempt})`);
      }
      return { ok: helpers.attempt };
    },
  });
  const scheduled: FlowstageEventMap['retry_scheduled'][] = [];
  worker.events.on('retry_scheduled', (event) => scheduled.push(event));
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open', 30_000);
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual(attempts, [1, 2, 3]);
  t.like(await execution(db, id), {
    terminal_outcome: 'success',
    result: { ok: 3 },
    retry_count: 2,
    failure_reason: 'connection refused (2)',
  });
  t.deepEqual(
    scheduled.map((e) => [e.attempt, e.retryCount, e.reason]),
    [
      [1, 1, 'connection refused (1)'],
      [2, 2, 'connection refused (2)'],
    ],
  );
  const waits = [startedAt[1]! - thrownAt[0]!, startedAt[2]! - thrownAt[1]!];
  t.log(`waits between attempts: ${waits.join(' ms, ')} ms (backoff 200 ms, 400 ms)`);
  // Ordered and bounded: never before the backoff, and within a poll interval plus slack after it.
  t.true(waits[0]! >= 200 - 5 && waits[0]! < 200 + 1000, `first wait ${waits[0]} ms`);
  t.true(waits[1]! >= 400 - 5 && waits[1]! < 400 + 1000, `second wait ${waits[1]} ms`);
});

test("the failure reason is the error's message truncated to 1,024 characters; the category its name", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'loud' });
  class QuotaError extends Error {
    override name = 'QuotaError';
  }
  await startWorker(t, connectionStringOf(db), {
    loud: () => {
      throw new QuotaError('x'.repeat(5000));
    },
  });
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  const row = await execution(db, id);
  t.is(row.terminal_outcome, 'failed');
  t.is(row.failure_reason, 'x'.repeat(1024));
  t.deepEqual(row.result, { error: 'x'.repeat(1024), category: 'QuotaError' });
});

test('a task that delays itself runs again at that time without spending a retry', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'patient' });
  const attempts: number[] = [];
  await startWorker(t, connectionStringOf(db), {
    patient: async (_payload, helpers) => {
      attempts.push(helpers.attempt);
      if (helpers.attempt === 1) {
        await helpers.delay(Date.now() + 300);
        return 'ignored';
      }
      return 'done';
    },
  });
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  t.deepEqual(attempts, [1, 2]);
  t.like(await execution(db, id), { terminal_outcome: 'success', result: 'done', retry_count: 0 });
});

test('a replayed execution runs again on a worker, which emits replayed, and the reopened flow completes', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'count' });
  let runs = 0;
  const worker = await startWorker(t, connectionStringOf(db), { count: () => ++runs });
  const replayed: FlowstageEventMap['replayed'][] = [];
  worker.events.on('replayed', (event) => replayed.push(event));
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state === 'completed');
  await db.query('SELECT * FROM flowfabric.ff_replay_execution(p_execution_id => $1)', [id]);
  // (The worker may rerun it before the next read: the flow is open only in between.)
  await waitFor('the rerun', async () => runs === 2);
  await waitFor('the flow to finish again', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state === 'completed');
  const { rows } = await db.query(
    `SELECT operation FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND operation IN ('replay_execution', 'complete_flow')
     ORDER BY event_id`,
    [flow.flowId],
  );
  t.deepEqual(
    rows.map((r) => r.operation),
    ['complete_flow', 'replay_execution', 'complete_flow'],
  );
  t.is(runs, 2);
  t.like(await execution(db, id), { result: 2, replay_count: 1 });
  t.deepEqual(
    replayed.map((e) => [e.executionId, e.attempt]),
    [[id, 2]],
  );
});
