// Every generated function against a real database, from one table of sample calls: on a pg.Pool,
// inside a caller's transaction that is rolled back (nothing persists), and on a pg.Client.
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import * as flowstage from '../../src/index.js';
import { FlowNotFoundError, FlowstageError, InvalidInputError, sqlFunctionNames, type Queryable } from '../../src/index.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { smallFlow, tableCounts, type SmallFlow } from '../helpers/client.js';

type ClientName = keyof typeof sqlFunctionNames;

interface Sample {
  call(db: Queryable, fx: SmallFlow): Promise<unknown>;
  check(t: ExecutionContext, result: any, fx: SmallFlow): void;
}

const CANONICAL = /^\{fp:\d+\}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// One meaningful call per generated function. A function added to the SQL without a row here is
// caught by "every generated function has a sample call" below.
const samples: Partial<Record<ClientName, Sample>> = {
  createFlow: {
    call: (db) => flowstage.createFlow(db, { flowId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', namespace: 'client' }),
    check: (t, rows) =>
      t.deepEqual(rows, [
        { status: 'created', flow_id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', partition_key: 238, graph_revision: '0' },
      ]),
  },
  submitFlow: {
    call: (db) =>
      flowstage.submitFlow(db, {
        flowId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
        plan: {
          executions: [
            { execution_id: '00000000-0000-4000-8000-0000000000b1' },
            { execution_id: '00000000-0000-4000-8000-0000000000b2' },
          ],
          edges: [
            {
              edge_id: '00000000-0000-4000-8000-0000000000e1',
              upstream_execution_id: '00000000-0000-4000-8000-0000000000b1',
              downstream_execution_id: '00000000-0000-4000-8000-0000000000b2',
            },
          ],
        },
      }),
    check: (t, rows) =>
      t.like(rows[0], {
        status: 'submitted',
        graph_revision: '3',
        executions_created: 2,
        members_added: 2,
        edges_staged: 1,
        edges_applied: 1,
      }),
  },
  setNamespaceNotify: {
    call: (db) => flowstage.setNamespaceNotify(db, { namespace: 'client', enabled: true }),
    check: (t, rows) => t.deepEqual(rows, [{ status: 'set', namespace: 'client', enabled: true }]),
  },
  flowPartition: {
    call: (db) => flowstage.flowPartition(db, { flowId: '0b3e4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d' }),
    check: (t, value) => t.is(value, 217),
  },
  createExecution: {
    call: (db, fx) => flowstage.createExecution(db, { flowId: fx.flowId, payload: { items: [1, { two: 2 }] }, priority: 3 }),
    check: (t, rows, fx) => {
      t.is(rows.length, 1);
      t.is(rows[0].status, 'created');
      t.true(rows[0].execution_id.startsWith(`{fp:${fx.partition}}:`));
    },
  },
  addExecutionToFlow: {
    call: async (db, fx) => {
      const [created] = await flowstage.createExecution(db, { flowId: fx.flowId });
      return flowstage.addExecutionToFlow(db, { flowId: fx.flowId, executionId: created!.execution_id });
    },
    check: (t, rows) => {
      t.like(rows[0], { status: 'added', node_count: '4', graph_revision: '6' });
      t.regex(rows[0].execution_id, CANONICAL);
    },
  },
  stageDependencyEdge: {
    call: (db, fx) =>
      flowstage.stageDependencyEdge(db, {
        flowId: fx.flowId,
        edgeId: '00000000-0000-4000-8000-00000000000a',
        upstreamExecutionId: fx.a,
        downstreamExecutionId: fx.c,
        expectedGraphRevision: fx.revision,
        dataPassingRef: 'input',
      }),
    check: (t, rows) =>
      t.deepEqual(rows, [{ status: 'staged', edge_id: '00000000-0000-4000-8000-00000000000a', graph_revision: '6' }]),
  },
  stageDependencyEdges: {
    call: (db, fx) =>
      flowstage.stageDependencyEdges(db, {
        flowId: fx.flowId,
        expectedGraphRevision: 5,
        edges: [
          { edge_id: '00000000-0000-4000-8000-00000000000b', upstream_execution_id: fx.a, downstream_execution_id: fx.c },
          {
            edge_id: '00000000-0000-4000-8000-00000000000c',
            upstream_execution_id: fx.b,
            downstream_execution_id: fx.c,
            data_passing_ref: 'b',
          },
        ],
      }),
    check: (t, rows) => t.deepEqual(rows, [{ status: 'staged', edges_staged: 2, graph_revision: '7' }]),
  },
  applyDependencyToChild: {
    call: (db, fx) => flowstage.applyDependencyToChild(db, { flowId: fx.flowId, edgeId: fx.edgeAB }),
    check: (t, rows, fx) =>
      t.deepEqual(rows, [{ status: 'applied', edge_id: fx.edgeAB, downstream_execution_id: fx.b, unsatisfied_count: 1 }]),
  },
  completeExecution: {
    call: (db, fx) => flowstage.completeExecution(db, { executionId: fx.a, outcome: 'success', result: { rows: 3 } }),
    check: (t, rows, fx) =>
      t.deepEqual(rows, [{ status: 'completed', execution_id: fx.a, outcome: 'success', public_flow_state: 'open' }]),
  },
  resolveDependency: {
    call: async (db, fx) => {
      await flowstage.applyDependencyToChild(db, { flowId: fx.flowId, edgeId: fx.edgeAB });
      await flowstage.completeExecution(db, { executionId: fx.a, outcome: 'success' }); // resolves a -> b itself
      return flowstage.resolveDependency(db, { flowId: fx.flowId, edgeId: fx.edgeAB });
    },
    check: (t, rows, fx) => t.deepEqual(rows, [{ status: 'already_resolved', edge_id: fx.edgeAB, decision: 'satisfied' }]),
  },
  setEdgeGroupPolicy: {
    call: (db, fx) =>
      flowstage.setEdgeGroupPolicy(db, {
        flowId: fx.flowId,
        downstreamExecutionId: fx.c,
        kind: 'quorum',
        k: 1,
        onSatisfied: 'let_run',
      }),
    check: (t, rows, fx) =>
      t.deepEqual(rows, [
        {
          status: 'set',
          downstream_execution_id: fx.c,
          policy: { kind: 'quorum', k: 1, on_satisfied: 'let_run' },
          k_target: 1,
        },
      ]),
  },
  cancelFlow: {
    call: (db, fx) => flowstage.cancelFlow(db, { flowId: fx.flowId, reason: 'client test' }),
    check: (t, rows, fx) =>
      t.deepEqual(
        rows.map((r: any) => [r.execution_id, r.status, r.terminal_outcome]).sort(),
        [fx.a, fx.b, fx.c].map((id) => [id, 'cancelled', 'cancelled']).sort(),
      ),
  },
  checkInvariants: {
    call: (db, fx) => flowstage.checkInvariants(db, { flowId: fx.flowId }),
    check: (t, rows) => t.deepEqual(rows, []),
  },
  pruneFlows: {
    call: async (db, fx) => {
      await flowstage.cancelFlow(db, { flowId: fx.flowId, reason: 'client test', nowMs: 1 });
      return flowstage.pruneFlows(db, { finishedBeforeMs: 2, limit: 10 });
    },
    check: (t, rows) => t.like(rows[0], { finished_before_ms: '2', flows: 1, executions: 3, edges: 2 }),
  },
  startFlow: {
    call: (db, fx) => flowstage.startFlow(db, { flowId: fx.flowId, maxAttempts: 3 }),
    check: (t, rows, fx) => t.like(rows[0], { status: 'started', flow_id: fx.flowId, enqueued_count: 0 }),
  },
  beginAttempt: {
    call: (db, fx) => flowstage.beginAttempt(db, { executionId: fx.a }),
    check: (t, rows, fx) => t.like(rows[0], { status: 'started', execution_id: fx.a, attempt: 1 }),
  },
  failExecution: {
    call: async (db, fx) => {
      await flowstage.beginAttempt(db, { executionId: fx.a });
      return flowstage.failExecution(db, { executionId: fx.a, failureReason: 'connection refused', attempt: 1 });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'failed', execution_id: fx.a, retry_count: 0, delay_until_ms: null }),
  },
  delayExecution: {
    call: (db, fx) =>
      flowstage.delayExecution(db, { executionId: fx.a, delayUntilMs: 1_900_000_000_000, nowMs: 1_800_000_000_000 }),
    check: (t, rows, fx) => t.deepEqual(rows, [{ status: 'delayed', execution_id: fx.a, delay_until_ms: '1900000000000' }]),
  },
  expireExecution: {
    call: async (db, fx) => {
      await flowstage.beginAttempt(db, { executionId: fx.a });
      return flowstage.expireExecution(db, { executionId: fx.a, reason: 'attempt_timeout', attempt: 1 });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'not_due', execution_id: fx.a }), // its policy has no timeout
  },
  replayExecution: {
    call: async (db, fx) => {
      await flowstage.completeExecution(db, { executionId: fx.c, outcome: 'failed' });
      return flowstage.replayExecution(db, { executionId: fx.c });
    },
    check: (t, rows, fx) =>
      t.deepEqual(rows, [{ status: 'replayed', execution_id: fx.c, replay_count: 1, eligibility_state: 'eligible_now' }]),
  },
  changePriority: {
    call: (db, fx) => flowstage.changePriority(db, { executionId: fx.a, priority: 9 }),
    check: (t, rows, fx) => t.deepEqual(rows, [{ status: 'changed', execution_id: fx.a, priority: 9 }]),
  },
  cascadeStep: {
    call: async (db, fx) => {
      await flowstage.completeExecution(db, { executionId: fx.a, outcome: 'success' });
      return flowstage.cascadeStep(db, { executionId: fx.a });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'done', execution_id: fx.a, public_flow_state: 'open' }),
  },
  workerHeartbeat: {
    call: (db) =>
      flowstage.workerHeartbeat(db, {
        workerId: 'pool-client-test',
        secret: 'client-test-secret-0001',
        leaseMs: 10_000,
        info: { pid: 1 },
        nowMs: 1_900_000_000_000,
      }),
    check: (t, rows) =>
      t.deepEqual(rows, [{ status: 'registered', worker_id: 'pool-client-test', expires_at_ms: '1900000010000' }]),
  },
  reapDeadWorkers: {
    call: async (db) => {
      await flowstage.workerHeartbeat(db, {
        workerId: 'pool-client-test',
        secret: 'client-test-secret-0001',
        leaseMs: 10_000,
        nowMs: 1_900_000_000_000,
      });
      return flowstage.reapDeadWorkers(db, { nowMs: 1_900_000_010_001 });
    },
    check: (t, rows) =>
      t.deepEqual(rows, [{ status: 'reaped', worker_id: 'pool-client-test', silent_ms: '10001', jobs_unlocked: 0 }]),
  },
  cancelSiblingsStep: {
    call: (db, fx) => flowstage.cancelSiblingsStep(db, { flowId: fx.flowId, downstreamExecutionId: fx.c }),
    check: (t, rows) => t.is(rows[0].status, 'done'),
  },
  recoverJobs: {
    call: (db) => flowstage.recoverJobs(db),
    check: (t, rows) => t.deepEqual(rows, []), // nothing to repair: no worker has crashed
  },
  describeFlow: {
    call: (db, fx) => flowstage.describeFlow(db, { flowId: fx.flowId }),
    check: (t, rows, fx) => {
      t.is(rows.length, 1);
      t.like(rows[0], {
        flow_id: fx.flowId,
        graph_revision: '5',
        public_flow_state: 'open',
        node_count: '3',
        edge_count: '2',
        flow_kind: 'dag',
        namespace: 'default',
      });
    },
  },
  describeFlowAt: {
    call: (db, fx) => flowstage.describeFlowAt(db, { flowId: fx.flowId, graphRevision: 3 }),
    check: (t, rows, fx) =>
      t.like(rows[0], {
        flow_id: fx.flowId,
        graph_revision: '3',
        current_graph_revision: '5',
        members: [fx.a, fx.b, fx.c],
        edges: [],
      }),
  },
  describeEdge: {
    call: (db, fx) => flowstage.describeEdge(db, { flowId: fx.flowId, edgeId: fx.edgeAB }),
    check: (t, rows, fx) =>
      t.like(rows[0], {
        flow_id: fx.flowId,
        edge_id: fx.edgeAB,
        upstream_execution_id: fx.a,
        downstream_execution_id: fx.b,
        edge_state: 'pending',
        staged_graph_revision: '4',
      }),
  },
  listEdges: {
    call: (db, fx) => flowstage.listEdges(db, { flowId: fx.flowId, executionId: fx.b, direction: 'in' }),
    check: (t, rows, fx) =>
      t.deepEqual(
        rows.map((r: any) => r.edge_id),
        [fx.edgeAB],
      ),
  },
  listMembers: {
    call: (db, fx) => flowstage.listMembers(db, { flowId: fx.flowId, limit: 2 }),
    check: (t, rows, fx) => {
      t.is(rows.length, 2);
      for (const row of rows) t.true([fx.a, fx.b, fx.c].includes(row.execution_id));
    },
  },
  listFlows: {
    call: (db) => flowstage.listFlows(db, { limit: 1000 }),
    check: (t, rows, fx) => t.true(rows.some((r: any) => r.flow_id === fx.flowId && r.graph_revision === '5')),
  },
  explainExecution: {
    call: (db, fx) => flowstage.explainExecution(db, { flowId: fx.flowId, executionId: fx.b }),
    check: (t, rows, fx) => {
      t.like(rows[0], { execution_id: fx.b, public_state: 'waiting' });
      t.is(typeof rows[0].reason, 'string');
    },
  },
  flowToMermaid: {
    call: (db, fx) => flowstage.flowToMermaid(db, { flowId: fx.flowId }),
    check: (t, text) => t.true(text.startsWith('flowchart TD')),
  },
  flowToDot: {
    call: (db, fx) => flowstage.flowToDot(db, { flowId: fx.flowId }),
    check: (t, text, fx) => t.true(text.startsWith(`digraph "flow ${fx.flowId}"`)),
  },
  // docs/semantics.md §10.2-§10.3
  pauseFlow: {
    call: (db, fx) => flowstage.pauseFlow(db, { flowId: fx.flowId, reason: 'client test', nowMs: 5 }),
    check: (t, rows, fx) => t.like(rows[0], { status: 'paused', flow_id: fx.flowId, paused_at_ms: '5' }),
  },
  resumeFlow: {
    call: async (db, fx) => {
      await flowstage.pauseFlow(db, { flowId: fx.flowId });
      return flowstage.resumeFlow(db, { flowId: fx.flowId });
    },
    check: (t, rows, fx) => t.deepEqual(rows, [{ status: 'resumed', flow_id: fx.flowId, enqueued_count: 0 }]),
  },
  createWaitpoint: {
    call: (db, fx) => flowstage.createWaitpoint(db, { executionId: fx.a, signalNames: ['approved'] }),
    check: (t, rows, fx) => t.like(rows[0], { status: 'created', execution_id: fx.a }),
  },
  suspendExecution: {
    call: async (db, fx) => {
      await flowstage.beginAttempt(db, { executionId: fx.a });
      return flowstage.suspendExecution(db, { executionId: fx.a, signalNames: ['approved'], resumeWhen: 'any' });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'suspended', execution_id: fx.a }),
  },
  deliverSignal: {
    call: async (db, fx) => {
      await flowstage.beginAttempt(db, { executionId: fx.a });
      const [wait] = await flowstage.suspendExecution(db, { executionId: fx.a, signalNames: ['approved'] });
      return flowstage.deliverSignal(db, {
        waitpointId: wait!.waitpoint_id!,
        signalName: 'approved',
        payload: { by: 'client' },
        idempotencyKey: 'k1',
        token: wait!.token,
      });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'resumed', execution_id: fx.a }),
  },
  waitpointTimeout: {
    call: async (db, fx) => {
      await flowstage.beginAttempt(db, { executionId: fx.a });
      const [wait] = await flowstage.suspendExecution(db, {
        executionId: fx.a,
        signalNames: ['approved'],
        timeoutAtMs: 10,
        timeoutBehavior: 'expire',
      });
      return flowstage.waitpointTimeout(db, { waitpointId: wait!.waitpoint_id!, nowMs: 11 });
    },
    check: (t, rows, fx) => t.like(rows[0], { status: 'expired', execution_id: fx.a }),
  },
  // The dashboard's read functions (docs/dashboard.md).
  pollFlowEvents: {
    call: (db) => flowstage.pollFlowEvents(db, { after: 0, limit: 10000 }),
    check: (t, rows, fx) => t.true(rows.some((r: any) => r.flow_id === fx.flowId && r.operation === 'create_flow')),
  },
  listFlowEvents: {
    call: (db, fx) => flowstage.listFlowEvents(db, { flowId: fx.flowId, limit: 1 }),
    check: (t, rows) => t.like(rows[0], { operation: 'create_flow' }),
  },
  flowProgress: {
    call: (db, fx) => flowstage.flowProgress(db, { flowIds: [fx.flowId] }),
    check: (t, rows, fx) => t.like(rows[0], { flow_id: fx.flowId, public_flow_state: 'open', node_count: '3' }),
  },
  flowGraph: {
    call: (db, fx) => flowstage.flowGraph(db, { flowId: fx.flowId }),
    check: (t, rows, fx) => {
      t.like(rows[0], { flow_id: fx.flowId, graph_revision: '5' });
      t.is((rows[0].members as unknown[]).length, 3);
    },
  },
  describeExecution: {
    call: (db, fx) => flowstage.describeExecution(db, { executionId: fx.b, flowId: fx.flowId }),
    check: (t, rows, fx) => t.like(rows[0], { execution_id: fx.b, flow_id: fx.flowId, public_state: 'waiting' }),
  },
  metrics: {
    call: (db) => flowstage.metrics(db),
    check: (t, rows) =>
      t.true(rows.some((r: any) => r.metric === 'flowstage_flows' && r.labels.state === 'open' && r.value >= 1)),
  },
};

