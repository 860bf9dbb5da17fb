// npm run probe:faults [-- --runs N --seconds S]: the database-fault probe of issue 23. Each run
// starts the real worker (run(), in a child process, default lease and heartbeat) on a fresh
// database holding a started 200-node DAG whose task records every run (execution, attempt) in a
// table (a run lasts about S/80 s, so the DAG runs through most of the faults), then terminates
// every backend of the worker (pg_terminate_backend) every 200-400 ms for S seconds, then gives the worker up to 60 s without faults to finish. Per run it reports: did the
// worker process exit, did the DAG finish, how many (execution, attempt) pairs ran twice.
// Exit code 1 when any run had an exit, an unfinished DAG or a double run.
//
// Loopback servers only: $DATABASE_URL must point at this machine (it terminates backends there),
// else an embedded server is started as for npm test. Its databases are dropped at the end.
// PROBE_LOG=1 shows the worker's log and stderr (Graphile Worker traces every fault there), its
// pools' creation, faults and shutdowns, and a tick every 2 s naming the current pool.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import { run } from '../src/worker/index.js';
import { buildFlow, layeredDag, planOf } from './bench/dag.js';

const TASK = 'probe_node';
const WORKER_APP = 'flowstage-probe-worker';
const RECORDER_APP = 'flowstage-probe-recorder';
const RECOVERY_MS = 60_000;
const DAG = layeredDag(20, 10, 2); // 200 nodes, 380 edges

function option(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: a positive integer`);
  return value;
}

function withApplicationName(connectionString: string, name: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('application_name', name);
  return url.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- the worker process (this file run with --worker <url>) ---------------------------------------

async function workerProcess(connectionString: string, taskMs: number): Promise<void> {
  // The recorder's connections are not terminated: a run is recorded even when the worker's
  // completion of it is lost, which is what makes a second run of the same attempt visible.
  const recorder = new pg.Pool({ connectionString: withApplicationName(connectionString, RECORDER_APP), max: 4 });
  recorder.on('error', () => {});
  const worker = await run({
    connectionString: withApplicationName(connectionString, WORKER_APP),
    concurrency: 4,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: process.env.PROBE_LOG
      ? () => (level, message) => {
          if (level !== 'debug') console.error(`[${level}] ${message.split('\n')[0]}`);
        }
      : () => () => {},
    taskList: {
      [TASK]: async (payload, helpers) => {
        await sleep(taskMs * (0.5 + (((payload as { node: number }).node * 37) % 100) / 100));
        await recorder.query('INSERT INTO probe_run (execution_id, attempt) VALUES ($1, $2)', [
          helpers.executionId,
          helpers.attempt,
        ]);
      },
    },
  });
  if (process.env.PROBE_LOG) {
    // Where a stalled worker stands: its pools' lives, and a tick that shows the event loop runs.
    const stamp = () => new Date().toISOString().slice(11, 23);
    for (const name of ['pool:create', 'pool:fatalError', 'pool:gracefulShutdown', 'pool:release'] as const)
      worker.events.on(name, (e: { workerPool?: { id: string } }) =>
        console.error(`${stamp()} [probe] ${name} ${e.workerPool?.id}`),
      );
    setInterval(() => console.error(`${stamp()} [probe] tick: current pool ${worker.workerId}`), 2000).unref();
  }
  process.stdout.write('ready\n');
  process.on('SIGTERM', async () => {
    await worker.stop();
    await recorder.end();
    process.exit(0);
  });
  await worker.promise;
}

// --- one run ------------------------------------------------------------------------------------

interface RunResult {
  exitCode: number | null | 'running';
  /** For an unfinished DAG: where it stands (executions by state, jobs by lock, workers, connections). */
  stuck: string | null;
  terminated: number;
  finished: boolean;
  finishedAfterMs: number | null;
  terminal: number;
  doubleRuns: number;
  runs: number;
}

function spawnWorker(
  url: string,
  taskMs: number,
): Promise<{ child: ChildProcess; exit: Promise<number | null>; exited: () => boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', url, String(taskMs)], {
    stdio: ['ignore', 'pipe', process.env.PROBE_LOG ? 'inherit' : 'ignore'],
  });
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exit.then((code) => reject(new Error(`probe: the worker exited with ${code} before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve({ child, exit, exited: () => exited });
    });
  });
}

