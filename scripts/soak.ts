// npm run soak [-- --seconds N]: a bounded chaos soak. 32 connections call every operation on a
// few hot and many cold flows while flowstage workers (run()) execute the started ones, and a chaos
// loop terminates random backends of the soak's own connections and stops and restarts workers.
// ff_prune_flows runs every few seconds during the load too. Then the workers drain, and the whole
// database is checked: ff_check_invariants(), no orphan rows, no run lost; then everything finished
// is pruned and the same checks run again.
//
// Loopback servers only: $DATABASE_URL must point at this machine (it terminates backends there),
// else an embedded server is started as for npm test. It creates, and drops at the end, a database
// of its own. Exit code 1 on any invariant violation, unexpected error (a SQLSTATE that is neither
// a flowstage FFnnn refusal nor a connection termination), new deadlock or workers that do not drain.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import * as ff from '../src/generated/index.js';
import { run } from '../src/worker/index.js';

const CLIENTS = 32;
const HOT_FLOWS = 4;
const WORKERS = 2;
const WORKER_CONCURRENCY = 3;
const DRAIN_TIMEOUT_MS = 90_000;
const CLIENT_APP = 'flowstage-soak-client';
const WORKER_APP = 'flowstage-soak-worker';

function parseSeconds(argv: string[]): number {
  const at = argv.indexOf('--seconds');
  if (at === -1) return 60;
  const seconds = Number(argv[at + 1]);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds: a positive number of seconds');
  return seconds;
}

/** The soak terminates backends: only on a server of this machine. */
function assertLoopback(connectionString: string): void {
  const url = new URL(connectionString);
  const socket = url.searchParams.get('host');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = socket ? socket.startsWith('/') : ['localhost', '127.0.0.1', '::1', ''].includes(host);
  if (!local) {
    throw new Error(
      `soak: DATABASE_URL host ${socket ?? host} is not this machine; the soak terminates backends, so it runs on loopback servers only`,
    );
  }
}

function withApplicationName(connectionString: string, name: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('application_name', name);
  return url.toString();
}

// --- outcome accounting --------------------------------------------------------------------------

interface Tally {
  ok: number;
  refused: Map<string, number>;
  terminated: number;
  unexpected: number;
}
const tallies = new Map<string, Tally>();
const unexpectedSamples: string[] = [];
const refusalSamples = new Map<string, string>(); // 'operation code' -> the first DETAIL seen
const verbose = process.argv.includes('--verbose');
const codeNames = new Map<string, string>(); // FFnnn -> code, from ff_error

function tally(operation: string): Tally {
  let entry = tallies.get(operation);
  if (!entry) tallies.set(operation, (entry = { ok: 0, refused: new Map(), terminated: 0, unexpected: 0 }));
  return entry;
}

/** A dropped or terminated connection (the chaos loop's doing), not a finding. */
function isTermination(error: { code?: string; message?: string }): boolean {
  return (
    error.code === '57P01' ||
    error.code === '57P02' ||
    error.code === '57P03' ||
    error.code === '08006' ||
    error.code === 'ECONNRESET' ||
    error.code === 'EPIPE' ||
    /Connection terminated|connection error|terminating connection|Client was closed|Connection ended/i.test(error.message ?? '')
  );
}

/** Runs one call and counts its outcome; a refusal's code goes to onRefused. */
async function attempt<T>(operation: string, call: () => Promise<T>, onRefused?: (code: string) => void): Promise<T | undefined> {
  const entry = tally(operation);
  try {
    const result = await call();
    entry.ok++;
    return result;
  } catch (raw) {
    const error = raw as { code?: string; sqlstate?: string; message?: string; detail?: string };
    // The generated client throws FlowstageError (code = the name, sqlstate = FFnnn).
    const sqlstate = error.sqlstate ?? error.code;
    if (sqlstate && /^FF\d{3}$/.test(sqlstate)) {
      const name = codeNames.get(sqlstate) ?? sqlstate;
      entry.refused.set(name, (entry.refused.get(name) ?? 0) + 1);
      if (!refusalSamples.has(`${operation} ${name}`))
        refusalSamples.set(`${operation} ${name}`, (error.detail ?? '').slice(0, 160));
      onRefused?.(name);
    } else if (isTermination(error)) {
      entry.terminated++;
    } else {
      entry.unexpected++;
      if (unexpectedSamples.length < 20) {
        unexpectedSamples.push(
          `${operation}: ${error.code ?? '(no code)'} ${error.message}${error.detail ? ` / ${error.detail}` : ''}`,
        );
      }
    }
    return undefined;
  }
}

