// Database faults: a worker process whose connections the server keeps terminating
// (pg_terminate_backend, as a DBA, a failover or a pooler would) lives on, finishes the DAG and
// runs no task twice. Graphile Worker 0.17 lets a failed job completion escape as an unhandled
// rejection when unbatched, which ended the process (issue 23); run() now replaces a pool that
// reports such a fault and sends its own calls again on a fresh connection.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow, flowRow, type Flow as TestFlow } from '../helpers/fixtures.js';
import { edge, jobs, member, startFlow } from '../helpers/cascade.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
const APPLICATION = 'flowstage-fault-test-worker';
const NODES = 120;

interface Worker {
  child: ChildProcess;
  runs: Map<number, number>;
  exit: Promise<number | null>;
  exited: () => boolean;
}

function startWorker(connectionString: string): Promise<Worker> {
  const url = new URL(connectionString);
  url.searchParams.set('application_name', APPLICATION);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url.toString()], { stdio: ['ignore', 'pipe', 'inherit'] });
  const runs = new Map<number, number>();
  let done = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exit.then((code) => reject(new Error(`worker exited early with ${code}`)));
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve({ child, runs, exit, exited: () => done });
        const ran = /^ran (\d+)$/.exec(line);
        if (ran) runs.set(Number(ran[1]), (runs.get(Number(ran[1])) ?? 0) + 1);
      }
    });
  });
}

async function finished(flow: TestFlow): Promise<boolean> {
  return (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open' && (await jobs(flow.db)).length === 0;
}

test('a worker whose connections are terminated again and again lives, finishes the DAG and runs no task twice', async (t) => {
  t.timeout(90_000);
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const ids: string[] = [];
  for (let i = 0; i < NODES; i++)
    ids.push(await member(flow, { task: 'crash_node', payload: { i, fail: false, sleep_ms: 100 + ((i * 37) % 200) } }));
  // Ten layers of 8: each node waits for one or two nodes of the layers before it.
  for (let i = 8; i < NODES; i++) {
    await edge(flow, ids[i - 8]!, ids[i]!, { ref: 'a' });
    if (i % 3 === 0) await edge(flow, ids[i - 5]!, ids[i]!, { ref: 'b' });
  }
  await startFlow(flow, { maxAttempts: 5 });
  const worker = await startWorker(connectionStringOf(db));
  t.teardown(() => {
    worker.child.kill('SIGKILL');
  });

  // Up to 20 s of faults: every 200-400 ms, every connection of the worker is terminated. Then
  // the faults stop and the worker must finish the DAG on its own.
  let terminated = 0;
  const faultsUntil = Date.now() + 20_000;
  while (Date.now() < faultsUntil && !(await finished(flow))) {
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1`,
      [APPLICATION],
    );
    terminated += rows[0].n;
    await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 200)));
    t.false(worker.exited(), `the worker process exited after ${terminated} terminated connections`);
  }
  const recoverUntil = Date.now() + 25_000;
  while (Date.now() < recoverUntil && !(await finished(flow))) await new Promise((r) => setTimeout(r, 200));
  const { rows: progress } = await db.query(
    `SELECT count(*) FILTER (WHERE lifecycle_phase = 'terminal')::int AS done FROM flowfabric.ff_exec_core`,
  );
  t.log(`${terminated} connections terminated while the DAG ran; ${progress[0].done}/${NODES} terminal`);
  t.true(terminated >= 20, `the connections were terminated repeatedly (${terminated})`);
  t.true(await finished(flow), 'the DAG finished');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.false(worker.exited(), 'the worker process lives');
  const twice = [...worker.runs].filter(([, n]) => n > 1);
  t.deepEqual(twice, [], 'no task ran twice');
  t.is(worker.runs.size, NODES);
  worker.child.kill('SIGTERM');
  t.is(await Promise.race([worker.exit, new Promise((r) => setTimeout(() => r('still running 15 s after SIGTERM'), 15_000))]), 0);
});
