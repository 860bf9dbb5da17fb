// Fixture builders and assertions for the tests of the core staging functions.
// Every builder calls the public ff_* functions with named arguments and returns canonical ids.
import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { withDatabaseName } from '../../src/database.js';

export type Db = pg.Pool | pg.PoolClient | pg.Client;

/** docs/semantics.md §3: code -> SQLSTATE. */
export const SQLSTATE = {
  flow_not_found: 'FF001',
  flow_already_terminal: 'FF002',
  execution_not_found: 'FF003',
  already_member_of_different_flow: 'FF004',
  self_referencing_edge: 'FF005',
  stale_graph_revision: 'FF006',
  execution_not_in_flow: 'FF007',
  cycle_detected: 'FF008',
  dependency_already_exists: 'FF009',
  edge_not_found: 'FF010',
  execution_already_in_flow: 'FF011',
  invalid_input: 'FF012',
  edge_group_policy_already_fixed: 'FF013',
  invalid_dependency: 'FF014',
  execution_not_terminal: 'FF015',
  max_replays_exhausted: 'FF016',
} as const;
export type ErrorCode = keyof typeof SQLSTATE;

/** A fixed clock for assertions on timestamps. */
export const NOW = 1_764_115_200_000;

/** A flow created by createFlow: the database it lives in, its id and its partition. */
export interface Flow {
  db: Db;
  flowId: string;
  partition: number;
}

/** ff_create_flow (named arguments, p_now_ms null unless given); the one flow builder of every test. */
export async function createFlow(
  db: Db,
  options: { flowId?: string; kind?: string; namespace?: string; nowMs?: number } = {},
): Promise<Flow> {
  const flowId = options.flowId ?? randomUUID();
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_flow_kind => $2, p_namespace => $3, p_now_ms => $4)`,
    [flowId, options.kind ?? 'dag', options.namespace ?? 'default', options.nowMs ?? null],
  );
  return { db, flowId, partition: rows[0].partition_key };
}

/** ff_create_execution; returns the canonical execution id. */
export async function createExecution(
  db: Db,
  options: { executionId?: string; flowId?: string; laneId?: string; nowMs?: number } = {},
): Promise<string> {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_create_execution(p_execution_id => $1, p_flow_id => $2, p_lane_id => $3, p_now_ms => $4)`,
    [options.executionId ?? null, options.flowId ?? null, options.laneId ?? 'default', options.nowMs ?? null],
  );
  return rows[0].execution_id;
}

/** ff_add_execution_to_flow; returns its result row. */
export async function addMember(db: Db, flowId: string, executionId: string, nowMs?: number) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2, p_now_ms => $3)`,
    [flowId, executionId, nowMs ?? null],
  );
  return rows[0] as { status: string; execution_id: string; node_count: string; graph_revision: string };
}

/** An execution created on the flow's partition and added to it; returns its canonical id. */
export async function createMember(db: Db, flowId: string): Promise<string> {
  const executionId = await createExecution(db, { flowId });
  await addMember(db, flowId, executionId);
  return executionId;
}

export async function createMembers(db: Db, flowId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await createMember(db, flowId));
  return ids;
}

/** The flow's current graph_revision. */
export async function revisionOf(db: Db, flowId: string): Promise<number> {
  const { rows } = await db.query(`SELECT graph_revision FROM flowfabric.ff_flow_core WHERE flow_id = $1`, [flowId]);
  return Number(rows[0].graph_revision);
}

/** ff_stage_dependency_edge at the flow's current revision (unless given); returns its result row. */
export async function stage(
  db: Db,
  flowId: string,
  upstream: string,
  downstream: string,
  options: { edgeId?: string; expected?: number; dataPassingRef?: string; nowMs?: number } = {},
) {
  const expected = options.expected ?? (await revisionOf(db, flowId));
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(
       p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3, p_downstream_execution_id => $4,
       p_expected_graph_revision => $5, p_data_passing_ref => $6, p_now_ms => $7)`,
    [
      flowId,
      options.edgeId ?? randomUUID(),
      upstream,
      downstream,
      expected,
      options.dataPassingRef ?? null,
      options.nowMs ?? null,
    ],
  );
  return rows[0] as { status: string; edge_id: string; graph_revision: string };
}

