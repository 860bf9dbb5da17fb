// Fixture builders for the cascade tests: flows of executions joined by applied edges, and a
// deterministic way to drain flowstage's Graphile Worker jobs (runOnce, one job at a time).
import { randomUUID } from 'node:crypto';
import { Logger, runOnce } from 'graphile-worker';
import pg from 'pg';
import { buildTaskList, type TaskList } from '../../src/worker/index.js';

import { uuidOf, type Db, type Flow as TestFlow } from './fixtures.js';

/** Creates an execution on the flow's partition and adds it; returns its canonical id. */
export async function member(
  flow: TestFlow,
  options: { task?: string; payload?: unknown; priority?: number; policy?: Record<string, unknown>; delayUntilMs?: number } = {},
): Promise<string> {
  const { rows } = await flow.db.query(
    `SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid, p_payload => $2::jsonb,
       p_task_identifier => $3::text, p_priority => $4::int, p_policy => $5::jsonb, p_delay_until_ms => $6::bigint)`,
    [
      flow.flowId,
      options.payload === undefined ? null : JSON.stringify(options.payload),
      options.task ?? null,
      options.priority ?? 0,
      options.policy === undefined ? null : JSON.stringify(options.policy),
      options.delayUntilMs ?? null,
    ],
  );
  const id = rows[0].execution_id as string;
  await flow.db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)', [
    flow.flowId,
    id,
  ]);
  return id;
}

export async function members(flow: TestFlow, count: number, options: { task?: string } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await member(flow, options));
  return ids;
}

/** Stages edge up -> down at the flow's current revision; returns the edge id. */
export interface EdgeOptions {
  ref?: string;
  kind?: 'success_only' | 'failure_only' | 'any_outcome';
  condition?: string;
}

