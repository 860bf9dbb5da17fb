// The graphs the benchmark builds: a layered DAG from a seeded PRNG (every contender builds the
// same one), and the ways to write it: flowstage's ff_submit_flow, the single calls it replaces
// (used only when ff_submit_flow is not installed), the floor (plain INSERT ... SELECT into
// flowstage's tables, no checks) and pg-boss flow() jobs.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { prng } from './common.js';

export interface Dag {
  layers: number;
  width: number;
  /** parents[i]: the nodes node i depends on (node i = layer * width + position). */
  parents: number[][];
  edgeCount: number;
}

/** `layers` x `width` nodes; each node below the first layer depends on `fanIn` distinct random nodes of the layer above. */
export function layeredDag(layers: number, width: number, fanIn: number, seed = 12): Dag {
  if (fanIn > width) throw new Error('layeredDag: fanIn must not exceed width');
  const random = prng(seed);
  const parents: number[][] = [];
  let edgeCount = 0;
  for (let layer = 0; layer < layers; layer++) {
    for (let position = 0; position < width; position++) {
      if (layer === 0) {
        parents.push([]);
        continue;
      }
      const above = Array.from({ length: width }, (_, i) => (layer - 1) * width + i);
      for (let i = 0; i < fanIn; i++) {
        // a partial Fisher-Yates shuffle: fanIn distinct picks
        const j = i + Math.floor(random() * (width - i));
        [above[i], above[j]] = [above[j], above[i]];
      }
      parents.push(above.slice(0, fanIn).sort((a, b) => a - b));
      edgeCount += fanIn;
    }
  }
  return { layers, width, parents, edgeCount };
}

/** A chain of n nodes: node i depends on node i - 1. */
export function chainDag(n: number): Dag {
  return { layers: n, width: 1, parents: Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])), edgeCount: n - 1 };
}

/** A flowstage plan (docs/semantics.md §4.7) with fresh uuids. */
export interface Plan {
  executions: { execution_id: string; task_identifier: string; payload: Record<string, unknown> }[];
  edges: { edge_id: string; upstream_execution_id: string; downstream_execution_id: string; condition?: string }[];
}

/** The plan of `dag`; with `condition`, every edge carries it (docs/semantics.md §10.1). */
export function planOf(dag: Dag, task: string, condition?: string): Plan {
  const ids = dag.parents.map(() => randomUUID());
  const plan: Plan = {
    executions: ids.map((id, i) => ({ execution_id: id, task_identifier: task, payload: { node: i } })),
    edges: [],
  };
  dag.parents.forEach((parents, child) => {
    for (const parent of parents) {
      plan.edges.push({
        edge_id: randomUUID(),
        upstream_execution_id: ids[parent],
        downstream_execution_id: ids[child],
        ...(condition === undefined ? {} : { condition }),
      });
    }
  });
  return plan;
}

/** Executions only (fixtures for the staging measurement). */
export function membersPlan(count: number, task: string): Plan {
  return {
    executions: Array.from({ length: count }, (_, i) => ({
      execution_id: randomUUID(),
      task_identifier: task,
      payload: { node: i },
    })),
    edges: [],
  };
}

/** pg-boss 12 flow() jobs for the same graph: ref = node index, data = the same payload. */
export function pgBossJobs(dag: Dag, queue: string) {
  return dag.parents.map((parents, i) => ({
    ref: String(i),
    name: queue,
    data: { node: i },
    ...(parents.length ? { dependsOn: parents.map(String) } : {}),
  }));
}

export const SUBMIT_SQL = 'SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)';

