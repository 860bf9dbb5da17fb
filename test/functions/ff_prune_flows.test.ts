import { randomUUID } from 'node:crypto';
import test from 'ava';
import type pg from 'pg';
import {
  NOW,
  assertRefused,
  assertRefusedWritesNothing,
  complete,
  connect,
  createExecution,
  createFlow,
  createMembers,
  snapshot,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';
import { plansOf } from '../helpers/plans.js';

type Db = pg.Pool | pg.PoolClient;

interface Pruned {
  finished_before_ms: string;
  flows: string;
  executions: string;
  edges: string;
  edge_groups: string;
  completion_outbox_rows: string;
  flow_events: string;
  jobs_removed: string;
}

async function prune(db: Db, finishedBeforeMs: number | null, limit?: number | null): Promise<Pruned> {
  const { rows } =
    limit === undefined
      ? await db.query('SELECT * FROM flowfabric.ff_prune_flows(p_finished_before_ms => $1)', [finishedBeforeMs])
      : await db.query('SELECT * FROM flowfabric.ff_prune_flows(p_finished_before_ms => $1, p_limit => $2)', [
          finishedBeforeMs,
          limit,
        ]);
  return rows[0];
}

/** A flow a -> b, a -> c (edges applied), started, every member completed with success at finishedAtMs: completed then. */
async function completedFlow(db: Db, finishedAtMs: number) {
  const { flowId } = await createFlow(db);
  const [a, b, c] = await createMembers(db, flowId, 3);
  await connect(db, flowId, a, b);
  await connect(db, flowId, a, c);
  await db.query('SELECT flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  for (const id of [a, b, c]) await complete(db, id, 'success', { nowMs: finishedAtMs });
  return { flowId, members: [a, b, c] };
}

/** A flow with two members, cancelled (cancel_all) at cancelledAtMs. */
async function cancelledFlow(db: Db, cancelledAtMs: number, policy: 'cancel_all' | 'cancel_flow_only' = 'cancel_all') {
  const { flowId } = await createFlow(db);
  const members = await createMembers(db, flowId, 2);
  await db.query(
    'SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => $2, p_cancellation_policy => $3, p_now_ms => $4)',
    [flowId, 'retention test', policy, cancelledAtMs],
  );
  return { flowId, members };
}

async function flowExists(db: Db, flowId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
  return rows.length === 1;
}

/** Rows per table that belong to the flow. */
async function rowsOf(db: Db, flowId: string) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM flowfabric.ff_flow_core WHERE flow_id = $1)::int AS flows,
            (SELECT count(*) FROM flowfabric.ff_exec_core WHERE flow_id = $1)::int AS executions,
            (SELECT count(*) FROM flowfabric.ff_edge WHERE flow_id = $1)::int AS edges,
            (SELECT count(*) FROM flowfabric.ff_edge_group WHERE flow_id = $1)::int AS edge_groups,
            (SELECT count(*) FROM flowfabric.ff_completion_outbox WHERE flow_id = $1)::int AS completion_outbox_rows,
            (SELECT count(*) FROM flowfabric.ff_flow_event WHERE flow_id = $1)::int AS flow_events`,
    [flowId],
  );
  return rows[0] as Record<string, number>;
}

test('deletes the flows that finished before the cutoff and keeps those that finished at or after it', async (t) => {
  const db = await testDatabase(t);
  const early = await completedFlow(db, NOW - 1);
  const atCutoff = await completedFlow(db, NOW);
  const cancelledEarly = await cancelledFlow(db, NOW - 5);
  const result = await prune(db, NOW);
  t.like(result, { finished_before_ms: String(NOW), flows: 2 });
  t.false(await flowExists(db, early.flowId));
  t.false(await flowExists(db, cancelledEarly.flowId));
  t.true(await flowExists(db, atCutoff.flowId));
});

test("everything of a pruned flow is gone, and the result counts each table's deleted rows", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await completedFlow(db, NOW);
  const before = await rowsOf(db, flowId);
  t.true(before.edge_groups > 0 && before.flow_events > 0);
  const result = await prune(db, NOW + 1);
  t.deepEqual(await rowsOf(db, flowId), {
    flows: 0,
    executions: 0,
    edges: 0,
    edge_groups: 0,
    completion_outbox_rows: 0,
    flow_events: 0,
  });
  t.like(result, {
    flows: before.flows,
    executions: before.executions,
    edges: before.edges,
    edge_groups: before.edge_groups,
    completion_outbox_rows: before.completion_outbox_rows,
    flow_events: before.flow_events,
  });
});

test('open flows, kept flows and solo executions are not touched', async (t) => {
  const db = await testDatabase(t);
  const { flowId: openFlowId } = await createFlow(db);
  await createMembers(db, openFlowId, 2);
  const solo = await createExecution(db);
  await complete(db, solo, 'success', { nowMs: NOW - 10 });
  await completedFlow(db, NOW + 5);
  const pruned = await completedFlow(db, NOW - 10);
  const before = await snapshot(db);
  await prune(db, NOW);
  const after = await snapshot(db);
  const notPruned = (rows: unknown[]) => rows.filter((row) => (row as { flow_id?: string }).flow_id !== pruned.flowId);
  t.deepEqual(after.flows, notPruned(before.flows));
  t.deepEqual(after.executions, notPruned(before.executions));
  t.deepEqual(after.edges, notPruned(before.edges));
  t.deepEqual(after.groups, notPruned(before.groups));
  t.true(after.executions.some((row) => (row as { execution_id: string }).execution_id === uuidOf(solo)));
});

test('the log rows of kept flows are untouched', async (t) => {
  const db = await testDatabase(t);
  const kept = await completedFlow(db, NOW + 1);
  await completedFlow(db, NOW - 1);
  const { flowId: openFlowId } = await createFlow(db);
  const logOf = async (flowId: string) =>
    (await db.query('SELECT * FROM flowfabric.ff_flow_event WHERE flow_id = $1 ORDER BY event_id', [flowId])).rows;
  const [keptBefore, openBefore] = [await logOf(kept.flowId), await logOf(openFlowId)];
  await prune(db, NOW);
  t.deepEqual(await logOf(kept.flowId), keptBefore);
  t.deepEqual(await logOf(openFlowId), openBefore);
});

test('a flow cancelled with cancel_flow_only is kept while a member is not terminal, and pruned once it is', async (t) => {
  const db = await testDatabase(t);
  const { flowId, members } = await cancelledFlow(db, NOW - 1, 'cancel_flow_only');
  await complete(db, members[0], 'success', { nowMs: NOW - 1 });
  t.like(await prune(db, NOW), { flows: 0 });
  t.true(await flowExists(db, flowId));
  await complete(db, members[1], 'success', { nowMs: NOW - 1 });
  t.like(await prune(db, NOW), { flows: 1, executions: 2 });
});

test('a finished flow whose deferred cascade has not run is kept until it has run', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const [a, b] = await createMembers(db, flowId, 2);
  await connect(db, flowId, a, b);
  await db.query('SELECT flowfabric.ff_start_flow(p_flow_id => $1)', [flowId]);
  await complete(db, a, 'failed', { nowMs: NOW - 2 }); // skips b; b's outgoing edges go to a job
  await db.query('SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => $2, p_now_ms => $3)', [
    flowId,
    'stop',
    NOW - 1,
  ]);
  t.like(await prune(db, NOW), { flows: 0 });
  await db.query('SELECT * FROM flowfabric.ff_cascade_step(p_execution_id => $1)', [b]);
  t.like(await prune(db, NOW), { flows: 1, completion_outbox_rows: 1 });
});

test('deletes at most p_limit flows per call, oldest first', async (t) => {
  const db = await testDatabase(t);
  const flows = [];
  for (let i = 0; i < 5; i++) flows.push(await cancelledFlow(db, NOW - 100 + i));
  t.like(await prune(db, NOW, 2), { flows: 2 });
  t.deepEqual(await Promise.all(flows.map((flow) => flowExists(db, flow.flowId))), [false, false, true, true, true]);
  t.like(await prune(db, NOW, 2), { flows: 2 });
  t.like(await prune(db, NOW, 2), { flows: 1 });
});

test('removes the Graphile Worker jobs still naming a pruned execution and leaves the others', async (t) => {
  const db = await testDatabase(t);
  const pruned = await cancelledFlow(db, NOW - 1);
  const kept = await cancelledFlow(db, NOW + 1);
  // A leftover job (e.g. one whose attempts were spent) for a member of each flow.
  await db.query(
    `UPDATE flowfabric.ff_exec_core SET raw_fields = raw_fields || '{"task_identifier": "work"}'
                  WHERE flow_id = ANY ($1::uuid[])`,
    [[pruned.flowId, kept.flowId]],
  );
  for (const id of [pruned.members[0], kept.members[0]]) {
    await db.query(`SELECT graphile_worker.add_job('work', '{}'::json, job_key => $1)`, [`flowstage:run:${uuidOf(id)}`]);
  }
  t.like(await prune(db, NOW), { flows: 1, jobs_removed: 1 });
  const { rows } = await db.query('SELECT key FROM graphile_worker.jobs ORDER BY key');
  t.deepEqual(
    rows.map((row) => row.key),
    [`flowstage:run:${uuidOf(kept.members[0])}`],
  );
});

test('log rows can still not be deleted, updated or truncated directly, even with the prune setting on', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await completedFlow(db, NOW - 1);
  const client = await db.connect();
  t.teardown(() => client.release());
  await client.query(`SET flowstage.prune_flow_events = 'on'`);
  await assertRefused(t, client.query('DELETE FROM flowfabric.ff_flow_event WHERE flow_id = $1', [flowId]), 'invalid_input');
  await assertRefused(
    t,
    client.query(`UPDATE flowfabric.ff_flow_event SET operation = 'x' WHERE flow_id = $1`, [flowId]),
    'invalid_input',
  );
  await assertRefused(t, client.query('TRUNCATE flowfabric.ff_flow_event'), 'invalid_input');
  t.true((await rowsOf(db, flowId)).flow_events > 0);
});

test('the log of a deleted flow can still not be deleted outside ff_prune_flows', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await completedFlow(db, NOW - 1);
  await db.query('DELETE FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
  await assertRefused(t, db.query('DELETE FROM flowfabric.ff_flow_event WHERE flow_id = $1', [flowId]), 'invalid_input');
});

test('a role that does not own the log cannot delete it, even with DELETE granted, the setting on and the flow gone', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await completedFlow(db, NOW - 1);
  await db.query('DELETE FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
  const role = `flowstage_prune_test_${randomUUID().replaceAll('-', '')}`;
  await db.query(`CREATE ROLE ${role} NOLOGIN`);
  t.teardown(async () => {
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
  });
  await db.query(`GRANT USAGE ON SCHEMA flowfabric TO ${role}`);
  await db.query(`GRANT SELECT, DELETE ON flowfabric.ff_flow_event, flowfabric.ff_flow_core TO ${role}`);
  const client = await db.connect();
  t.teardown(() => client.release());
  await client.query('BEGIN');
  await client.query(`SET LOCAL ROLE ${role}`);
  await client.query(`SET LOCAL flowstage.prune_flow_events = 'on'`);
  await assertRefused(t, client.query('DELETE FROM flowfabric.ff_flow_event WHERE flow_id = $1', [flowId]), 'invalid_input');
  await client.query('ROLLBACK');
  t.true((await rowsOf(db, flowId)).flow_events > 0);
});

test('does not wait for a flow or a member another transaction holds: that flow is skipped', async (t) => {
  const db = await testDatabase(t);
  const busyFlow = await cancelledFlow(db, NOW - 3);
  const busyMember = await cancelledFlow(db, NOW - 2);
  const free = await cancelledFlow(db, NOW - 1);
  const holder = await db.connect();
  const pruner = await db.connect();
  t.teardown(async () => {
    await holder.query('ROLLBACK');
    holder.release();
    pruner.release();
  });
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1 FOR UPDATE', [busyFlow.flowId]);
  await holder.query('SELECT 1 FROM flowfabric.ff_exec_core WHERE execution_id = $1 FOR KEY SHARE', [
    uuidOf(busyMember.members[1]),
  ]);
  // Any wait for a lock would fail the call (55P03) instead of blocking it.
  await pruner.query(`SET lock_timeout = '1ms'`);
  t.like(await prune(pruner, NOW), { flows: 1, executions: 2 });
  t.false(await flowExists(db, free.flowId));
  t.true(await flowExists(db, busyFlow.flowId));
  t.true(await flowExists(db, busyMember.flowId));
  await holder.query('ROLLBACK');
  await holder.query('BEGIN');
  t.like(await prune(pruner, NOW), { flows: 2 });
});

test('a skipped flow does not shorten the batch: the next finished flow takes its place', async (t) => {
  const db = await testDatabase(t);
  const busyFlow = await cancelledFlow(db, NOW - 4);
  const busyMember = await cancelledFlow(db, NOW - 3);
  const next = await cancelledFlow(db, NOW - 2);
  const last = await cancelledFlow(db, NOW - 1);
  const holder = await db.connect();
  t.teardown(async () => {
    await holder.query('ROLLBACK');
    holder.release();
  });
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1 FOR UPDATE', [busyFlow.flowId]);
  await holder.query('SELECT 1 FROM flowfabric.ff_exec_core WHERE execution_id = $1 FOR KEY SHARE', [
    uuidOf(busyMember.members[0]),
  ]);
  t.like(await prune(db, NOW, 2), { flows: 2, executions: 4 });
  t.deepEqual(await Promise.all([busyFlow, busyMember, next, last].map((flow) => flowExists(db, flow.flowId))), [
    true,
    true,
    false,
    false,
  ]);
});

test('two concurrent calls take disjoint flows and neither waits for the other', async (t) => {
  const db = await testDatabase(t);
  for (let i = 0; i < 4; i++) await cancelledFlow(db, NOW - 10 + i);
  const first = await db.connect();
  const second = await db.connect();
  t.teardown(() => {
    first.release();
    second.release();
  });
  await second.query(`SET lock_timeout = '1ms'`);
  await first.query('BEGIN');
  const firstResult = await prune(first, NOW, 3);
  const secondResult = await prune(second, NOW, 3);
  await first.query('COMMIT');
  t.deepEqual([firstResult.flows, secondResult.flows], [3, 1]);
  t.like(await prune(db, NOW), { flows: 0 });
});

test('refuses a NULL or negative cutoff and a limit outside 1..100000 with invalid_input, writing nothing', async (t) => {
  const db = await testDatabase(t);
  await cancelledFlow(db, NOW - 1);
  for (const [cutoff, limit] of [
    [null, 10],
    [-1, 10],
    [NOW, 0],
    [NOW, 100_001],
    [NOW, null],
  ] as const) {
    const error = await assertRefusedWritesNothing(t, db, () => prune(db, cutoff, limit), 'invalid_input');
    t.regex(error.detail ?? '', cutoff === NOW ? /^p_limit:/ : /^p_finished_before_ms:/);
  }
});

test('refuses a cutoff later than now (a unit mistake would prune every finished flow), writing nothing', async (t) => {
  const db = await testDatabase(t);
  await cancelledFlow(db, NOW - 1);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query('SELECT * FROM flowfabric.ff_prune_flows(p_finished_before_ms => $1, p_now_ms => $2)', [NOW * 1000, NOW]),
    'invalid_input',
  );
  t.regex(error.detail ?? '', /^p_finished_before_ms: .* is later than now/);
});

test('pruning beside a large open flow reaches ff_exec_core by index only: no sequential scan per candidate, or at all', async (t) => {
  const db = await testDatabase(t);
  await db.query(
    `SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => jsonb_build_object('executions',
    (SELECT jsonb_agg(jsonb_build_object('execution_id', gen_random_uuid())) FROM generate_series(1, 5000))))`,
    [randomUUID()],
  );
  for (let i = 0; i < 20; i++) await cancelledFlow(db, NOW - 1000 + i);
  await db.query('ANALYZE flowfabric.ff_exec_core');
  const client = await db.connect();
  try {
    const plans = await plansOf(
      client,
      'SELECT * FROM flowfabric.ff_prune_flows(p_finished_before_ms => $1::bigint, p_limit => 100)',
      [NOW],
    );
    t.true(plans.length > 5, 'auto_explain saw the statements');
    t.deepEqual(
      plans.filter((p) => /Seq Scan on ff_exec_core/.test(p)),
      [],
    );
  } finally {
    client.release();
  }
  t.is((await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_flow_core')).rows[0].n, 1);
});