// --- what the clients know about the flows they made ---------------------------------------------

interface SoakEdge {
  id: string;
  up: string;
  down: string;
  applied: boolean;
}
interface SoakFlow {
  id: string;
  revision: number;
  members: string[];
  taskless: string[];
  edges: SoakEdge[];
  hot: boolean;
}

const hot: SoakFlow[] = [];
const cold: SoakFlow[] = [];
const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
const chance = (p: number) => Math.random() < p;

function someFlow(): SoakFlow | undefined {
  return chance(0.5) ? pick(hot) : pick(cold.length > 400 ? cold.slice(-400) : cold);
}

function newFlow(id: string, isHot: boolean): SoakFlow {
  const flow = { id, revision: 0, members: [], taskless: [], edges: [], hot: isHot };
  if (isHot) hot.push(flow);
  else cold.push(flow);
  return flow;
}

/** A hot flow that finished (or was found terminal) is replaced by a new one, so the hot set stays busy. */
async function retire(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const at = hot.indexOf(flow);
  if (at === -1) return;
  hot.splice(at, 1);
  await createFlow(db, true);
}
const retireWhenTerminal = (db: pg.Pool, flow: SoakFlow) => (code: string) => {
  if (code === 'flow_already_terminal' || code === 'flow_not_found') void retire(db, flow); // finished, or pruned
};

async function createFlow(db: pg.Pool, isHot = false): Promise<void> {
  const id = randomUUID();
  const rows = await attempt('create_flow', () => ff.createFlow(db, { flowId: id, namespace: isHot ? 'soak-hot' : 'soak' }));
  if (rows) newFlow(id, isHot);
}

async function addMember(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const withTask = chance(0.6);
  const created = await attempt('create_execution', () =>
    ff.createExecution(db, {
      flowId: flow.id,
      taskIdentifier: withTask ? 'soak_task' : null,
      payload: { n: flow.members.length },
    }),
  );
  const executionId = created?.[0]?.execution_id;
  if (!executionId) return;
  const added = await attempt(
    'add_execution_to_flow',
    () => ff.addExecutionToFlow(db, { flowId: flow.id, executionId }),
    retireWhenTerminal(db, flow),
  );
  if (added?.[0]) {
    flow.members.push(executionId);
    if (!withTask) flow.taskless.push(executionId);
    flow.revision = Number(added[0].graph_revision);
  }
}

/** Two members, upstream first in the order they were added (a DAG), reversed now and then to provoke cycle_detected. */
function endpoints(flow: SoakFlow): [string, string] | undefined {
  if (flow.members.length < 2) return undefined;
  const i = Math.floor(Math.random() * (flow.members.length - 1));
  const j = i + 1 + Math.floor(Math.random() * (flow.members.length - i - 1));
  return chance(0.05) ? [flow.members[j]!, flow.members[i]!] : [flow.members[i]!, flow.members[j]!];
}

async function refreshRevision(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const rows = await attempt('describe_flow', () => ff.describeFlow(db, { flowId: flow.id }));
  if (rows?.[0]?.graph_revision != null) flow.revision = Number(rows[0].graph_revision);
}

async function stageOne(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const ends = endpoints(flow);
  if (!ends) return addMember(db, flow);
  const edgeId = randomUUID();
  const rows = await attempt(
    'stage_dependency_edge',
    () =>
      ff.stageDependencyEdge(db, {
        flowId: flow.id,
        edgeId,
        upstreamExecutionId: ends[0],
        downstreamExecutionId: ends[1],
        expectedGraphRevision: flow.revision,
        dataPassingRef: chance(0.3) ? 'up' : null,
      }),
    retireWhenTerminal(db, flow),
  );
  if (rows?.[0]) {
    flow.edges.push({ id: edgeId, up: ends[0], down: ends[1], applied: false });
    flow.revision = Number(rows[0].graph_revision);
  } else {
    await refreshRevision(db, flow);
  }
}