export async function hasSubmitFlow(db: pg.ClientBase | pg.Pool): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regproc('flowfabric.ff_submit_flow') IS NOT NULL AS present`);
  return rows[0].present;
}

/**
 * Builds (creates, stages and applies) a plan's flow, untimed: ff_submit_flow in one call when
 * installed, else the single-item functions, one SQL statement per phase. Returns how.
 */
export async function buildFlow(db: pg.Pool, flowId: string, plan: Plan): Promise<'ff_submit_flow' | 'single calls'> {
  if (await hasSubmitFlow(db)) {
    const { rows } = await db.query(SUBMIT_SQL, [flowId, JSON.stringify(plan)]);
    if (rows[0]?.status !== 'submitted') throw new Error(`bench: ff_submit_flow answered ${JSON.stringify(rows[0])}`);
    return 'ff_submit_flow';
  }
  const client = await db.connect();
  try {
    await client.query('SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)', [flowId]);
    const executions = JSON.stringify(plan.executions);
    await client.query(
      `
      SELECT count(*) FROM jsonb_array_elements($2::jsonb) e,
        LATERAL flowfabric.ff_create_execution(p_execution_id => e->>'execution_id', p_flow_id => $1::uuid,
                                               p_payload => e->'payload', p_task_identifier => e->>'task_identifier') c`,
      [flowId, executions],
    );
    await client.query(
      `
      SELECT count(*) FROM jsonb_array_elements($2::jsonb) e,
        LATERAL flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => e->>'execution_id') a`,
      [flowId, executions],
    );
    let revision = plan.executions.length;
    for (let start = 0; start < plan.edges.length; start += 10_000) {
      const batch = plan.edges.slice(start, start + 10_000);
      const { rows } = await client.query(
        'SELECT * FROM flowfabric.ff_stage_dependency_edges(p_flow_id => $1::uuid, p_expected_graph_revision => $2::bigint, p_edges => $3::jsonb)',
        [flowId, revision, JSON.stringify(batch)],
      );
      revision = Number(rows[0].graph_revision);
    }
    if (plan.edges.length) {
      await client.query(
        `
        SELECT count(*) FROM jsonb_array_elements($2::jsonb) e,
          LATERAL flowfabric.ff_apply_dependency_to_child(p_flow_id => $1::uuid, p_edge_id => (e->>'edge_id')::uuid) a`,
        [flowId, JSON.stringify(plan.edges)],
      );
    }
    return 'single calls';
  } finally {
    client.release();
  }
}

/**
 * The floor: the rows a submitted plan leaves behind, written with one INSERT ... SELECT per table
 * in one statement (one transaction, one round trip) and no checks: the flow row, the executions
 * (members; those with inbound edges blocked), the edges (applied), one edge group per
 * downstream, and the log. `perItem` (the floor the goals use): one log row per item, as the
 * single-item functions write them (create_flow, add_execution_to_flow per execution,
 * stage_dependency_edge per edge). `perPlan` (for reference): create_flow and one submit_flow
 * row listing the plan's members and edges, as ff_submit_flow logs a plan.
 * $1 flow uuid, $2 the plan (the same jsonb ff_submit_flow gets), $3 now in ms.
 */
export function floorSql(log: 'perItem' | 'perPlan'): string {
  return `
WITH p AS (
  SELECT flowfabric.ff_flow_partition($1::uuid) AS pk, $3::bigint AS now_ms),
ex AS MATERIALIZED (
  SELECT (x.e->>'execution_id')::uuid AS id, x.e->>'task_identifier' AS task, x.e->'payload' AS payload, x.ord
  FROM jsonb_array_elements($2::jsonb->'executions') WITH ORDINALITY AS x(e, ord)),
ed AS MATERIALIZED (
  SELECT (x.e->>'edge_id')::uuid AS id, (x.e->>'upstream_execution_id')::uuid AS up,
         (x.e->>'downstream_execution_id')::uuid AS down, x.ord
  FROM jsonb_array_elements($2::jsonb->'edges') WITH ORDINALITY AS x(e, ord)),
n AS (
  SELECT (SELECT count(*) FROM ex) AS executions, (SELECT count(*) FROM ed) AS edges),
ins_flow AS (
  INSERT INTO flowfabric.ff_flow_core (partition_key, flow_id, graph_revision, public_flow_state, created_at_ms, raw_fields)
  SELECT p.pk, $1::uuid, n.executions + n.edges, 'open', p.now_ms,
         jsonb_build_object('flow_kind', 'dag', 'namespace', 'default', 'node_count', n.executions,
                            'edge_count', n.edges, 'last_mutation_at_ms', p.now_ms)
  FROM p, n),
