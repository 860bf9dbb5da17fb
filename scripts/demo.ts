// npm run demo: a flow of 14 executions, written as one FlowPlan and submitted in one call, run by
// an in-process flowstage worker on a throwaway PostgreSQL (embedded unless DATABASE_URL is set).
// Shows fan-out, any_of + cancel_remaining, a 2-of-3 quorum, all_of with data passing, a retried
// task whose final failure skips its dependents two levels down and runs its on-failure handler
// (a failure_only edge, so the failure is handled), a refused cycle, progress from the
// worker's events, waitForFlow, and the flow as an HTML picture.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import { quietLogFactory, run, type TaskList } from '../src/worker/index.js';
import {
  FlowPlan,
  applyDependencyToChild,
  describeFlow,
  flowToHtml,
  listMembers,
  stageDependencyEdge,
  startFlow,
  waitForFlow,
  type FlowstageError,
  type PlanStep,
  type PlanSteps,
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
db.on('error', () => {}); // a connection still closing when the demo database is dropped
console.log(`[${elapsed()}] PostgreSQL ready, flowstage migrated into ${database}`);

// ---- the DAG: one statement, one call -----------------------------------------------------
const flowId = randomUUID();
/** Each step's payload carries its name, so pictures and logs can tell mirror_a from mirror_b. */
function named<const S extends PlanSteps<S>>(steps: S): S {
  return Object.fromEntries(
    Object.entries<PlanStep>(steps).map(([name, step]) => [name, { ...step, payload: { name, ...step.payload } }]),
  ) as unknown as S;
}
const plan = new FlowPlan(
  flowId,
  named({
    // fails once (a flaky source) and succeeds on its retry, 300 ms later (docs/failures.md)
    extract: {
      task: 'extract',
      payload: { rows: 1200 },
      priority: 2,
      policy: { max_retries: 2, backoff: { type: 'fixed', delay_ms: 300 } },
    },
    clean_eu: { task: 'clean', payload: { region: 'eu' }, inputs: { raw: 'extract' } }, // fan-out, the extract's result passed on
    clean_us: { task: 'clean', payload: { region: 'us' }, inputs: { raw: 'extract' } },
    clean_apac: { task: 'clean', payload: { region: 'apac' }, inputs: { raw: 'extract' } },
    consensus: {
      task: 'vote',
      inputs: { eu: 'clean_eu', us: 'clean_us', apac: 'clean_apac' },
      group: { kind: 'quorum', k: 2, onSatisfied: 'let_run' },
    }, // quorum 2 of 3
    mirror_a: { task: 'mirror', payload: { mirror: 'a', ms: 700 }, priority: 2 },
    mirror_b: { task: 'mirror', payload: { mirror: 'b', ms: 120 }, priority: 3 },
    mirror_c: { task: 'mirror', payload: { mirror: 'c', ms: 900 }, priority: -5 },
    fetch_rates: {
      task: 'rates',
      inputs: { rates: ['mirror_a', 'mirror_b', 'mirror_c'] },
      group: { kind: 'any_of', onSatisfied: 'cancel_remaining' },
    }, // the fastest mirror wins
    report: { task: 'report', inputs: { consensus: 'consensus', rates: 'fetch_rates' } }, // all_of (the default)
    legacy_export: { task: 'legacy_export', priority: 1 },
    archive: { task: 'archive', after: ['legacy_export'] },
    notify: { task: 'notify', after: ['archive'], inputs: { report: 'report' } },
    page_oncall: { task: 'page_oncall' }, // legacy_export's on-failure handler (a failure_only edge, below)
  }),
);
const submitted = await plan.submit(db, { namespace: 'demo' });
const ids: Record<string, string> = submitted.ids;
const nameOf = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
console.log(
  `[${elapsed()}] flow ${flowId}: ff_submit_flow ${submitted.status}, ${submitted.members_added} executions, ` +
    `${submitted.edges_applied} edges applied, graph_revision ${submitted.graph_revision}`,
);

// An on-failure handler (docs/branches.md): page_oncall runs only if legacy_export fails, and is
// passed {outcome, failure_reason, result}; since it succeeds, that failure is handled.
const [handler] = await stageDependencyEdge(db, {
  flowId,
  edgeId: plan.edgeId('legacy_export', 'page_oncall'),
  upstreamExecutionId: ids.legacy_export,
  downstreamExecutionId: ids.page_oncall,
  expectedGraphRevision: submitted.graph_revision,
  dependencyKind: 'failure_only',
  dataPassingRef: 'failed_step',
});
await applyDependencyToChild(db, { flowId, edgeId: handler.edge_id });

// One refusal: an edge back from notify to extract would close a cycle.
try {
  await stageDependencyEdge(db, {
    flowId,
    edgeId: plan.edgeId('notify', 'extract'),
    upstreamExecutionId: ids.notify,
    downstreamExecutionId: ids.extract,
    expectedGraphRevision: handler.graph_revision,
  });
} catch (error) {
  const e = error as FlowstageError;
  console.log(`[${elapsed()}] refused as it should be: ${e.sqlstate} ${e.code}`);
  console.log(`           cycle: ${e.detail!.replace(/\{fp:\d+\}:([0-9a-f-]{36})/g, (id) => nameOf.get(id) ?? id)}`);
}

// ---- the tasks -------------------------------------------------------------------------
type P = Record<string, any>;
const taskList: TaskList = {
  extract: async (p, helpers) => {
    await sleep(250);
    if (helpers.attempt === 1) throw new Error('source database restarting');
    return { rows: (p as P).rows, batch: 'nightly' };
  },
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
  mirror: async (p) => {
    await sleep((p as P).ms);
    return { mirror: (p as P).mirror, eur_usd: 1.0842 };
  },
  rates: async (p) => {
    await sleep(50);
    return { from: (p as P).rates.mirror, eur_usd: (p as P).rates.eur_usd };
  },
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
  page_oncall: async (p) => `paged: legacy_export ${(p as P).failed_step.outcome}`,
};

// ---- run it ------------------------------------------------------------------------------
const worker = await run({
  connectionString,
  taskList,
  concurrency: 3,
  pollInterval: 200,
  logFactory: quietLogFactory,
  noHandleSignals: true,
});
const total = Object.keys(ids).length;
let lastLine = '';
let progress = Promise.resolve();
/** One progress line, printed when it changed (each completion a worker reports, and the end). */
const showProgress = () => {
  progress = progress.then(async () => {
    const members = await listMembers(db, { flowId });
    const [flow] = await describeFlow(db, { flowId });
    const done = members.filter((m) => m.lifecycle_phase === 'terminal').length;
    const byState = new Map<string, number>();
    for (const m of members) byState.set(m.public_state, (byState.get(m.public_state) ?? 0) + 1);
    const bar = '#'.repeat(done) + '.'.repeat(total - done);
    const line =
      `[${bar}] ${String(done).padStart(2)}/${total} done | ` +
      [...byState]
        .sort()
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') +
      ` | flow ${flow.public_flow_state}`;
    if (line !== lastLine) console.log(`[${elapsed()}] ${line}`);
    lastLine = line;
  });
};
worker.events.on('execution:completed', showProgress);
worker.events.on('retry_scheduled', ({ executionId, attempt, reason, delayUntilMs }) =>
  console.log(
    `[${elapsed()}] retry_scheduled: ${nameOf.get(executionId)} attempt ${attempt} failed (${reason}), retrying in ${delayUntilMs - Date.now()} ms`,
  ),
);
worker.events.on('flow:failed', ({ executionId }) =>
  console.log(`[${elapsed()}] flow:failed (seen by the cascade of ${nameOf.get(executionId)})`),
);
worker.events.on('flow:completed', ({ executionId }) =>
  console.log(`[${elapsed()}] flow:completed (seen by the cascade of ${nameOf.get(executionId)})`),
);
const [start] = await startFlow(db, { flowId, maxAttempts: 2 });
console.log(
  `[${elapsed()}] ff_start_flow: ${start.status}, ${start.enqueued_count} executions enqueued (2 attempts each unless a policy says)`,
);

await waitForFlow(db, flowId, { timeoutMs: 120_000 });
showProgress();
await progress;
// let the last cascade jobs settle (counters of edges into already-skipped children)
for (let i = 0; i < 50; i++) {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
  if (rows[0].n === 0) break;
  await sleep(100);
}
await worker.stop();

// ---- the result --------------------------------------------------------------------------
console.log(`\nFinal state of every execution:`);
const finals = await listMembers(db, { flowId });
const order = Object.keys(ids);
finals.sort((a, b) => order.indexOf(nameOf.get(a.execution_id)!) - order.indexOf(nameOf.get(b.execution_id)!));
console.log(`  ${'execution'.padEnd(14)} ${'state'.padEnd(10)} ${'attempts'.padEnd(8)} result`);
for (const f of finals) {
  const result =
    f.result === null ? '' : JSON.stringify(f.result).replace(/\{fp:\d+\}:[0-9a-f-]{36}/g, (id) => nameOf.get(id) ?? id);
  console.log(
    `  ${nameOf.get(f.execution_id)!.padEnd(14)} ${f.public_state.padEnd(10)} ${String(f.attempt_count).padEnd(8)} ${
      result.length > 90 ? `${result.slice(0, 87)}...` : result
    }`,
  );
}
const [flow] = await describeFlow(db, { flowId });
console.log(
  `\nFlow ${flow.public_flow_state} after ${Number(flow.terminal_at_ms) - Number(flow.started_at_ms)} ms of running ` +
    `(a failed, cancelled or expired member fails a flow unless an on-failure handler succeeded; skipped ones do not).`,
);

const picture = join(tmpdir(), `flowstage-demo-${flowId}.html`);
await writeFile(picture, await flowToHtml(db, flowId));

await db.end();
await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
await admin.end();
await server.stop();
console.log(`\nDone in ${elapsed()} (including PostgreSQL start and migration).`);
console.log(`The flow as a picture (open it in a browser): ${picture}`);
console.log(
  'Watch flows live (docs/dashboard.md): flowstage dashboard --database-url <your database url>, then open http://127.0.0.1:4000/',
);