async function stageBatch(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const edges: SoakEdge[] = [];
  for (let n = 2 + Math.floor(Math.random() * 3); n > 0; n--) {
    const ends = endpoints(flow);
    if (ends) edges.push({ id: randomUUID(), up: ends[0], down: ends[1], applied: false });
  }
  if (edges.length === 0) return addMember(db, flow);
  const rows = await attempt(
    'stage_dependency_edges',
    () =>
      ff.stageDependencyEdges(db, {
        flowId: flow.id,
        expectedGraphRevision: flow.revision,
        edges: edges.map((e) => ({ edge_id: e.id, upstream_execution_id: e.up, downstream_execution_id: e.down })),
      }),
    retireWhenTerminal(db, flow),
  );
  if (rows?.[0]) {
    flow.edges.push(...edges);
    flow.revision = Number(rows[0].graph_revision);
  } else {
    await refreshRevision(db, flow);
  }
}

async function applyEdge(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const edge = pick(flow.edges.filter((e) => !e.applied));
  if (!edge) return stageOne(db, flow);
  const rows = await attempt('apply_dependency_to_child', () =>
    ff.applyDependencyToChild(db, { flowId: flow.id, edgeId: edge.id }),
  );
  if (rows?.[0]) edge.applied = true;
}

async function submit(db: pg.Pool): Promise<void> {
  const id = randomUUID();
  const executions = Array.from({ length: 3 + Math.floor(Math.random() * 6) }, (_, n) => ({
    execution_id: randomUUID(),
    ...(n % 3 !== 2 ? { task_identifier: 'soak_task' } : {}),
  }));
  const edges = executions.slice(1).map((down, n) => ({
    edge_id: randomUUID(),
    upstream_execution_id: executions[Math.floor(Math.random() * (n + 1))]!.execution_id,
    downstream_execution_id: down.execution_id,
  }));
  const start = chance(0.5);
  const rows = await attempt('submit_flow', () =>
    ff.submitFlow(db, { flowId: id, plan: { executions, edges }, start, namespace: 'soak' }),
  );
  if (!rows?.[0]) return;
  const flow = newFlow(id, false);
  flow.members = executions.map((e) => e.execution_id);
  flow.taskless = executions.filter((e) => !('task_identifier' in e)).map((e) => e.execution_id);
  flow.edges = edges.map((e) => ({ id: e.edge_id, up: e.upstream_execution_id, down: e.downstream_execution_id, applied: true }));
  flow.revision = Number(rows[0].graph_revision);
}

async function setPolicy(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const down = pick(flow.members);
  if (!down) return addMember(db, flow);
  const kind = pick(['all_of', 'any_of', 'quorum'] as const)!;
  await attempt('set_edge_group_policy', () =>
    ff.setEdgeGroupPolicy(db, {
      flowId: flow.id,
      downstreamExecutionId: down,
      kind,
      onSatisfied: kind === 'all_of' ? null : pick(['cancel_remaining', 'let_run']),
      k: kind === 'quorum' ? 1 + Math.floor(Math.random() * 2) : null,
    }),
  );
}

async function start(db: pg.Pool, flow: SoakFlow): Promise<void> {
  await attempt('start_flow', () => ff.startFlow(db, { flowId: flow.id, maxAttempts: 2 }));
}

async function completeOne(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const executionId = pick(flow.taskless);
  if (!executionId) return;
  const rows = await attempt('complete_execution', () =>
    ff.completeExecution(db, {
      executionId,
      outcome: pick(['success', 'success', 'success', 'failed', 'cancelled'])!,
      result: { by: 'soak' },
    }),
  );
  if (rows?.[0]?.public_flow_state && rows[0].public_flow_state !== 'open') await retire(db, flow);
}

async function cancelFlow(db: pg.Pool, flow: SoakFlow): Promise<void> {
  if (flow.hot) return;
  await attempt('cancel_flow', () =>
    ff.cancelFlow(db, {
      flowId: flow.id,
      reason: 'soak',
      cancellationPolicy: pick(['cancel_all', 'cancel_flow_only']),
    }),
  );
}

async function cancelSiblings(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const down = pick(flow.members);
  if (!down) return;
  await attempt('cancel_siblings_step', () => ff.cancelSiblingsStep(db, { flowId: flow.id, downstreamExecutionId: down }));
}