async function probeRun(url: string, seconds: number): Promise<RunResult> {
  const db = new pg.Pool({ connectionString: withApplicationName(url, 'flowstage-probe'), max: 2 });
  // An idle connection of the probe's own closed by the server (as happened once in a 10-run
  // probe, on a machine shared with other test runs) is replaced, not fatal.
  db.on('error', () => {});
  try {
    await db.query('CREATE TABLE probe_run (execution_id text NOT NULL, attempt int NOT NULL)');
    const flowId = randomUUID();
    await buildFlow(db, flowId, planOf(DAG, TASK));
    await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid, p_max_attempts => 5)', [flowId]);
    const finished = async () =>
      (await db.query('SELECT public_flow_state FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId])).rows[0]
        .public_flow_state !== 'open';

    const worker = await spawnWorker(url, Math.round((seconds * 1000) / 80));
    const started = Date.now();
    let finishedAfterMs: number | null = null;
    let terminated = 0;
    let exitedUnasked = false;
    try {
      const faultsUntil = started + seconds * 1000;
      while (Date.now() < faultsUntil && !worker.exited()) {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = $1`,
          [WORKER_APP],
        );
        terminated += rows[0].n;
        if (finishedAfterMs === null && (await finished())) finishedAfterMs = Date.now() - started;
        await sleep(200 + Math.floor(Math.random() * 200));
      }
      const recoverUntil = Date.now() + RECOVERY_MS;
      while (finishedAfterMs === null && Date.now() < recoverUntil && !worker.exited()) {
        if (await finished()) finishedAfterMs = Date.now() - started;
        else await sleep(250);
      }
      exitedUnasked = worker.exited();
    } finally {
      if (!worker.exited()) {
        worker.child.kill('SIGTERM');
        await Promise.race([worker.exit, sleep(15_000)]);
        if (!worker.exited()) worker.child.kill('SIGKILL');
      }
    }
    const { rows: counts } = await db.query(
      `SELECT (SELECT count(*)::int FROM probe_run) AS runs,
              (SELECT count(*)::int FROM (SELECT 1 FROM probe_run GROUP BY execution_id, attempt HAVING count(*) > 1) d) AS double_runs,
              (SELECT count(*)::int FROM flowfabric.ff_exec_core WHERE flow_id = $1 AND lifecycle_phase = 'terminal') AS terminal`,
      [flowId],
    );
    const stuck =
      finishedAfterMs === null
        ? JSON.stringify(
            (
              await db.query(
                `SELECT (SELECT json_object_agg(s, n) FROM (SELECT public_state || '/' || blocking_reason AS s, count(*) AS n
                         FROM flowfabric.ff_exec_core GROUP BY 1) x) AS executions,
                        (SELECT json_agg(json_build_object('task', t.identifier, 'locked_by', j.locked_by, 'locked_for_s',
                                  round(extract(epoch FROM now() - j.locked_at)), 'attempts', j.attempts, 'run_in_s',
                                  round(extract(epoch FROM j.run_at - now())), 'last_error', left(j.last_error, 80)))
                         FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id) AS jobs,
                        (SELECT json_agg(w.worker_id) FROM flowfabric.ff_worker_heartbeat w) AS workers,
                        (SELECT json_object_agg(s, n) FROM (SELECT application_name || ':' || state AS s, count(*) AS n
                         FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1) a) AS connections`,
              )
            ).rows[0],
          )
        : null;
    return {
      exitCode: exitedUnasked ? await worker.exit : 'running',
      stuck,
      terminated,
      finished: finishedAfterMs !== null,
      finishedAfterMs,
      terminal: counts[0].terminal,
      doubleRuns: counts[0].double_runs,
      runs: counts[0].runs,
    };
  } finally {
    await db.end();
  }
}

// --- main ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const runs = option(argv, '--runs', 10);
  const seconds = option(argv, '--seconds', 60);
  if (process.env.DATABASE_URL) {
    const host = new URL(process.env.DATABASE_URL).hostname.replace(/^\[|\]$/g, '');
    if (!['localhost', '127.0.0.1', '::1', ''].includes(host))
      throw new Error(`probe: DATABASE_URL host ${host} is not this machine; the probe terminates backends`);
  }
  const server = await resolveServer();
  const admin = new pg.Client({ connectionString: withApplicationName(server.connectionString, 'flowstage-probe-admin') });
  const template = `flowstage_probe_${process.pid}`;
  const results: RunResult[] = [];
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    await migrate(withDatabaseName(server.connectionString, template));
    console.log(`fault probe: ${runs} run(s) of ${seconds} s of terminations, a ${DAG.parents.length}-node DAG each`);
    for (let i = 1; i <= runs; i++) {
      const database = `${template}_${i}`;
      await admin.query(`CREATE DATABASE ${database} TEMPLATE ${template}`);
      try {
        const result = await probeRun(withDatabaseName(server.connectionString, database), seconds);
        results.push(result);
        console.log(
          `run ${i}: worker ${result.exitCode === 'running' ? 'alive' : `EXITED (${result.exitCode})`}, ` +
            `${result.terminated} connections terminated, DAG ${result.finished ? `finished after ${(result.finishedAfterMs! / 1000).toFixed(1)} s` : `NOT finished (${result.terminal}/${DAG.parents.length} terminal)`}, ` +
            `${result.runs} task runs, ${result.doubleRuns} double run(s)`,
        );
        if (result.stuck) console.log(`  stuck: ${result.stuck}`);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
    await server.stop();
  }
  const exits = results.filter((r) => r.exitCode !== 'running').length;
  const unfinished = results.filter((r) => !r.finished).length;
  const doubles = results.reduce((sum, r) => sum + r.doubleRuns, 0);
  console.log(
    `total: ${results.length} runs, ${results.reduce((sum, r) => sum + r.terminated, 0)} connections terminated, ` +
      `${exits} worker exit(s), ${unfinished} unfinished DAG(s), ${doubles} double run(s)`,
  );
  return exits === 0 && unfinished === 0 && doubles === 0 ? 0 : 1;
}

if (process.argv[2] === '--worker') await workerProcess(process.argv[3]!, Number(process.argv[4]));
else process.exit(await main());