/** ff_apply_dependency_to_child; returns its result row. */
export async function apply(db: Db, flowId: string, edgeId: string, nowMs?: number) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2, p_now_ms => $3)`,
    [flowId, edgeId, nowMs ?? null],
  );
  return rows[0] as { status: string; edge_id: string; downstream_execution_id: string; unsatisfied_count: number };
}

/** Stage and apply an edge; returns the edge id. */
export async function connect(db: Db, flowId: string, upstream: string, downstream: string): Promise<string> {
  const { edge_id } = await stage(db, flowId, upstream, downstream);
  await apply(db, flowId, edge_id);
  return edge_id;
}

/** ff_complete_execution; returns its result row. */
export async function complete(db: Db, executionId: string, outcome: string, options: { result?: unknown; nowMs?: number } = {}) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2, p_result => $3, p_now_ms => $4)`,
    [executionId, outcome, options.result === undefined ? null : JSON.stringify(options.result), options.nowMs ?? null],
  );
  return rows[0] as { status: string; execution_id: string; outcome: string };
}

/** The uuid part of a canonical {fp:N}:<uuid> id. */
export function uuidOf(executionId: string): string {
  return executionId.replace(/^\{fp:\d+\}:/, '');
}

/** A partition other than the given one. */
export function otherPartition(partition: number): number {
  return (partition + 1) % 256;
}

export async function flowRow(db: Db, flowId: string) {
  const { rows } = await db.query(`SELECT * FROM flowfabric.ff_flow_core WHERE flow_id = $1`, [flowId]);
  return rows[0];
}

export async function executionRow(db: Db, executionId: string) {
  const { rows } = await db.query(`SELECT * FROM flowfabric.ff_exec_core WHERE execution_id = $1`, [uuidOf(executionId)]);
  return rows[0];
}

export async function edgeRow(db: Db, flowId: string, edgeId: string) {
  const { rows } = await db.query(
    `SELECT e.*, flowfabric._edge_policy(e) AS policy FROM flowfabric.ff_edge e WHERE flow_id = $1 AND edge_id = $2`,
    [flowId, edgeId],
  );
  return rows[0];
}

export async function groupRow(db: Db, flowId: string, downstream: string) {
  const { rows } = await db.query(`SELECT * FROM flowfabric.ff_edge_group WHERE flow_id = $1 AND downstream_eid = $2`, [
    flowId,
    uuidOf(downstream),
  ]);
  return rows[0];
}

/** How many events the flow's log holds (of one operation, when given). */
export async function eventCount(db: Db, flowId: string, operation?: string): Promise<number> {
  const {
    rows: [row],
  } = await db.query(
    'SELECT count(*) AS n FROM flowfabric.ff_flow_event WHERE flow_id = $1 AND ($2::text IS NULL OR operation = $2)',
    [flowId, operation ?? null],
  );
  return Number(row.n);
}

