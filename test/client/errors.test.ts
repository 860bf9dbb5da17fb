// Typed errors: one class per ff_error row, raised for its SQLSTATE; every other error untouched.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import {
  CycleDetectedError, DependencyAlreadyExistsError, FlowstageError, StaleGraphRevisionError, createFlow,
  describeFlow, errorClassesByCode, errorClassesBySqlstate, stageDependencyEdge, toFlowstageError, type Queryable,
} from '../../src/index.js';
import { testDatabase } from '../helpers/database.js';
import { createMember, smallFlow } from '../helpers/client.js';

async function pgErrorOf(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await promise;
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error('expected the query to fail');
}

test('every ff_error row has a class, and a raised SQLSTATE becomes that class with code, sqlstate, retryable, detail, hint', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query('SELECT code, sqlstate, retryable, hint FROM flowfabric.ff_error ORDER BY sqlstate');
  t.true(rows.length >= 14);
  t.deepEqual(Object.keys(errorClassesBySqlstate).sort(), rows.map((r) => r.sqlstate));
  for (const row of rows) {
    const raised = await pgErrorOf(db.query('SELECT flowfabric._raise($1, $2)', [row.code, `detail of ${row.code}`]));
    t.is(raised.code, row.sqlstate);
    const converted = toFlowstageError(raised);
    const ErrorClass = errorClassesByCode[row.code as keyof typeof errorClassesByCode];
    t.true(converted instanceof ErrorClass, row.code);
    t.true(converted instanceof FlowstageError);
    t.like(converted as FlowstageError, {
      code: row.code, sqlstate: row.sqlstate, retryable: row.retryable, detail: `detail of ${row.code}`,
      hint: row.hint, message: row.code, name: ErrorClass.name,
    });
    t.is((converted as FlowstageError).cause, raised);
    t.is(ErrorClass.sqlstate, row.sqlstate);
  }
});

test('class names follow the codes: FlowNotFoundError, StaleGraphRevisionError, CycleDetectedError, ...', (t) => {
  t.is(errorClassesByCode.flow_not_found.name, 'FlowNotFoundError');
  t.is(errorClassesByCode.stale_graph_revision.name, 'StaleGraphRevisionError');
  t.is(errorClassesByCode.cycle_detected.name, 'CycleDetectedError');
  t.is(errorClassesByCode.dependency_already_exists.name, 'DependencyAlreadyExistsError');
  t.true(StaleGraphRevisionError.retryable);
});

test('a generated call turns a refusal into its class: stale_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const error = await t.throwsAsync(stageDependencyEdge(db, {
    flowId: fx.flowId, edgeId: randomUUID(), upstreamExecutionId: fx.a, downstreamExecutionId: fx.c, expectedGraphRevision: 2,
  }), { instanceOf: StaleGraphRevisionError });
  t.is(error.code, 'stale_graph_revision');
  t.is(error.sqlstate, 'FF006');
  t.true(error.retryable);
  t.is(error.detail, `flow_id=${fx.flowId} expected_graph_revision=2 current_graph_revision=5`);
});

test('CycleDetectedError exposes the cycle path as an array, upstream first and last', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const error = await t.throwsAsync(stageDependencyEdge(db, {
    flowId: fx.flowId, edgeId: randomUUID(), upstreamExecutionId: fx.c, downstreamExecutionId: fx.a, expectedGraphRevision: 5,
  }), { instanceOf: CycleDetectedError });
  t.deepEqual(error.cyclePath, [fx.c, fx.a, fx.b, fx.c]);
  t.is(error.cycleOmitted, 0);
});

test('CycleDetectedError on a cycle of more than 20 entries: the listed ids and the count left out', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await createFlow(db, { flowId });
  const chain: string[] = [];
  for (let i = 0; i < 24; i++) chain.push(await createMember(db, flowId));
  let revision = 24;
  for (let i = 0; i + 1 < chain.length; i++) {
    await stageDependencyEdge(db, {
      flowId, edgeId: randomUUID(), upstreamExecutionId: chain[i]!, downstreamExecutionId: chain[i + 1]!,
      expectedGraphRevision: revision++,
    });
  }
  const error = await t.throwsAsync(stageDependencyEdge(db, {
    flowId, edgeId: randomUUID(), upstreamExecutionId: chain[23]!, downstreamExecutionId: chain[0]!, expectedGraphRevision: revision,
  }), { instanceOf: CycleDetectedError });
  // The cycle is last, first, ..., last: 25 entries, of which DETAIL lists 20.
  const cycle = [chain[23]!, ...chain];
  t.deepEqual(error.cyclePath, [...cycle.slice(0, 10), ...cycle.slice(15)]);
  t.is(error.cycleOmitted, 5);
});

test('DependencyAlreadyExistsError exposes the existing edge parsed from DETAIL', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const error = await t.throwsAsync(stageDependencyEdge(db, {
    flowId: fx.flowId, edgeId: fx.edgeAB, upstreamExecutionId: fx.a, downstreamExecutionId: fx.c, expectedGraphRevision: 5,
  }), { instanceOf: DependencyAlreadyExistsError });
  t.like(error.existingEdge, {
    flow_id: fx.flowId, edge_id: fx.edgeAB, upstream_execution_id: fx.a, downstream_execution_id: fx.b,
    dependency_kind: 'success_only', edge_state: 'pending', staged_graph_revision: 4,
  });
});

test('a database error with another SQLSTATE passes through untouched', async (t) => {
  const db = await testDatabase(t);
  await db.query('DROP FUNCTION flowfabric.ff_describe_flow(uuid)');
  const error = await t.throwsAsync(describeFlow(db, { flowId: randomUUID() }));
  t.true(error instanceof pg.DatabaseError);
  t.false(error instanceof FlowstageError);
  t.is((error as pg.DatabaseError).code, '42883');
});

test('the very error object of a failing query() is rethrown when it is not flowstage\'s', async (t) => {
  const failures = [new Error('connection terminated'), Object.assign(new Error('x'), { code: 'FF999' }), 'a string'];
  for (const failure of failures) {
    const db: Queryable = { query: async () => { throw failure; } };
    const error = await t.throwsAsync(describeFlow(db, { flowId: randomUUID() }), { any: true });
    t.is(error, failure);
  }
});
