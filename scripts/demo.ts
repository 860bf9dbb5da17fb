// npm run demo: a flow of 13 executions run by an in-process flowstage worker on a throwaway
// PostgreSQL (embedded unless DATABASE_URL is set). Shows fan-out, any_of + cancel_remaining,
// a 2-of-3 quorum, all_of with data passing, a retried task whose final failure skips its
// dependents two levels down, a refused cycle, and the flow's Mermaid diagram.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import { quietLogFactory, run, type TaskList } from '../src/worker/index.js';
import {
  addExecutionToFlow, applyDependencyToChild, createExecution, createFlow, describeFlow, flowToMermaid,
  listMembers, setEdgeGroupPolicy, stageDependencyEdge, startFlow, type FlowstageError,
} from '../src/index.js';

const started = performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2)}s`;

const server = await resolveServer();
const database = `flowstage_demo_${process.pid}`;
const admin = new pg.Client({ connectionString: server.connectionString });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const connectionString = withDatabaseName(server.connectionString, database);
await migrate(connectionString);
const db = new pg.Pool({ connectionString, max: 4 });
db.on('error', () => {});  // a connection still closing when the demo database is dropped
console.log(`[${elapsed()}] PostgreSQL ready, flowstage migrated into ${database}`);

// ---- the DAG ---------------------------------------------------------------------------
const flowId = randomUUID();
await createFlow(db, { flowId, namespace: 'demo' });

interface Node { task: string; payload?: unknown; priority?: number }
const plan: Record<string, Node> = {
  extract:       { task: 'extract', payload: { rows: 1200 }, priority: 2 },
  clean_eu:      { task: 'clean', payload: { region: 'eu' } },
  clean_us:      { task: 'clean', payload: { region: 'us' } },
  clean_apac:    { task: 'clean', payload: { region: 'apac' } },
  consensus:     { task: 'vote' },
  mirror_a:      { task: 'mirror', payload: { mirror: 'a', ms: 700 }, priority: 2 },
  mirror_b:      { task: 'mirror', payload: { mirror: 'b', ms: 120 }, priority: 3 },
  mirror_c:      { task: 'mirror', payload: { mirror: 'c', ms: 900 }, priority: -5 },
  fetch_rates:   { task: 'rates' },
  report:        { task: 'report' },
  legacy_export: { task: 'legacy_export', priority: 1 },
  archive:       { task: 'archive' },
  notify:        { task: 'notify' },
};
const ids: Record<string, string> = {};
for (const [name, node] of Object.entries(plan)) {
  const [execution] = await createExecution(db, {
    flowId, payload: { name, ...(node.payload as object | undefined) }, taskIdentifier: node.task, priority: node.priority ?? 0,
  });
  ids[name] = execution.execution_id!;
  await addExecutionToFlow(db, { flowId, executionId: ids[name] });
}
const nameOf = new Map(Object.entries(ids).map(([name, id]) => [id, name]));

async function policy(down: string, kind: string, onSatisfied: string | null, k: number | null) {
  await setEdgeGroupPolicy(db, { flowId, downstreamExecutionId: ids[down], kind, onSatisfied, k });
}
async function revision(): Promise<string> {
  const [flow] = await describeFlow(db, { flowId });
  return flow.graph_revision!;
}
async function stage(up: string, down: string, ref: string | null = null): Promise<string> {
  const edgeId = randomUUID();
  await stageDependencyEdge(db, {
    flowId, edgeId, upstreamExecutionId: ids[up], downstreamExecutionId: ids[down],
    expectedGraphRevision: await revision(), dataPassingRef: ref,
  });
  return edgeId;
}
let applied = 0;
async function link(up: string, down: string, ref: string | null = null) {
  applied++;
  const edgeId = await stage(up, down, ref);
  await applyDependencyToChild(db, { flowId, edgeId });
}

await policy('consensus', 'quorum', 'let_run', 2);
await policy('fetch_rates', 'any_of', 'cancel_remaining', null);
for (const region of ['eu', 'us', 'apac']) {
  await link('extract', `clean_${region}`, 'raw');          // fan-out, the extract's result passed on
  await link(`clean_${region}`, 'consensus', region);       // quorum 2 of 3
}
for (const mirror of ['mirror_a', 'mirror_b', 'mirror_c']) await link(mirror, 'fetch_rates', 'rates');  // any_of
await link('consensus', 'report', 'consensus');             // all_of (the default)
await link('fetch_rates', 'report', 'rates');
await link('legacy_export', 'archive');
await link('archive', 'notify');
await link('report', 'notify', 'report');
console.log(`[${elapsed()}] flow ${flowId}: ${Object.keys(ids).length} executions, ${applied} edges applied`);

// One refusal: an edge back from notify to extract would close a cycle.
try {
  await stage('notify', 'extract');
} catch (error) {
  const e = error as FlowstageError;
  console.log(`[${elapsed()}] refused as it should be: ${e.sqlstate} ${e.code}`);
  console.log(`           cycle: ${e.detail!.replace(/\{fp:\d+\}:([0-9a-f-]{36})/g, (id) => nameOf.get(id) ?? id)}`);
}

// ---- the tasks -------------------------------------------------------------------------
type P = Record<string, any>;
const taskList: TaskList = {
  extract: async (p) => { await sleep(250); return { rows: (p as P).rows, batch: 'nightly' }; },
  clean: async (p) => {
    const { region, raw } = p as P;
    await sleep(region === 'apac' ? 900 : 200 + region.length * 40);
    return { region, kept: Math.round(raw.rows * (region === 'eu' ? 0.41 : region === 'us' ? 0.37 : 0.22)) };
  },
  vote: async (p) => {
    const seen = ['eu', 'us', 'apac'].filter((r) => (p as P)[r]);
    await sleep(100);
    return { regions: seen, kept: seen.reduce((n, r) => n + (p as P)[r].kept, 0) };
  },
  mirror: async (p) => { await sleep((p as P).ms); return { mirror: (p as P).mirror, eur_usd: 1.0842 }; },
  rates: async (p) => { await sleep(50); return { from: (p as P).rates.mirror, eur_usd: (p as P).rates.eur_usd }; },
  report: async (p) => {
    await sleep(150);
    const { consensus, rates } = p as P;
    return { rows: consensus.kept, regions: consensus.regions, rate_from: rates.from };
  },
  legacy_export: async (_p, helpers) => {
    await sleep(100);
    throw new Error(`legacy FTP refused the upload (attempt ${helpers.attempt})`);
  },
  archive: async () => 'archived',
  notify: async () => 'sent',
};

// ---- run it ------------------------------------------------------------------------------
const worker = await run({ connectionString, taskList, concurrency: 3, pollInterval: 200, logFactory: quietLogFactory,
  noHandleSignals: true });
const [start] = await startFlow(db, { flowId, maxAttempts: 2 });
console.log(`[${elapsed()}] ff_start_flow: ${start.status}, ${start.enqueued_count} executions enqueued (2 attempts each)`);

const total = Object.keys(ids).length;
let lastLine = '';
for (;;) {
  const members = await listMembers(db, { flowId });
  const [flow] = await describeFlow(db, { flowId });
  const done = members.filter((m) => m.lifecycle_phase === 'terminal').length;
  const byState = new Map<string, number>();
  for (const m of members) byState.set(m.public_state!, (byState.get(m.public_state!) ?? 0) + 1);
  const bar = '#'.repeat(done) + '.'.repeat(total - done);
  const line = `[${bar}] ${String(done).padStart(2)}/${total} done | ` +
    [...byState].sort().map(([s, n]) => `${s} ${n}`).join(', ') + ` | flow ${flow.public_flow_state}`;
  if (line !== lastLine) {
    console.log(`[${elapsed()}] ${line}`);
    lastLine = line;
  }
  if (flow.public_flow_state !== 'open') break;
  await sleep(100);
}
// let the last cascade jobs settle (counters of edges into already-skipped children)
for (let i = 0; i < 50; i++) {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
  if (rows[0].n === 0) break;
  await sleep(100);
}
await worker.stop();

// ---- the result --------------------------------------------------------------------------
console.log(`\nFinal state of every execution:`);
// Display only: results are read straight from the table (no read function returns them yet).
const { rows: finals } = await db.query(
  `SELECT m.execution_id, m.public_state, m.terminal_outcome, coalesce((e.raw_fields->>'attempt_count')::int, 0) AS attempts, e.result
   FROM flowfabric.ff_list_members(p_flow_id => $1::uuid) m
   JOIN flowfabric.ff_exec_core e ON e.execution_id = substring(m.execution_id FROM '[0-9a-f-]{36}$')::uuid`, [flowId]);
const order = Object.keys(ids);
finals.sort((a, b) => order.indexOf(nameOf.get(a.execution_id)!) - order.indexOf(nameOf.get(b.execution_id)!));
console.log(`  ${'execution'.padEnd(14)} ${'state'.padEnd(10)} ${'attempts'.padEnd(8)} result`);
for (const f of finals) {
  const result = f.result === null ? ''
    : JSON.stringify(f.result).replace(/\{fp:\d+\}:[0-9a-f-]{36}/g, (id) => nameOf.get(id) ?? id);
  console.log(`  ${nameOf.get(f.execution_id)!.padEnd(14)} ${f.public_state.padEnd(10)} ${String(f.attempts).padEnd(8)} ${
    result.length > 90 ? `${result.slice(0, 87)}...` : result}`);
}
const [flow] = await describeFlow(db, { flowId });
console.log(`\nFlow ${flow.public_flow_state} after ${Number(flow.terminal_at_ms) - Number(flow.started_at_ms)} ms of running ` +
  `(a failed, cancelled or expired member fails a flow; skipped ones do not).`);

console.log('\nMermaid:\n```mermaid');
console.log(String(await flowToMermaid(db, { flowId })).trimEnd());
console.log('```');

await db.end();
await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
await admin.end();
await server.stop();
console.log(`\nDone in ${elapsed()} (including PostgreSQL start and migration).`);
