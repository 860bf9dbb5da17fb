// npm run bench: what each staging call costs next to a one-row INSERT through the same client,
// and how the cycle check scales. Prints figures and ratios; asserts nothing (tests check behaviour).
//
// The bar (DEVELOPERS.md): each staging call is one round trip costing at most 1.3x a one-row
// INSERT in autocommit; cycle checks cost what the reachable part of the graph costs.
// Runs on $DATABASE_URL or a throwaway embedded server with fsync on (durable commits).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import {
  addExecutionToFlow,
  applyDependencyToChild,
  createExecution,
  createFlow,
  stageDependencyEdge,
} from '../src/generated/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const CHAIN_SIZES = [1_000, 10_000, 100_000];

type Timed = { name: string; micros: number[] };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function time(name: string, count: number, call: (i: number) => Promise<unknown>): Promise<Timed> {
  const micros: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i);
    micros.push((performance.now() - start) * 1000);
  }
  return { name, micros };
}

const server = await resolveServer({ durable: true });
const database = `flowstage_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: server.connectionString });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = withDatabaseName(server.connectionString, database);
try {
  await migrate(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const settings = await db.query(`SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
                                          current_setting('synchronous_commit') AS sync`);
  console.log(`PostgreSQL ${settings.rows[0].version}, fsync=${settings.rows[0].fsync}, ` +
              `synchronous_commit=${settings.rows[0].sync}; ${CALLS} calls per row, one connection, autocommit.\n`);

  // Fixtures: one flow; executions to add; a chain of members to stage and apply edges on.
  await db.query('CREATE TABLE public.bench_insert (id uuid PRIMARY KEY, flow_id uuid NOT NULL, payload jsonb)');
  const flowId = randomUUID();
  await createFlow(db, { flowId });
  const toAdd = Array.from({ length: CALLS }, () => randomUUID());
  const members = Array.from({ length: CALLS + 1 }, () => randomUUID());
  for (const executionId of [...toAdd, ...members]) await createExecution(db, { executionId, flowId });
  for (const executionId of members) await addExecutionToFlow(db, { flowId, executionId });
  let revision = Number((await db.query('SELECT graph_revision FROM flowfabric.ff_flow_core')).rows[0].graph_revision);
  const edges = Array.from({ length: CALLS }, () => randomUUID());
  const flows = Array.from({ length: CALLS }, () => randomUUID());

  // Warm the plans and the connection before timing.
  await time('warm-up', 50, () => db.query('INSERT INTO public.bench_insert VALUES ($1, $2, $3)', [randomUUID(), flowId, null]));

  const results: Timed[] = [];
  results.push(await time('one-row INSERT (baseline)', CALLS, () =>
    db.query('INSERT INTO public.bench_insert VALUES ($1, $2, $3)', [randomUUID(), flowId, null])));
  // The floor under a staged edge: the rows it must write (edge, flow bump, log row) in one
  // plain SQL statement, no checks. Shows how much of a staging call is checking, not writing.
  const floorFlow = randomUUID();
  const floorPartition = (await createFlow(db, { flowId: floorFlow }))[0].partition_key;
  results.push(await time('floor: rows a staged edge writes, 1 stmt', CALLS, () => db.query(`
    WITH bump AS (
      UPDATE flowfabric.ff_flow_core SET graph_revision = graph_revision + 1
      WHERE partition_key = $1 AND flow_id = $2 RETURNING graph_revision),
    edge AS (
      INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy)
      SELECT $1, $2, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
             jsonb_build_object('edge_state', 'pending', 'staged_graph_revision', graph_revision) FROM bump)
    INSERT INTO flowfabric.ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
    SELECT $1, $2, graph_revision, 'bench_floor', '{}', 0 FROM bump`, [floorPartition, floorFlow])));
  results.push(await time('ff_create_flow (created)', CALLS, (i) => createFlow(db, { flowId: flows[i] })));
  results.push(await time('ff_create_flow (replay)', CALLS, (i) => createFlow(db, { flowId: flows[i] })));
  results.push(await time('ff_add_execution_to_flow (added)', CALLS, (i) =>
    addExecutionToFlow(db, { flowId, executionId: toAdd[i] })));
  revision += CALLS;
  results.push(await time('ff_add_execution_to_flow (replay)', CALLS, (i) =>
    addExecutionToFlow(db, { flowId, executionId: toAdd[i] })));
  // A chain member i -> i+1: each check walks from the new downstream (nothing beyond it yet).
  results.push(await time('ff_stage_dependency_edge (staged)', CALLS, (i) =>
    stageDependencyEdge(db, { flowId, edgeId: edges[i], upstreamExecutionId: members[i],
                             downstreamExecutionId: members[i + 1], expectedGraphRevision: revision + i })));
  results.push(await time('ff_stage_dependency_edge (replay)', CALLS, (i) =>
    stageDependencyEdge(db, { flowId, edgeId: edges[i], upstreamExecutionId: members[i],
                             downstreamExecutionId: members[i + 1], expectedGraphRevision: revision + i })));
  results.push(await time('ff_apply_dependency_to_child (applied)', CALLS, (i) =>
    applyDependencyToChild(db, { flowId, edgeId: edges[i] })));
  results.push(await time('ff_apply_dependency_to_child (replay)', CALLS, (i) =>
    applyDependencyToChild(db, { flowId, edgeId: edges[i] })));

  const baseline = median(results[0].micros);
  console.log('call'.padEnd(40), 'median µs'.padStart(10), 'p95 µs'.padStart(10), 'x INSERT'.padStart(9));
  for (const { name, micros } of results) {
    console.log(name.padEnd(40), median(micros).toFixed(0).padStart(10), percentile(micros, 0.95).toFixed(0).padStart(10),
                (median(micros) / baseline).toFixed(2).padStart(9));
  }

  // Cycle checks: a chain of n members on a fresh, never analysed flow. Closing tail -> head walks
  // all n nodes; an edge whose downstream is near the tail walks 10 nodes, whatever n is.
  console.log('\ncycle check on a chain (fixture rows inserted directly; tables never analysed)');
  console.log('chain size'.padStart(10), 'tail->head refused ms'.padStart(22), 'µs/node'.padStart(8),
              'reach-10 staged ms'.padStart(19));
  for (const size of CHAIN_SIZES) {
    const chainFlow = randomUUID();
    const created = await createFlow(db, { flowId: chainFlow });
    const partition = created[0].partition_key;
    const ids = (await db.query(`
      WITH members AS (
        INSERT INTO flowfabric.ff_exec_core (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
          eligibility_state, public_state, attempt_state, blocking_reason, created_at_ms)
        SELECT $1, gen_random_uuid(), $2, 'default', 'runnable', 'unowned', 'eligible_now', 'waiting',
               'pending_first_attempt', 'waiting_for_worker', 0
        FROM generate_series(1, $3) RETURNING execution_id)
      SELECT array_agg(execution_id) AS ids FROM members`, [partition, chainFlow, size])).rows[0].ids as string[];
    await db.query(`
      INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy)
      SELECT $1, $2, gen_random_uuid(), ($3::uuid[])[i], ($3::uuid[])[i + 1],
             '{"dependency_kind": "success_only", "edge_state": "pending", "data_passing_ref": ""}'
      FROM generate_series(1, $4 - 1) i`, [partition, chainFlow, ids, size]);
    const start = performance.now();
    const refused = await stageDependencyEdge(db, { flowId: chainFlow, edgeId: randomUUID(), upstreamExecutionId: ids[size - 1],
                                                  downstreamExecutionId: ids[0], expectedGraphRevision: 0 })
      .then(() => 'staged', (error: { message: string }) => error.message);
    const closing = performance.now() - start;
    const start2 = performance.now();
    const staged = await stageDependencyEdge(db, { flowId: chainFlow, edgeId: randomUUID(), upstreamExecutionId: ids[0],
                                                 downstreamExecutionId: ids[size - 10], expectedGraphRevision: 0 });
    const near = performance.now() - start2;
    if (refused !== 'cycle_detected' || staged[0].status !== 'staged') throw new Error(`unexpected: ${refused}, ${staged[0].status}`);
    console.log(String(size).padStart(10), closing.toFixed(1).padStart(22), ((closing * 1000) / size).toFixed(2).padStart(8),
                near.toFixed(1).padStart(19));
  }
  await db.end();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await server.stop();
}
