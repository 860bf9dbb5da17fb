// Measures ff_submit_flow on the 10,000-execution / 29,700-edge layered DAG (100 layers x 100
// nodes, each depending on 3 random nodes of the layer above) in one call, next to plain
// INSERT ... SELECT floors of the same rows (rows only; + one log row per plan; + one log row per
// item), in alternating rounds, medians; then, once each, the identical resubmission (a replay,
// unlocked) and the plan with its executions listed downstream-first (the full cycle check).
// Reports wall time and the backend's CPU time (/proc/<pid>/schedstat, local servers only), which
// other processes on a shared machine disturb much less. Asserts nothing; `npm run bench` is the
// benchmark of record.
//   DATABASE_URL=postgres://... npx tsx scripts/measure-submit.ts [rounds] [--canonical]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

const LAYERS = Number(process.env.LAYERS ?? 100);
const WIDTH = Number(process.env.WIDTH ?? 100);
const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const canonical = process.argv.includes('--canonical');

function plan(partition: number | null, reverse = false) {
  const id = (u: string) => (partition === null ? u : `{fp:${partition}}:${u}`);
  const layers: string[][] = [];
  const executions: object[] = [];
  const edges: object[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const layer = Array.from({ length: WIDTH }, () => randomUUID());
    layers.push(layer);
    for (const u of layer) executions.push({ execution_id: id(u), task_identifier: 'bench_task', payload: { layer: l } });
    if (l === 0) continue;
    for (const u of layer) {
      const parents = new Set<string>();
      while (parents.size < 3) parents.add(layers[l - 1][Math.floor(Math.random() * WIDTH)]);
      for (const p of parents)
        edges.push({ edge_id: randomUUID(), upstream_execution_id: id(p), downstream_execution_id: id(u) });
    }
  }
  return { executions: reverse ? executions.reverse() : executions, edges };
}

const FLOOR_ROWS = `
WITH plan AS (SELECT $2::jsonb AS p),
x AS (
  INSERT INTO flowfabric.ff_exec_core (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
    eligibility_state, public_state, attempt_state, blocking_reason, priority, created_at_ms, payload, raw_fields)
  SELECT $3, (e->>'execution_id')::uuid, $1, 'default', 'runnable', 'unowned', 'eligible_now', 'waiting',
         'pending_first_attempt', 'waiting_for_worker', 0, 0, e->'payload', jsonb_build_object('task_identifier', e->>'task_identifier')
  FROM plan, jsonb_array_elements(p->'executions') e
  RETURNING 1),
ed AS (
  INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                                  staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, applied_at_ms, edge_state)
  SELECT $3, $1, (e->>'edge_id')::uuid, (e->>'upstream_execution_id')::uuid, (e->>'downstream_execution_id')::uuid, 1,
         0, o, 'success_only', '', 0, 'applied'
  FROM plan, jsonb_array_elements(p->'edges') WITH ORDINALITY a(e, o)
  RETURNING downstream_eid),
g AS (
  INSERT INTO flowfabric.ff_edge_group (partition_key, flow_id, downstream_eid, running_count)
  SELECT $3, $1, downstream_eid, count(*) FROM ed GROUP BY downstream_eid
  RETURNING 1),
f AS (
  INSERT INTO flowfabric.ff_flow_core (partition_key, flow_id, graph_revision, created_at_ms, raw_fields)
  VALUES ($3, $1, 39700, 0, '{}') RETURNING 1)
SELECT (SELECT count(*) FROM x) AS x, (SELECT count(*) FROM ed) AS ed, (SELECT count(*) FROM g) AS g, (SELECT count(*) FROM f) AS f`;