async function resolve(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const edge = pick(flow.edges.filter((e) => e.applied));
  if (!edge) return applyEdge(db, flow);
  await attempt('resolve_dependency', () => ff.resolveDependency(db, { flowId: flow.id, edgeId: edge.id }));
}

async function read(db: pg.Pool, flow: SoakFlow): Promise<void> {
  const member = pick(flow.members);
  switch (Math.floor(Math.random() * 8)) {
    case 0:
      await attempt('describe_flow', () => ff.describeFlow(db, { flowId: flow.id }));
      break;
    case 1:
      await attempt('list_edges', () => ff.listEdges(db, { flowId: flow.id, limit: 50 }));
      break;
    case 2:
      await attempt('list_members', () => ff.listMembers(db, { flowId: flow.id, limit: 50 }));
      break;
    case 3:
      if (member) await attempt('explain_execution', () => ff.explainExecution(db, { flowId: flow.id, executionId: member }));
      break;
    case 4:
      await attempt('describe_flow_at', () =>
        ff.describeFlowAt(db, { flowId: flow.id, graphRevision: Math.floor(Math.random() * (flow.revision + 1)) }),
      );
      break;
    case 5:
      await attempt('list_flows', () => ff.listFlows(db, { namespace: 'soak', limit: 20 }));
      break;
    case 6:
      await attempt('flow_to_mermaid', () => ff.flowToMermaid(db, { flowId: flow.id }));
      break;
    default:
      await attempt('flow_to_dot', () => ff.flowToDot(db, { flowId: flow.id }));
      break;
  }
}

/** One operation, weighted towards building and running flows; reads are a quarter. */
async function step(db: pg.Pool): Promise<void> {
  const roll = Math.random();
  if (roll < 0.04) return createFlow(db);
  if (roll < 0.08) return submit(db);
  const flow = someFlow();
  if (!flow) return createFlow(db);
  if (roll < 0.22) return addMember(db, flow);
  if (roll < 0.34) return stageOne(db, flow);
  if (roll < 0.4) return stageBatch(db, flow);
  if (roll < 0.5) return applyEdge(db, flow);
  if (roll < 0.53) return setPolicy(db, flow);
  if (roll < 0.58) return start(db, flow);
  if (roll < 0.66) return completeOne(db, flow);
  if (roll < 0.67) return cancelFlow(db, flow);
  if (roll < 0.69) return cancelSiblings(db, flow);
  if (roll < 0.73) return resolve(db, flow);
  return read(db, flow);
}

// --- workers and chaos ---------------------------------------------------------------------------

type Worker = Awaited<ReturnType<typeof run>>;
let workerErrors = 0;
const workerErrorSamples: string[] = [];

// Graphile Worker 0.17 completes jobs in batches; when the chaos loop terminates that connection
// and its retries fail too, the rejection escapes unhandled (it would end a real worker process,
// whose jobs the reaper then unlocks). Counted here; anything but a termination is a finding.
let escapedTerminations = 0;
process.on('unhandledRejection', (reason) => {
  const error = reason as { code?: string; message?: string };
  if (isTermination(error)) {
    escapedTerminations++;
  } else {
    tally('worker (unhandled rejection)').unexpected++;
    if (unexpectedSamples.length < 20)
      unexpectedSamples.push(`worker: unhandled rejection ${error?.code ?? ''} ${error?.message ?? String(reason)}`);
  }
});

async function startWorker(connectionString: string): Promise<Worker> {
  return run({
    connectionString,
    concurrency: WORKER_CONCURRENCY,
    pollInterval: 500,
    noHandleSignals: true,
    heartbeatInterval: 1000,
    workerLease: 4000,
    recoverInterval: 5000,
    taskList: {
      soak_task: async (payload) => {
        if (chance(0.1)) throw new Error('soak: a task that fails now and then');
        return { seen: payload };
      },
    },
    // Chaos makes workers log connection errors and failed attempts: counted, a few kept.
    logFactory: () => (level, message) => {
      if (level !== 'error') return;
      workerErrors++;
      if (workerErrorSamples.length < 5 && !/terminat|connection|soak: a task/i.test(message))
        workerErrorSamples.push(message.split('\n')[0]!);
    },
  });
}

async function stopWorker(worker: Worker): Promise<void> {
  await worker.stop().catch(() => {});
}

// --- checks --------------------------------------------------------------------------------------

interface Finding {
  check: string;
  detail: string;
}