// The status of every returned row must be in the value set the client exports for it (the
// function's status domain; the two set_* functions share ff_set_status).
const SHARED_STATUS_VALUES: Partial<Record<ClientName, string>> = {
  setEdgeGroupPolicy: 'setStatusValues',
  setNamespaceNotify: 'setStatusValues',
};
function checkDocumentedStatuses(t: ExecutionContext, name: ClientName, result: unknown): void {
  const values = SHARED_STATUS_VALUES[name] ?? `${name}StatusValues`;
  const documented = (flowstage as Record<string, unknown>)[values] as readonly string[] | undefined;
  if (!documented || !Array.isArray(result)) return;
  for (const row of result) t.true(documented.includes(row.status), `${name} returned undocumented status ${row.status}`);
}

test('every generated function has a sample call', (t) => {
  const missing = Object.keys(sqlFunctionNames).filter((name) => !(name in samples));
  t.deepEqual(missing, [], 'add a row to `samples` in test/client/functions.test.ts');
});

for (const [name, sample] of Object.entries(samples) as [ClientName, Sample][]) {
  const sql = `flowfabric.${sqlFunctionNames[name] ?? '(missing)'}`;

  test(`${name} calls ${sql} on a pg.Pool and returns typed rows`, async (t) => {
    t.true(name in sqlFunctionNames, `${name} is not generated`);
    const db = await testDatabase(t);
    const fx = await smallFlow(db);
    const result = await sample.call(db, fx);
    sample.check(t, result, fx);
    checkDocumentedStatuses(t, name, result);
  });

  test(`${name} runs inside the caller's transaction: rolled back, nothing persists`, async (t) => {
    const db = await testDatabase(t);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const fx = await smallFlow(client);
      sample.check(t, await sample.call(client, fx), fx);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    t.deepEqual(await tableCounts(db), { flows: 0, executions: 0, edges: 0, groups: 0, events: 0 });
  });
}