// the same rows + one log row per plan (what ff_submit_flow writes) / one log row per item (the floor)
const FLOOR_LOG_PLAN = `INSERT INTO flowfabric.ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  SELECT $3, $1, 39700, 'submit_flow', jsonb_build_object('members', p->'executions', 'edges', p->'edges'), 0 FROM (SELECT $2::jsonb AS p) plan`;
const FLOOR_LOG_ITEMS = `INSERT INTO flowfabric.ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  SELECT $3, $1, o, 'item', e, 0 FROM (SELECT $2::jsonb AS p) plan,
  jsonb_array_elements(p->'executions' || p->'edges') WITH ORDINALITY a(e, o)`;

function median(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
const partitionOf = async (flowId: string) =>
  (await db.query('SELECT flowfabric.ff_flow_partition($1) AS p', [flowId])).rows[0].p as number;
// CPU time of the backend (ns on CPU, /proc/<pid>/schedstat): much less sensitive than wall time
// to other processes on a shared machine. Local servers only.
const backend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
const cpuMs = () => {
  try {
    return Number(readFileSync(`/proc/${backend}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
};
const times: Record<string, number[]> = { submit: [], floor: [], floorLogPlan: [], floorLogItems: [] };
const cpu: Record<string, number[]> = { submit: [], floor: [], floorLogPlan: [], floorLogItems: [] };
for (let round = 0; round < rounds; round++) {
  for (const kind of Object.keys(times)) {
    const flowId = randomUUID();
    const partition = await partitionOf(flowId);
    const body = JSON.stringify(plan(kind === 'submit' && canonical ? partition : null));
    const start = performance.now();
    const cpuStart = cpuMs();
    if (kind === 'submit') {
      const { rows } = await db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
        flowId,
        body,
      ]);
      if (round === 0) console.log(rows[0]);
    } else {
      await db.query('BEGIN');
      await db.query(FLOOR_ROWS, [flowId, body, partition]);
      if (kind === 'floorLogPlan') await db.query(FLOOR_LOG_PLAN, [flowId, body, partition]);
      if (kind === 'floorLogItems') await db.query(FLOOR_LOG_ITEMS, [flowId, body, partition]);
      await db.query('COMMIT');
    }
    times[kind].push(performance.now() - start);
    cpu[kind].push(cpuMs() - cpuStart);
  }
}
for (const [kind, values] of Object.entries(times)) {
  console.log(
    `${kind.padEnd(14)} wall median ${median(values).toFixed(0)} ms (${values.map((v) => v.toFixed(0)).join(', ')})` +
      `   backend cpu median ${median(cpu[kind]).toFixed(0)} ms (${cpu[kind].map((v) => v.toFixed(0)).join(', ')})`,
  );
}
console.log(
  `submit / floor (same rows + one log row per plan): wall ${(median(times.submit) / median(times.floorLogPlan)).toFixed(2)}x, ` +
    `cpu ${(median(cpu.submit) / median(cpu.floorLogPlan)).toFixed(2)}x`,
);
console.log(
  `submit / floor (one log row per item, the issue's floor): wall ${(median(times.submit) / median(times.floorLogItems)).toFixed(2)}x, ` +
    `cpu ${(median(cpu.submit) / median(cpu.floorLogItems)).toFixed(2)}x`,
);

const SUBMIT = 'SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)';
async function once(label: string, flowId: string, body: string) {
  const start = performance.now();
  const cpuStart = cpuMs();
  const { rows } = await db.query(SUBMIT, [flowId, body]);
  console.log(
    `${label.padEnd(40)} ${rows[0].status.padEnd(18)} wall ${(performance.now() - start).toFixed(0)} ms, cpu ${(cpuMs() - cpuStart).toFixed(0)} ms`,
  );
}
{
  const flowId = randomUUID();
  const body = JSON.stringify(plan(canonical ? await partitionOf(flowId) : null));
  await once('submit', flowId, body);
  await once('identical resubmission', flowId, body);
  const reversed = randomUUID();
  await once(
    'executions listed downstream-first',
    reversed,
    JSON.stringify(plan(canonical ? await partitionOf(reversed) : null, true)),
  );
}
await db.end();