async function checkDatabase(db: pg.Pool, when: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const {
    rows: [installed],
  } = await db.query(`SELECT to_regprocedure('flowfabric.ff_check_invariants(uuid)') IS NOT NULL AS present`);
  if (installed.present) {
    const { rows } = await db.query('SELECT flow_id, invariant, detail FROM flowfabric.ff_check_invariants()');
    for (const row of rows) findings.push({ check: `${when}: ${row.invariant}`, detail: `flow ${row.flow_id}: ${row.detail}` });
  } else {
    findings.push({ check: `${when}: ff_check_invariants`, detail: 'not installed: the invariants were not checked' });
  }
  // Rows whose flow is gone: nothing may outlive its flow (the prune deletes them together).
  const { rows: orphans } = await db.query(`
    SELECT t AS table, count(*)::int AS n FROM (
      SELECT 'ff_exec_core' AS t, e.partition_key, e.flow_id FROM flowfabric.ff_exec_core e WHERE e.flow_id IS NOT NULL
      UNION ALL SELECT 'ff_edge', partition_key, flow_id FROM flowfabric.ff_edge
      UNION ALL SELECT 'ff_edge_group', partition_key, flow_id FROM flowfabric.ff_edge_group
      UNION ALL SELECT 'ff_completion_outbox', partition_key, flow_id FROM flowfabric.ff_completion_outbox
      UNION ALL SELECT 'ff_flow_event', partition_key, flow_id FROM flowfabric.ff_flow_event) r
    WHERE NOT EXISTS (SELECT 1 FROM flowfabric.ff_flow_core f WHERE f.partition_key = r.partition_key AND f.flow_id = r.flow_id)
    GROUP BY t ORDER BY t`);
  for (const row of orphans)
    findings.push({ check: `${when}: orphan_rows`, detail: `${row.n} ${row.table} row(s) of a flow that does not exist` });
  // Liveness after the drain: a started flow's eligible or running execution with a task has a job,
  // unless it was added after the start (not enqueued by the start, by contract: docs/running-flows.md).
  // Start and add both lock the flow row, so their log rows are in the order they happened.
  const { rows: lost } = await db.query(`
    SELECT count(*)::int AS n FROM flowfabric.ff_exec_core e
    JOIN flowfabric.ff_flow_core f ON f.partition_key = e.partition_key AND f.flow_id = e.flow_id
    WHERE f.raw_fields ? 'started_at_ms' AND e.raw_fields ? 'task_identifier' AND e.terminal_outcome = 'none'
      AND (e.lifecycle_phase = 'active' OR e.eligibility_state = 'eligible_now')
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'flowstage:run:' || e.execution_id)
      AND NOT EXISTS (
        SELECT 1 FROM flowfabric.ff_flow_event a JOIN flowfabric.ff_flow_event s
          ON s.partition_key = a.partition_key AND s.flow_id = a.flow_id AND s.operation = 'start_flow' AND s.event_id < a.event_id
        WHERE a.partition_key = e.partition_key AND a.flow_id = e.flow_id AND a.operation = 'add_execution_to_flow'
          AND a.arguments->>'execution_id' = '{fp:' || e.partition_key || '}:' || e.execution_id)`);
  if (lost[0].n > 0)
    findings.push({ check: `${when}: lost_runs`, detail: `${lost[0].n} runnable execution(s) of started flows with no run job` });
  return findings;
}

async function deadlocks(admin: pg.Client, database: string): Promise<number> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query('SELECT deadlocks FROM pg_stat_database WHERE datname = $1', [database]);
  return Number(rows[0]?.deadlocks ?? 0);
}

/** Work the workers still have: jobs that can still run, and deferred cascades not done. */
async function pendingWork(db: pg.Pool): Promise<{ jobs: number; cascades: number }> {
  const { rows } = await db.query(`
    SELECT (SELECT count(*) FROM graphile_worker.jobs WHERE attempts < max_attempts)::int AS jobs,
           (SELECT count(*) FROM flowfabric.ff_completion_outbox WHERE cascaded_at_ms IS NULL)::int AS cascades`);
  return rows[0];
}

// --- main ----------------------------------------------------------------------------------------

