// withRevisionRetry: re-read the flow and run the staging callback again on stale_graph_revision.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  FlowNotFoundError,
  StaleGraphRevisionError,
  describeFlow,
  stageDependencyEdge,
  withRevisionRetry,
} from '../../src/index.js';
import { testDatabase } from '../helpers/database.js';
import { createMember, smallFlow } from '../helpers/client.js';

test("the callback gets the flow's current graph_revision and its result is returned", async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const result = await withRevisionRetry(db, fx.flowId, async ({ graphRevision, attempt }) => ({ graphRevision, attempt }));
  t.deepEqual(result, { graphRevision: '5', attempt: 1 });
});

test('a stale revision (another writer changed the graph) is re-read and the staging retried', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const edgeId = randomUUID();
  const seen: string[] = [];
  const [row] = await withRevisionRetry(db, fx.flowId, async ({ graphRevision, attempt }) => {
    seen.push(graphRevision);
    if (attempt === 1) await createMember(db, fx.flowId); // a concurrent change between read and stage
    return stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId,
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: graphRevision,
    });
  });
  t.deepEqual(seen, ['5', '6']);
  t.like(row, { status: 'staged', graph_revision: '7' });
});

test('after the given number of stale attempts the last StaleGraphRevisionError is thrown', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  let calls = 0;
  await t.throwsAsync(
    withRevisionRetry(
      db,
      fx.flowId,
      async ({ graphRevision }) => {
        calls++;
        await createMember(db, fx.flowId);
        return stageDependencyEdge(db, {
          flowId: fx.flowId,
          edgeId: randomUUID(),
          upstreamExecutionId: fx.a,
          downstreamExecutionId: fx.c,
          expectedGraphRevision: graphRevision,
        });
      },
      { attempts: 3 },
    ),
    { instanceOf: StaleGraphRevisionError },
  );
  t.is(calls, 3);
});

test('any other error is thrown at once, without retrying', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  let calls = 0;
  await t.throwsAsync(
    withRevisionRetry(db, fx.flowId, async () => {
      calls++;
      throw new Error('planning failed');
    }),
    { message: 'planning failed' },
  );
  t.is(calls, 1);
});

test('a missing flow is FlowNotFoundError from the re-read', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(
    withRevisionRetry(db, randomUUID(), async () => 'never'),
    { instanceOf: FlowNotFoundError },
  );
});

test('attempts must be an integer >= 1', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(
    withRevisionRetry(db, randomUUID(), async () => 1, { attempts: 0 }),
    { instanceOf: RangeError },
  );
});

test('with savepoint inside a caller transaction: a stale attempt is rolled back and the transaction commits the retry', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const client = await db.connect();
  const edgeId = randomUUID();
  try {
    await client.query('BEGIN');
    const [row] = await withRevisionRetry(
      client,
      fx.flowId,
      async ({ graphRevision, attempt }) => {
        // The first attempt stages with an outdated revision, as a plan made before a concurrent change would.
        const expected = attempt === 1 ? Number(graphRevision) - 1 : graphRevision;
        return stageDependencyEdge(client, {
          flowId: fx.flowId,
          edgeId,
          upstreamExecutionId: fx.a,
          downstreamExecutionId: fx.c,
          expectedGraphRevision: expected,
        });
      },
      { savepoint: true },
    );
    t.like(row, { status: 'staged', graph_revision: '6' });
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const [flow] = await describeFlow(db, { flowId: fx.flowId });
  t.is(flow!.graph_revision, '6');
});
