// waitForFlow: resolves with the flow's description once it leaves open; polls with backoff and,
// where it holds a connection, is woken early by the namespace's notifications.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import {
  FlowNotFoundError,
  FlowWaitAbortedError,
  FlowWaitTimeoutError,
  addExecutionToFlow,
  cancelFlow,
  completeExecution,
  createExecution,
  createFlow,
  run,
  setNamespaceNotify,
  startFlow,
  submitFlow,
  waitForFlow,
  type Queryable,
} from '../../src/index.js';
import { drain } from '../helpers/cascade.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

/** An open flow of namespace `ns` with `count` members (task `work`); returns the ids. */
async function openFlow(db: Queryable, ns: string, count: number): Promise<{ flowId: string; members: string[] }> {
  const flowId = randomUUID();
  await createFlow(db, { flowId, namespace: ns });
  const members: string[] = [];
  for (let i = 0; i < count; i++) {
    const [created] = await createExecution(db, { flowId, taskIdentifier: 'work' });
    await addExecutionToFlow(db, { flowId, executionId: created.execution_id });
    members.push(created.execution_id);
  }
  return { flowId, members };
}

/** Starts the flow and completes every member from its own connection: the last completion finishes the flow. */
async function finishFromElsewhere(db: Queryable, connectionString: string, flowId: string, members: string[]) {
  await startFlow(db, { flowId }); // a flow finishes once started (docs/semantics.md §6)
  for (const executionId of members) await completeExecution(db, { executionId, outcome: 'success' });
  await drain(connectionString); // (nothing is left to a job here; kept for a flow check deferred by a busy flow row)
}

/** Resolves after the wait's `n`th read of the flow. */
function checks(n: number) {
  let seen = 0;
  let reached!: () => void;
  const promise = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return {
    promise,
    onCheck: () => {
      if (++seen === n) reached();
    },
  };
}

test('an already finished flow resolves at once with its description', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await openFlow(db, 'default', 1);
  await cancelFlow(db, { flowId, reason: 'not needed' });
  const flow = await waitForFlow(db, flowId, { timeoutMs: 10_000 });
  t.like(flow, { flow_id: flowId, public_flow_state: 'cancelled', cancel_reason: 'not needed' });
});

test('an unknown flow rejects with FlowNotFoundError', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(waitForFlow(db, randomUUID(), { timeoutMs: 10_000 }), { instanceOf: FlowNotFoundError });
});

test('polling alone (notifications off) sees the flow complete when its members complete elsewhere', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await openFlow(db, 'quiet', 2);
  const waiting = waitForFlow(db, flowId, { timeoutMs: 60_000 });
  await finishFromElsewhere(db, connectionStringOf(db), flowId, members);
  t.like(await waiting, { flow_id: flowId, public_flow_state: 'completed', node_count: '2' });
});

test('with notifications on, a notification wakes a pool wait whose next poll is far away', async (t) => {
  const db = await testDatabase(t);
  await setNamespaceNotify(db, { namespace: 'loud', enabled: true });
  const { flowId, members } = await openFlow(db, 'loud', 2);
  const listening = checks(2); // the first read, then the read after LISTEN
  const waiting = waitForFlow(db, flowId, { timeoutMs: 60_000, pollMs: 600_000, onCheck: listening.onCheck });
  await listening.promise;
  await finishFromElsewhere(db, connectionStringOf(db), flowId, members);
  t.is((await waiting).public_flow_state, 'completed');
});

test('with notifications on, a wait given a connection string opens its own connection and is woken on it', async (t) => {
  const db = await testDatabase(t);
  await setNamespaceNotify(db, { namespace: 'loud', enabled: true });
  const { flowId, members } = await openFlow(db, 'loud', 1);
  const listening = checks(2);
  const waiting = waitForFlow(connectionStringOf(db), flowId, { timeoutMs: 60_000, pollMs: 600_000, onCheck: listening.onCheck });
  await listening.promise;
  await finishFromElsewhere(db, connectionStringOf(db), flowId, members);
  t.is((await waiting).public_flow_state, 'completed');
});

test('a wait on a client of its caller listens on it and leaves it listening to nothing', async (t) => {
  const db = await testDatabase(t);
  await setNamespaceNotify(db, { namespace: 'loud', enabled: true });
  const { flowId, members } = await openFlow(db, 'loud', 1);
  const client = await db.connect();
  t.teardown(() => client.release());
  const listening = checks(2);
  const waiting = waitForFlow(client, flowId, { timeoutMs: 60_000, pollMs: 600_000, onCheck: listening.onCheck });
  await listening.promise;
  await finishFromElsewhere(db, connectionStringOf(db), flowId, members);
  t.is((await waiting).public_flow_state, 'completed');
  const { rows } = await client.query('SELECT pg_listening_channels() AS channel');
  t.deepEqual(rows, []);
});

test('a flow run by run() resolves completed', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  await submitFlow(db, {
    flowId,
    plan: {
      executions: [
        { execution_id: a, task_identifier: 'work' },
        { execution_id: b, task_identifier: 'work' },
      ],
      edges: [{ edge_id: randomUUID(), upstream_execution_id: a, downstream_execution_id: b }],
    },
  });
  const worker = await run({
    connectionString: connectionStringOf(db),
    taskList: { work: () => 'done' },
    concurrency: 2,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: () => () => {},
  });
  t.teardown(() => worker.stop());
  await startFlow(db, { flowId });
  t.like(await waitForFlow(db, flowId, { timeoutMs: 60_000 }), { public_flow_state: 'completed', node_count: '2' });
});

test('a flow still open after timeoutMs rejects with FlowWaitTimeoutError carrying the last description', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await openFlow(db, 'default', 1);
  const error = await t.throwsAsync(waitForFlow(db, flowId, { timeoutMs: 300 }), { instanceOf: FlowWaitTimeoutError });
  t.is(error.flowId, flowId);
  t.is(error.flow?.public_flow_state, 'open');
});

test("an abort rejects with FlowWaitAbortedError (an AbortError) whose cause is the signal's reason", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await openFlow(db, 'default', 1);
  const controller = new AbortController();
  const reason = new Error('user went away');
  const error = await t.throwsAsync(
    waitForFlow(db, flowId, { signal: controller.signal, onCheck: () => controller.abort(reason) }),
    { instanceOf: FlowWaitAbortedError },
  );
  t.is(error.name, 'AbortError');
  t.is(error.cause, reason);
});

test('an already aborted signal rejects before reading the flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await openFlow(db, 'default', 1);
  let reads = 0;
  await t.throwsAsync(
    waitForFlow(db, flowId, {
      signal: AbortSignal.abort(),
      onCheck: () => {
        reads++;
      },
    }),
    { instanceOf: FlowWaitAbortedError },
  );
  t.is(reads, 0);
});

test('a pool of one connection is enough: the wait reads on the client it holds', async (t) => {
  const db = await testDatabase(t, { max: 1 });
  const { flowId } = await openFlow(db, 'default', 1);
  const waiting = waitForFlow(db, flowId, { timeoutMs: 60_000 });
  const other = new pg.Client({ connectionString: connectionStringOf(db) });
  await other.connect();
  t.teardown(() => other.end());
  await cancelFlow(other, { flowId, reason: 'done' });
  t.is((await waiting).public_flow_state, 'cancelled');
});