const seconds = parseSeconds(process.argv.slice(2));
const keep = process.argv.includes('--keep'); // leave the database for a look (external server only)
if (process.env.DATABASE_URL) assertLoopback(process.env.DATABASE_URL);
const server = await resolveServer();
const database = `flowstage_soak_${process.pid}_${Date.now()}`;
const admin = new pg.Client({ connectionString: withApplicationName(server.connectionString, 'flowstage-soak-admin') });
const failures: string[] = [];
let exitCode = 1;
try {
  await admin.connect();
  const {
    rows: [version],
  } = await admin.query('SHOW server_version');
  await admin.query(`CREATE DATABASE ${database}`);
  const url = withDatabaseName(server.connectionString, database);
  await migrate(url);
  const deadlocksBefore = await deadlocks(admin, database);

  const db = new pg.Pool({ connectionString: withApplicationName(url, CLIENT_APP), max: CLIENTS });
  db.on('error', () => {}); // an idle client terminated by the chaos loop
  const chaosDb = new pg.Pool({ connectionString: withApplicationName(url, 'flowstage-soak-chaos'), max: 2 });
  for (const row of (await chaosDb.query('SELECT code, sqlstate FROM flowfabric.ff_error')).rows)
    codeNames.set(row.sqlstate, row.code);

  for (let n = 0; n < HOT_FLOWS; n++) await createFlow(db, true);
  const workerUrl = withApplicationName(url, WORKER_APP);
  const workers: Worker[] = [];
  for (let n = 0; n < WORKERS; n++) workers.push(await startWorker(workerUrl));

  console.log(
    `soak: PostgreSQL ${version.server_version}, database ${database}, ${CLIENTS} connections, ${WORKERS} workers, ${seconds} s`,
  );
  const startedAt = Date.now();
  const deadline = startedAt + seconds * 1000;
  let terminated = 0;
  let restarts = 0;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < deadline) await step(db);
  });
  const chaos = (async () => {
    let nextRestart = Date.now() + 5000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      const { rows } = await chaosDb
        .query(
          `
        SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM (
          SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name IN ($1, $2) AND pid <> pg_backend_pid()
          ORDER BY random() LIMIT $3) victims`,
          [CLIENT_APP, WORKER_APP, 1 + Math.floor(Math.random() * 2)],
        )
        .catch(() => ({ rows: [{ n: 0 }] }));
      terminated += rows[0].n;
      if (Date.now() >= nextRestart) {
        const at = Math.floor(Math.random() * workers.length);
        await stopWorker(workers[at]!);
        workers[at] = await startWorker(workerUrl);
        restarts++;
        nextRestart = Date.now() + 3000 + Math.random() * 4000;
      }
    }
  })();
  // Retention while the load runs: flows finished more than a second ago go, in small batches,
  // alongside the cascade, the workers and the clients still calling them (flow_not_found then).
  const prunedDuringLoad = { flows: 0, executions: 0, flow_events: 0 };
  const pruner = (async () => {
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
      const rows = await attempt('prune_flows', () => ff.pruneFlows(db, { finishedBeforeMs: Date.now() - 1000, limit: 50 }));
      prunedDuringLoad.flows += Number(rows?.[0]?.flows ?? 0);
      prunedDuringLoad.executions += Number(rows?.[0]?.executions ?? 0);
      prunedDuringLoad.flow_events += Number(rows?.[0]?.flow_events ?? 0);
    }
  })();
  await Promise.all([...clients, chaos, pruner]);
  const elapsed = (Date.now() - startedAt) / 1000;

  // Drain with a fresh set of workers. A job whose completion query the chaos loop cut off stays
  // locked by the worker that ran it (Graphile Worker does not retry that query); the old workers
  // stop heartbeating, so ff_reap_dead_workers unlocks their jobs after the lease, as after a crash.
  await Promise.all(workers.map(stopWorker));
  for (let n = 0; n < WORKERS; n++) workers[n] = await startWorker(workerUrl);
  const drainStart = Date.now();
  let pending = await pendingWork(chaosDb);
  while ((pending.jobs > 0 || pending.cascades > 0) && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    pending = await pendingWork(chaosDb);
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  if (pending.jobs > 0 || pending.cascades > 0) {
    failures.push(
      `workers did not drain in ${DRAIN_TIMEOUT_MS / 1000} s: ${pending.jobs} job(s), ${pending.cascades} deferred cascade(s) left`,
    );
  }
  await Promise.all(workers.map(stopWorker));

  // Report the load.
  console.log(
    `\n${'operation'.padEnd(28)}${'ok/s'.padStart(9)}${'ok'.padStart(8)}${'terminated'.padStart(12)}${'unexpected'.padStart(12)}  refusals`,
  );
  let total = 0;
  let unexpected = 0;
  for (const [operation, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    total += t.ok;
    unexpected += t.unexpected;
    const refusals = [...t.refused]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    console.log(
      `${operation.padEnd(28)}${(t.ok / elapsed).toFixed(1).padStart(9)}${String(t.ok).padStart(8)}${String(t.terminated).padStart(12)}${String(t.unexpected).padStart(12)}  ${refusals}`,
    );
  }
  if (verbose) for (const [what, detail] of refusalSamples) console.log(`  refusal ${what}: ${detail}`);
  console.log(`${'all'.padEnd(28)}${(total / elapsed).toFixed(1).padStart(9)}${String(total).padStart(8)}`);
  console.log(
    `\nchaos: ${terminated} backend(s) terminated, ${restarts} worker restart(s); worker error lines ${workerErrors}; ` +
      `terminations escaping Graphile Worker unhandled ${escapedTerminations}`,
  );
  for (const sample of workerErrorSamples) console.log(`  worker error (sample): ${sample}`);
  console.log(`drain: ${drainSeconds.toFixed(1)} s`);
  if (unexpected > 0) failures.push(`${unexpected} unexpected error(s)`);
  for (const sample of unexpectedSamples) console.log(`  unexpected: ${sample}`);

  const {
    rows: [counts],
  } = await chaosDb.query(`
    SELECT (SELECT count(*) FROM flowfabric.ff_flow_core)::int AS flows,
           (SELECT count(*) FROM flowfabric.ff_flow_core WHERE public_flow_state <> 'open')::int AS finished,
           (SELECT count(*) FROM flowfabric.ff_exec_core)::int AS executions,
           (SELECT count(*) FROM flowfabric.ff_edge)::int AS edges,
           (SELECT count(*) FROM flowfabric.ff_flow_event)::int AS events`);
  console.log(
    `database: ${counts.flows} flows (${counts.finished} finished), ${counts.executions} executions, ${counts.edges} edges, ${counts.events} log rows`,
  );

  const before = await checkDatabase(chaosDb, 'after the load');
  // Retention: everything finished so far, in batches.
  const cutoff = Date.now();
  const pruned = { flows: 0, executions: 0, flow_events: 0, batches: 0 };
  for (;;) {
    const [row] = await ff.pruneFlows(chaosDb, { finishedBeforeMs: cutoff, limit: 1000 });
    pruned.batches++;
    pruned.flows += Number(row!.flows);
    pruned.executions += Number(row!.executions);
    pruned.flow_events += Number(row!.flow_events);
    if (Number(row!.flows) < 1000) break;
  }
  console.log(
    `prune during the load: ${prunedDuringLoad.flows} flows, ${prunedDuringLoad.executions} executions, ${prunedDuringLoad.flow_events} log rows`,
  );
  console.log(
    `prune at the end: ${pruned.flows} flows, ${pruned.executions} executions, ${pruned.flow_events} log rows in ${pruned.batches} batch(es)`,
  );
  const after = await checkDatabase(chaosDb, 'after the prune');
  for (const finding of [...before, ...after]) failures.push(`${finding.check}: ${finding.detail}`);

  await db.end();
  await chaosDb.end();
  await new Promise((r) => setTimeout(r, 1500)); // statistics are flushed when backends go idle or exit
  const deadlocksAfter = await deadlocks(admin, database);
  console.log(`deadlocks (pg_stat_database): before ${deadlocksBefore}, after ${deadlocksAfter}`);
  if (deadlocksAfter > deadlocksBefore) failures.push(`${deadlocksAfter - deadlocksBefore} deadlock(s)`);

  for (const failure of failures) console.log(`FAIL ${failure}`);
  console.log(failures.length === 0 ? 'soak: passed' : `soak: failed (${failures.length})`);
  exitCode = failures.length === 0 ? 0 : 1;
} finally {
  if (keep && process.env.DATABASE_URL) console.log(`kept database ${database}`);
  else await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
  await server.stop();
}
process.exit(exitCode);