blocked AS MATERIALIZED (SELECT DISTINCT down AS id FROM ed),
ins_exec AS (
  INSERT INTO flowfabric.ff_exec_core (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
                                       eligibility_state, public_state, attempt_state, blocking_reason,
                                       priority, created_at_ms, payload, raw_fields)
  SELECT p.pk, ex.id, $1::uuid, 'default', 'runnable', 'unowned',
         CASE WHEN b.id IS NULL THEN 'eligible_now' ELSE 'blocked_by_dependencies' END,
         CASE WHEN b.id IS NULL THEN 'waiting' ELSE 'waiting_children' END,
         'pending_first_attempt',
         CASE WHEN b.id IS NULL THEN 'waiting_for_worker' ELSE 'waiting_for_children' END,
         0, p.now_ms, ex.payload, jsonb_build_object('task_identifier', ex.task)
  FROM ex LEFT JOIN blocked b ON b.id = ex.id, p),
ins_edge AS (
  INSERT INTO flowfabric.ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                                  staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, applied_at_ms, edge_state)
  SELECT p.pk, $1::uuid, ed.id, ed.up, ed.down, 1,
         p.now_ms, n.executions + ed.ord, 'success_only', '', p.now_ms, 'applied'
  FROM ed, p, n),
ins_group AS (
  INSERT INTO flowfabric.ff_edge_group (partition_key, flow_id, downstream_eid, running_count)
  SELECT p.pk, $1::uuid, ed.down, count(*) FROM ed, p GROUP BY p.pk, ed.down),
ins_event AS (
  INSERT INTO flowfabric.ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  SELECT p.pk, $1::uuid, 0, 'create_flow',
         jsonb_build_object('flow_id', $1::uuid, 'flow_kind', 'dag', 'namespace', 'default'), p.now_ms FROM p
  UNION ALL
  ${log === 'perItem' ? PER_ITEM_LOG : PER_PLAN_LOG})
SELECT n.executions, n.edges FROM n`;
}

const PER_ITEM_LOG = `
  SELECT p.pk, $1::uuid, ex.ord, 'add_execution_to_flow',
         jsonb_build_object('execution_id', '{fp:' || p.pk || '}:' || ex.id), p.now_ms FROM ex, p
  UNION ALL
  SELECT p.pk, $1::uuid, n.executions + ed.ord, 'stage_dependency_edge',
         jsonb_build_object('edge_id', ed.id, 'upstream_execution_id', '{fp:' || p.pk || '}:' || ed.up,
                            'downstream_execution_id', '{fp:' || p.pk || '}:' || ed.down,
                            'dependency_kind', 'success_only', 'data_passing_ref', ''), p.now_ms FROM ed, p, n`;

const PER_PLAN_LOG = `
  SELECT p.pk, $1::uuid, n.executions + n.edges, 'submit_flow',
         jsonb_build_object(
           'flow_id', $1::uuid, 'base_graph_revision', 0, 'executions_created', n.executions,
           'members', (SELECT jsonb_agg('{fp:' || p.pk || '}:' || ex.id ORDER BY ex.ord) FROM ex),
           'edges', jsonb_build_object(
             'edge_id', (SELECT jsonb_agg(ed.id::text ORDER BY ed.ord) FROM ed),
             'upstream_execution_id', (SELECT jsonb_agg('{fp:' || p.pk || '}:' || ed.up ORDER BY ed.ord) FROM ed),
             'downstream_execution_id', (SELECT jsonb_agg('{fp:' || p.pk || '}:' || ed.down ORDER BY ed.ord) FROM ed),
             'data_passing_ref', (SELECT jsonb_agg(''::text ORDER BY ed.ord) FROM ed),
             'dependency_kind', 'success_only'),
           'groups', '[]'::jsonb, 'applied_edge_ids', '[]'::jsonb, 'edges_applied', n.edges),
         p.now_ms
  FROM p, n`;