test('every sample also runs on a pg.Client', async (t) => {
  const db = await testDatabase(t);
  const client = new pg.Client({ connectionString: connectionStringOf(db) });
  await client.connect();
  t.teardown(() => client.end());
  for (const [name, sample] of Object.entries(samples) as [ClientName, Sample][]) {
    const fx = await smallFlow(client);
    const result = await sample.call(client, fx);
    sample.check(t, result, fx);
    checkDocumentedStatuses(t, name, result);
  }
});

// Whatever functions exist, the SQL each generated wrapper sends is accepted: called with
// placeholder values for its required arguments, it either answers or refuses with one of
// flowstage's own SQLSTATEs (never "function does not exist" or a cast error).
test('the database accepts the call every generated function sends', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.proname AS name, p.pronargs - p.pronargdefaults AS required,
           coalesce(p.proargnames, '{}') AS arg_names,
           (SELECT array_agg(format_type(x, NULL) ORDER BY n) FROM unnest(p.proargtypes) WITH ORDINALITY u(x, n)) AS arg_types
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'flowfabric' AND p.prokind = 'f' AND left(p.proname, 1) <> '_'`);
  const placeholder: Record<string, unknown> = {
    uuid: randomUUID(),
    text: 'x',
    bigint: 0,
    integer: 0,
    smallint: 0,
    jsonb: {},
    boolean: false,
  };
  const camel = (s: string) => s.replace(/^p_/, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  t.deepEqual(rows.map((r) => r.name).sort(), Object.values(sqlFunctionNames).slice().sort());
  for (const row of rows) {
    const clientName = (Object.keys(sqlFunctionNames) as ClientName[]).find((k) => sqlFunctionNames[k] === row.name)!;
    const params: Record<string, unknown> = {};
    for (let i = 0; i < row.required; i++) {
      const type: string = row.arg_types[i];
      params[camel(row.arg_names[i])] = type.endsWith('[]') ? [] : (placeholder[type] ?? 'x');
    }
    const fn = (flowstage as unknown as Record<string, (db: Queryable, p: unknown) => Promise<unknown>>)[clientName]!;
    try {
      await fn(db, params);
      t.pass();
    } catch (error) {
      t.true(error instanceof FlowstageError, `${clientName}: ${(error as Error).message}`);
    }
  }
});

test('an omitted optional parameter lets the SQL default apply', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await flowstage.createFlow(db, { flowId });
  const [flow] = await flowstage.describeFlow(db, { flowId });
  t.like(flow, { flow_kind: 'dag', namespace: 'default' });
});

test('null for an optional parameter sends SQL NULL (here refused as invalid_input)', async (t) => {
  const db = await testDatabase(t);
  const error = await t.throwsAsync(flowstage.createFlow(db, { flowId: randomUUID(), namespace: null }));
  t.true(error instanceof InvalidInputError);
  t.is((error as InvalidInputError).sqlstate, 'FF012');
  t.true((error as InvalidInputError).detail!.startsWith('p_namespace:'));
});

test('a required parameter missing at run time (untyped callers) is sent as NULL and refused by the function', async (t) => {
  const db = await testDatabase(t);
  const error = await t.throwsAsync(flowstage.describeFlow(db, {} as { flowId: string }));
  t.true(error instanceof InvalidInputError);
  t.true((error as InvalidInputError).detail!.startsWith('p_flow_id:'));
});

test('jsonb parameters are sent as JSON: arrays and strings arrive as JSON values', async (t) => {
  const db = await testDatabase(t);
  const [a] = await flowstage.createExecution(db, { payload: { list: ['x', 1, { y: null }], text: 'just text' } });
  const { rows } = await db.query(`SELECT payload FROM flowfabric.ff_exec_core WHERE execution_id = $1::uuid`, [
    a!.execution_id.replace(/^\{fp:\d+\}:/, ''),
  ]);
  t.deepEqual(rows[0].payload, { list: ['x', 1, { y: null }], text: 'just text' });
  // A top-level array reaches SQL as a JSON array (pg alone would send a PostgreSQL array literal), and is refused there.
  const error = await t.throwsAsync(flowstage.createExecution(db, { payload: ['x'] }), { instanceOf: InvalidInputError });
  t.regex((error as InvalidInputError).detail!, /^p_payload: must be a JSON object or NULL \(got a JSON array\)/);
});

test('bigint results are decimal strings; bigint parameters accept number, string and bigint', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const [created] = await flowstage.createFlow(db, { flowId, nowMs: 1764115200000n });
  t.is(created!.graph_revision, '0');
  const [flow] = await flowstage.describeFlow(db, { flowId });
  t.is(flow!.created_at_ms, '1764115200000');
  await t.throwsAsync(
    flowstage.stageDependencyEdge(db, {
      flowId,
      edgeId: randomUUID(),
      upstreamExecutionId: randomUUID(),
      downstreamExecutionId: randomUUID(),
      expectedGraphRevision: '7',
    }),
    { instanceOf: flowstage.StaleGraphRevisionError },
  );
});

test('buildCall: one SELECT with named arguments and explicit casts, optional arguments left out when undefined', (t) => {
  t.deepEqual(
    flowstage.buildCall('ff_create_flow', [
      { name: 'p_flow_id', cast: 'uuid', value: 'f', required: true },
      { name: 'p_flow_kind', cast: 'text', value: undefined, required: false },
      { name: 'p_namespace', cast: 'text', value: null, required: false },
      { name: 'p_payload', cast: 'jsonb', value: [1], required: false, json: true },
    ]),
    {
      name: 'flowstage_c60ecb9e6c4588ce',
      text: 'SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid, p_namespace => $2::text, p_payload => $3::jsonb)',
      values: ['f', null, '[1]'],
    },
  );
});

test('buildCall: one statement name per statement text, so pg prepares each function and argument set once per connection', (t) => {
  const call = (flowKind: string | undefined, flowId: string) =>
    flowstage.buildCall('ff_create_flow', [
      { name: 'p_flow_id', cast: 'uuid', value: flowId, required: true },
      { name: 'p_flow_kind', cast: 'text', value: flowKind, required: false },
    ]);
  t.is(call('dag', 'a').name, call('etl', 'b').name, 'other values, same statement');
  t.not(call(undefined, 'a').name, call('dag', 'a').name, 'another set of arguments, another statement');
  t.regex(call('dag', 'a').name, /^flowstage_[0-9a-f]{16}$/);
});

test('a generated call runs as a named prepared statement on the connection', async (t) => {
  const db = await testDatabase(t);
  const client = await db.connect();
  try {
    await flowstage.describeFlow(client, { flowId: randomUUID() }).catch(() => {});
    const { rows } = await client.query('SELECT name, statement FROM pg_prepared_statements');
    t.is(rows.length, 1);
    t.regex(rows[0].name, /^flowstage_[0-9a-f]{16}$/);
    t.regex(rows[0].statement, /^SELECT \* FROM flowfabric\.ff_describe_flow\(p_flow_id => \$1::uuid\)$/);
  } finally {
    client.release();
  }
});

test('a refusal from a sample call is its typed class (flow_not_found from describeFlow)', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(flowstage.describeFlow(db, { flowId: randomUUID() }), { instanceOf: FlowNotFoundError });
});

test('a non-string value for a text parameter is refused before it is sent (pg would send an object as JSON text)', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  for (const executionId of [{ id: randomUUID() }, [randomUUID()], 42]) {
    await t.throwsAsync(flowstage.addExecutionToFlow(db, { flowId, executionId: executionId as unknown as string }), {
      instanceOf: TypeError,
      message: /ff_add_execution_to_flow: p_execution_id must be a string \(got an? (object|array|number)\)/,
    });
  }
  await t.throwsAsync(flowstage.createFlow(db, { flowId: { id: flowId } as unknown as string }), {
    instanceOf: TypeError,
    message: /p_flow_id must be a uuid value \(got an object\)/,
  });
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_flow_core');
  t.is(rows[0].n, 0);
});

test('an array parameter (uuid[], text[]) takes an array, and refuses anything else before it is sent', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await flowstage.createFlow(db, { flowId });
  const progress = await flowstage.flowProgress(db, { flowIds: [flowId] });
  t.deepEqual(
    progress.map((p) => p.flow_id),
    [flowId],
  );
  await t.throwsAsync(flowstage.flowProgress(db, { flowIds: flowId as unknown as string[] }), {
    instanceOf: TypeError,
    message: 'ff_flow_progress: p_flow_ids must be an array of uuid values (got a string)',
  });
  await t.throwsAsync(flowstage.flowProgress(db, { flowIds: [{ id: flowId }] as unknown as string[] }), {
    instanceOf: TypeError,
    message: 'ff_flow_progress: p_flow_ids must be a uuid value (got an object)',
  });
});

test('an array parameter (text[]) reaches the database as an array; a scalar is refused before it is sent', async (t) => {
  const db = await testDatabase(t);
  const executionId = randomUUID();
  // an array reaches the database (which answers execution_not_found for this id)
  await t.throwsAsync(flowstage.suspendExecution(db, { executionId, signalNames: ['approved'] }), {
    instanceOf: FlowstageError,
    code: 'execution_not_found',
  });
  await t.throwsAsync(flowstage.suspendExecution(db, { executionId, signalNames: 'approved' as unknown as string[] }), {
    instanceOf: TypeError,
    message: 'ff_suspend_execution: p_signal_names must be an array of text values (got a string)',
  });
});