export async function events(db: Db, flowId?: string) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_flow_event WHERE $1::uuid IS NULL OR flow_id = $1 ORDER BY event_id`,
    [flowId ?? null],
  );
  return rows;
}

export interface Snapshot {
  flows: unknown[];
  executions: unknown[];
  edges: unknown[];
  groups: unknown[];
  events: unknown[];
  notifyingNamespaces: unknown[];
}

/** Every row of the flow tables (flows, executions, edges, edge groups, the event log, notification settings), in key order. */
export async function snapshot(db: Db): Promise<Snapshot> {
  const all = async (table: string, order: string) =>
    (await db.query(`SELECT to_jsonb(t) AS row FROM flowfabric.${table} t ORDER BY ${order}`)).rows.map((r) => r.row);
  return {
    flows: await all('ff_flow_core', 'partition_key, flow_id'),
    executions: await all('ff_exec_core', 'partition_key, execution_id'),
    edges: await all('ff_edge', 'partition_key, flow_id, edge_id'),
    groups: await all('ff_edge_group', 'partition_key, flow_id, downstream_eid'),
    events: await all('ff_flow_event', 'event_id'),
    notifyingNamespaces: await all('ff_namespace_notify', 'namespace'),
  };
}

/**
 * Asserts the promise is refused with the catalogued error `code` (its SQLSTATE and MESSAGE) and,
 * when given, that DETAIL starts with `detailStartsWith` (a field name); returns the error.
 */
export async function assertRefused(
  t: ExecutionContext,
  promise: Promise<unknown>,
  code: ErrorCode,
  detailStartsWith?: string,
): Promise<pg.DatabaseError> {
  const error = (await t.throwsAsync(promise)) as pg.DatabaseError;
  t.is(error?.code, SQLSTATE[code], `SQLSTATE of ${code} (got ${error?.code}: ${error?.message} / ${error?.detail})`);
  t.is(error?.message, code);
  if (detailStartsWith !== undefined) t.true(error?.detail?.startsWith(detailStartsWith), `DETAIL: ${error?.detail}`);
  return error;
}

/** Asserts the call is refused with `code` and that no flow table changed. */
export async function assertRefusedWritesNothing(
  t: ExecutionContext,
  db: Db,
  call: () => Promise<unknown>,
  code: ErrorCode,
): Promise<pg.DatabaseError> {
  const before = await snapshot(db);
  const error = await assertRefused(t, call(), code);
  t.deepEqual(await snapshot(db), before, 'a refused call writes nothing');
  return error;
}

/** Asserts the call succeeds and changes nothing (an idempotent replay); returns its rows. */
export async function assertReplayWritesNothing<T>(t: ExecutionContext, db: Db, call: () => Promise<T>): Promise<T> {
  const before = await snapshot(db);
  const result = await call();
  t.deepEqual(await snapshot(db), before, 'a replay writes nothing');
  return result;
}

/** Marks a flow terminal directly (fixture shortcut: ff_cancel_flow belongs to another area). */
export async function makeFlowTerminal(db: Db, flowId: string, state: 'cancelled' | 'completed' | 'failed' = 'cancelled') {
  await db.query(`UPDATE flowfabric.ff_flow_core SET public_flow_state = $2, terminal_at_ms = $3 WHERE flow_id = $1`, [
    flowId,
    state,
    NOW,
  ]);
}

/** A flow id whose partition differs from the solo partition of lane 'default'. */
export async function flowIdOffDefaultLane(db: Db): Promise<string> {
  const { rows } = await db.query(`SELECT flowfabric._solo_partition('default') AS p`);
  for (;;) {
    const flowId = randomUUID();
    const { rows: r } = await db.query(`SELECT flowfabric.ff_flow_partition($1) AS p`, [flowId]);
    if (r[0].p !== rows[0].p) return flowId;
  }
}

/** 20 or more connections checked out at once, so the calls really run in parallel. */
export async function clients(pool: pg.Pool, count: number): Promise<pg.PoolClient[]> {
  return Promise.all(Array.from({ length: count }, () => pool.connect()));
}

let admin: pg.Pool | undefined;
/**
 * An empty database (nothing installed) on the test server, dropped when the test ends;
 * returns its connection string. For migration tests.
 */
/** Runs one statement on its own connection to `url` (a database that is not a test pool's) and returns its rows. */
export async function queryUrl(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function emptyDatabase(t: ExecutionContext): Promise<string> {
  const serverUrl = process.env.FLOWSTAGE_TEST_SERVER_URL;
  if (!serverUrl) throw new Error('Run the tests with `npm test`.');
  admin ??= new pg.Pool({ connectionString: serverUrl, max: 2 });
  const name = `flowstage_empty_${randomUUID().replaceAll('-', '')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  t.teardown(async () => {
    await admin!.query(`DROP DATABASE ${name} WITH (FORCE)`);
  });
  return withDatabaseName(serverUrl, name);
}