export async function stage(flow: TestFlow, up: string, down: string, options: EdgeOptions = {}): Promise<string> {
  const edgeId = randomUUID();
  const { rows } = await flow.db.query(
    'SELECT graph_revision FROM flowfabric.ff_flow_core WHERE partition_key = $1 AND flow_id = $2::uuid',
    [flow.partition, flow.flowId],
  );
  await flow.db.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1::uuid, p_edge_id => $2::uuid,
       p_upstream_execution_id => $3::text, p_downstream_execution_id => $4::text,
       p_expected_graph_revision => $5::bigint, p_data_passing_ref => $6::text,
       p_dependency_kind => $7::text, p_condition => $8::text)`,
    [
      flow.flowId,
      edgeId,
      up,
      down,
      rows[0].graph_revision,
      options.ref ?? null,
      options.kind ?? 'success_only',
      options.condition ?? null,
    ],
  );
  return edgeId;
}

export async function apply(flow: TestFlow, edgeId: string) {
  const { rows } = await flow.db.query(
    'SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1::uuid, p_edge_id => $2::uuid)',
    [flow.flowId, edgeId],
  );
  return rows[0] as { status: string; unsatisfied_count: number };
}

/** Stages and applies edge up -> down; returns the edge id. */
export async function edge(flow: TestFlow, up: string, down: string, options: EdgeOptions = {}): Promise<string> {
  const edgeId = await stage(flow, up, down, options);
  await apply(flow, edgeId);
  return edgeId;
}

export async function policy(
  flow: TestFlow,
  down: string,
  kind: 'all_of' | 'any_of' | 'quorum',
  options: { onSatisfied?: 'cancel_remaining' | 'let_run'; k?: number } = {},
) {
  await flow.db.query(
    `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1::uuid, p_downstream_execution_id => $2::text,
       p_kind => $3::text, p_on_satisfied => $4::text, p_k => $5::int)`,
    [flow.flowId, down, kind, kind === 'all_of' ? null : (options.onSatisfied ?? 'let_run'), options.k ?? null],
  );
}

export async function startFlow(flow: TestFlow, options: { maxAttempts?: number } = {}) {
  const { rows } = await flow.db.query(
    'SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid, p_max_attempts => $2::int)',
    [flow.flowId, options.maxAttempts ?? null],
  );
  return rows[0] as { status: string; started_at_ms: string; enqueued_count: number };
}

/** ff_resolve_dependency; outcome null = the upstream's stored terminal_outcome. */
export async function resolve(flow: TestFlow, edgeId: string, outcome: string | null) {
  const { rows } = await flow.db.query(
    `SELECT * FROM flowfabric.ff_resolve_dependency(p_flow_id => $1::uuid, p_edge_id => $2::uuid,
       p_upstream_outcome => $3::text)`,
    [flow.flowId, edgeId, outcome],
  );
  return rows[0] as { status: string; edge_id: string; decision: string };
}

export interface ExecRow {
  lifecycle_phase: string;
  attempt_state: string;
  eligibility_state: string;
  public_state: string;
  blocking_reason: string;
  terminal_outcome: string;
  payload: unknown;
  result: unknown;
  raw_fields: Record<string, unknown>;
  policy: Record<string, unknown>;
  retry_count: number;
  replay_count: number;
  failure_reason: string | null;
  delay_until_ms: string | null;
  deadline_at_ms: string | null;
}

export async function execution(db: Db, executionId: string): Promise<ExecRow> {
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_exec_core WHERE execution_id = $1::uuid', [uuidOf(executionId)]);
  return rows[0];
}

export interface GroupRow {
  policy: Record<string, unknown>;
  success_count: number;
  fail_count: number;
  skip_count: number;
  running_count: number;
  decision: string;
  cancel_siblings_pending_flag: boolean;
  cancel_siblings_pending_members: string[];
}

export async function group(flow: TestFlow, down: string): Promise<GroupRow> {
  const { rows } = await flow.db.query(
    'SELECT * FROM flowfabric.ff_edge_group WHERE flow_id = $1::uuid AND downstream_eid = $2::uuid',
    [flow.flowId, uuidOf(down)],
  );
  return rows[0];
}

export async function edgePolicy(flow: TestFlow, edgeId: string): Promise<Record<string, unknown>> {
  const { rows } = await flow.db.query(
    'SELECT flowfabric._edge_policy(e) AS policy FROM flowfabric.ff_edge e WHERE flow_id = $1::uuid AND edge_id = $2::uuid',
    [flow.flowId, edgeId],
  );
  return rows[0].policy;
}

export async function operations(flow: TestFlow): Promise<string[]> {
  const { rows } = await flow.db.query(
    'SELECT operation FROM flowfabric.ff_flow_event WHERE flow_id = $1::uuid ORDER BY event_id',
    [flow.flowId],
  );
  return rows.map((r) => r.operation);
}

/**
 * Every edge resolution the log records, in log order: the resolved lists of complete_execution
 * and resolve_edges rows, and resolve_dependency rows (one edge each).
 */
export async function loggedResolutions(
  db: Db,
  flowId: string,
): Promise<{ operation: string; edge_id: string; decision: string }[]> {
  const { rows } = await db.query(
    `SELECT e.operation, r.edge_id, r.decision
     FROM flowfabric.ff_flow_event e
     CROSS JOIN LATERAL (
       SELECT x->>'edge_id' AS edge_id, x->>'decision' AS decision, n
       FROM jsonb_array_elements(coalesce(e.arguments->'resolved', '[]')) WITH ORDINALITY AS l(x, n)
       UNION ALL
       SELECT e.arguments->>'edge_id', e.arguments->>'decision', 1 WHERE e.operation = 'resolve_dependency') r
     WHERE e.flow_id = $1::uuid
     ORDER BY e.event_id, r.n`,
    [flowId],
  );
  return rows;
}

export interface JobRow {
  task_identifier: string;
  key: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  priority: number;
}

/** Graphile Worker's queue, oldest first. */
export async function jobs(db: Db): Promise<JobRow[]> {
  const { rows } = await db.query(
    `SELECT t.identifier AS task_identifier, j.key, j.payload, j.attempts, j.max_attempts, j.priority
     FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id ORDER BY j.id`,
  );
  return rows;
}

export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(`[worker] ${message}`);
});

/**
 * Runs every job that is ready, one at a time, until the queue holds none that this task list
 * can run: flowstage's tasks plus `userTasks`. Jobs of other task identifiers stay queued.
 */
export async function drain(connectionString: string, userTasks: TaskList = {}): Promise<void> {
  const pgPool = new pg.Pool({ connectionString, max: 2 });
  pgPool.on('error', () => {}); // a closing connection told "terminating connection" at teardown
  pgPool.on('connect', (client) => client.on('error', () => {}));
  try {
    await runOnce({ pgPool, concurrency: 1, logger: quietLogger, taskList: buildTaskList(userTasks) });
  } finally {
    await pgPool.end();
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** ff_worker_heartbeat with named arguments (lease 30 s unless given); returns its row. */
export async function heartbeat(db: Db, workerId: string, options: { leaseMs?: number; nowMs?: number; info?: unknown } = {}) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_worker_heartbeat(p_worker_id => $1, p_secret => $5, p_lease_ms => $2::bigint, p_info => $3::jsonb,
       p_now_ms => $4::bigint)`,
    [
      workerId,
      options.leaseMs ?? 30_000,
      options.info === undefined ? null : JSON.stringify(options.info),
      options.nowMs ?? null,
      `secret-of-${workerId}-0123456789`,
    ],
  );
  return rows[0] as { status: string; worker_id: string; expires_at_ms: string };
}
