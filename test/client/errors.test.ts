// Typed errors: one class per ff_error row, raised for its SQLSTATE; every other error untouched.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import * as flowstage from '../../src/index.js';
import {
  CycleDetectedError,
  DependencyAlreadyExistsError,
  FlowstageError,
  StaleGraphRevisionError,
  createFlow,
  describeFlow,
  errorClassesByCode,
  errorClassesBySqlstate,
  stageDependencyEdge,
  toFlowstageError,
  type PgErrorLike,
  type Queryable,
} from '../../src/index.js';
import { testDatabase } from '../helpers/database.js';
import { createMember, smallFlow, type SmallFlow } from '../helpers/client.js';

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
  t.deepEqual(
    Object.keys(errorClassesBySqlstate).sort(),
    rows.map((r) => r.sqlstate),
  );
  for (const row of rows) {
    const raised = await pgErrorOf(db.query('SELECT flowfabric._raise($1, $2)', [row.code, `detail of ${row.code}`]));
    t.is(raised.code, row.sqlstate);
    const converted = toFlowstageError(raised);
    const ErrorClass = errorClassesByCode[row.code as keyof typeof errorClassesByCode];
    t.true(converted instanceof ErrorClass, row.code);
    t.true(converted instanceof FlowstageError);
    t.like(converted as FlowstageError, {
      code: row.code,
      sqlstate: row.sqlstate,
      retryable: row.retryable,
      detail: `detail of ${row.code}`,
      hint: row.hint,
      message: row.code,
      name: ErrorClass.name,
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
  const error = await t.throwsAsync(
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 2,
    }),
    { instanceOf: StaleGraphRevisionError },
  );
  t.is(error.code, 'stale_graph_revision');
  t.is(error.sqlstate, 'FF006');
  t.true(error.retryable);
  t.is(error.detail, `flow_id=${fx.flowId} expected_graph_revision=2 current_graph_revision=5`);
});

test('CycleDetectedError exposes the cycle path as an array, upstream first and last', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const error = await t.throwsAsync(
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.c,
      downstreamExecutionId: fx.a,
      expectedGraphRevision: 5,
    }),
    { instanceOf: CycleDetectedError },
  );
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
      flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: chain[i]!,
      downstreamExecutionId: chain[i + 1]!,
      expectedGraphRevision: revision++,
    });
  }
  const error = await t.throwsAsync(
    stageDependencyEdge(db, {
      flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: chain[23]!,
      downstreamExecutionId: chain[0]!,
      expectedGraphRevision: revision,
    }),
    { instanceOf: CycleDetectedError },
  );
  // The cycle is last, first, ..., last: 25 entries, of which DETAIL lists 20.
  const cycle = [chain[23]!, ...chain];
  t.deepEqual(error.cyclePath, [...cycle.slice(0, 10), ...cycle.slice(15)]);
  t.is(error.cycleOmitted, 5);
});

test('DependencyAlreadyExistsError exposes the existing edge parsed from DETAIL', async (t) => {
  const db = await testDatabase(t);
  const fx = await smallFlow(db);
  const error = await t.throwsAsync(
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: fx.edgeAB,
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 5,
    }),
    { instanceOf: DependencyAlreadyExistsError },
  );
  t.like(error.existingEdge, {
    flow_id: fx.flowId,
    edge_id: fx.edgeAB,
    upstream_execution_id: fx.a,
    downstream_execution_id: fx.b,
    dependency_kind: 'success_only',
    edge_state: 'pending',
    staged_graph_revision: 4,
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

test("the very error object of a failing query() is rethrown when it is not flowstage's", async (t) => {
  const failures = [new Error('connection terminated'), Object.assign(new Error('x'), { code: 'FF999' }), 'a string'];
  for (const failure of failures) {
    const db: Queryable = {
      query: async () => {
        throw failure;
      },
    };
    const error = await t.throwsAsync(describeFlow(db, { flowId: randomUUID() }), { any: true });
    t.is(error, failure);
  }
});

// Each catalogued refusal provoked through a generated function, as a user would meet it.
const provocations: Record<keyof typeof errorClassesByCode, (db: pg.Pool, fx: SmallFlow) => Promise<unknown>> = {
  flow_not_found: (db) => describeFlow(db, { flowId: randomUUID() }),
  flow_already_terminal: async (db, fx) => {
    await flowstage.cancelFlow(db, { flowId: fx.flowId, reason: 'test' });
    return stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 5,
    });
  },
  execution_not_found: (db, fx) => flowstage.addExecutionToFlow(db, { flowId: fx.flowId, executionId: randomUUID() }),
  already_member_of_different_flow: async (db, fx) => {
    // Another flow on the same partition, so the execution is found and only membership differs.
    const {
      rows: [{ id }],
    } = await db.query(
      `
      SELECT u AS id FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 20000)) s
      WHERE flowfabric.ff_flow_partition(u) = $1 LIMIT 1`,
      [fx.partition],
    );
    const other = await smallFlow(db, id);
    return flowstage.addExecutionToFlow(db, { flowId: fx.flowId, executionId: other.a.replace(/^\{fp:\d+\}:/, '') });
  },
  self_referencing_edge: (db, fx) =>
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.a,
      expectedGraphRevision: 5,
    }),
  stale_graph_revision: (db, fx) =>
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 4,
    }),
  execution_not_in_flow: async (db, fx) => {
    const [solo] = await flowstage.createExecution(db, { flowId: fx.flowId });
    return stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: solo!.execution_id,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 5,
    });
  },
  cycle_detected: (db, fx) =>
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: fx.c,
      downstreamExecutionId: fx.a,
      expectedGraphRevision: 5,
    }),
  dependency_already_exists: (db, fx) =>
    stageDependencyEdge(db, {
      flowId: fx.flowId,
      edgeId: fx.edgeAB,
      upstreamExecutionId: fx.a,
      downstreamExecutionId: fx.c,
      expectedGraphRevision: 5,
    }),
  edge_not_found: (db, fx) => flowstage.applyDependencyToChild(db, { flowId: fx.flowId, edgeId: randomUUID() }),
  execution_already_in_flow: async (db, fx) => {
    // Unreachable through the calls (docs/semantics.md §3, FF011): the child's flow_id is edited by hand.
    const other = await smallFlow(db);
    await db.query('UPDATE flowfabric.ff_exec_core SET flow_id = $1 WHERE execution_id = $2', [
      other.flowId,
      fx.b.replace(/^\{fp:\d+\}:/, ''),
    ]);
    return flowstage.applyDependencyToChild(db, { flowId: fx.flowId, edgeId: fx.edgeAB });
  },
  invalid_input: (db) => flowstage.createExecution(db, { executionId: 'not-an-id' }),
  edge_group_policy_already_fixed: async (db, fx) => {
    await flowstage.applyDependencyToChild(db, { flowId: fx.flowId, edgeId: fx.edgeAB });
    return flowstage.setEdgeGroupPolicy(db, {
      flowId: fx.flowId,
      downstreamExecutionId: fx.b,
      kind: 'any_of',
      onSatisfied: 'let_run',
    });
  },
  invalid_dependency: (db, fx) =>
    flowstage.resolveDependency(db, { flowId: fx.flowId, edgeId: fx.edgeAB, upstreamOutcome: 'success' }),
  execution_not_terminal: (db, fx) => flowstage.replayExecution(db, { executionId: fx.a }),
  max_replays_exhausted: async (db) => {
    const [solo] = await flowstage.createExecution(db, { policy: { max_replays: 0 } });
    await flowstage.completeExecution(db, { executionId: solo!.execution_id, outcome: 'failed' });
    return flowstage.replayExecution(db, { executionId: solo!.execution_id });
  },
};

test('every catalogued code has a provocation below', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query('SELECT code FROM flowfabric.ff_error ORDER BY code');
  t.deepEqual(
    Object.keys(provocations).sort(),
    rows.map((r) => r.code),
  );
});

for (const [code, provoke] of Object.entries(provocations)) {
  const ErrorClass: (new (error: PgErrorLike) => FlowstageError) & { sqlstate: string } =
    errorClassesByCode[code as keyof typeof errorClassesByCode];
  test(`${code} raised by a generated call arrives as ${ErrorClass.name} (${ErrorClass.sqlstate})`, async (t) => {
    const db = await testDatabase(t);
    const fx = await smallFlow(db);
    const error = await t.throwsAsync(provoke(db, fx), { instanceOf: ErrorClass });
    t.is(error.code, code);
    t.is(error.sqlstate, ErrorClass.sqlstate);
    t.is((error.cause as pg.DatabaseError).code, ErrorClass.sqlstate);
  });
}
