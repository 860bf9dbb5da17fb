// Dead workers: every flowstage worker heartbeats (ff_worker_heartbeat) under its Graphile Worker
// pool id; any live worker unlocks the jobs of workers silent past their lease
// (ff_reap_dead_workers), so a crashed worker's flows resume without a person. Time is pinned
// with p_now_ms: nothing here waits for a lease to run out.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { heartbeat, member, startFlow, waitFor } from '../helpers/cascade.js';
import { createFlow, type Db, flowRow, uuidOf } from '../helpers/fixtures.js';
import { run } from '../../src/worker/index.js';

const T0 = 1_900_000_000_000;

async function reap(db: Db, nowMs?: number) {
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_reap_dead_workers(p_now_ms => $1::bigint)', [nowMs ?? null]);
  return rows as Array<{ status: string; worker_id: string; silent_ms: string; jobs_unlocked: number }>;
}

/**
 * A job held by a worker: FIXTURE SHORTCUT, the lock is written the way Graphile Worker's job
 * fetch writes it (locked_by = the pool id, locked_at, attempts + 1), since a real worker would
 * have to be killed in the middle of a job to leave one behind.
 */
async function lockedJob(db: Db, key: string, workerId: string) {
  await db.query(`SELECT graphile_worker.add_job('noop', '{}'::json, job_key => $1)`, [key]);
  await db.query(
    `UPDATE graphile_worker._private_jobs SET locked_by = $2, locked_at = now(), attempts = attempts + 1 WHERE key = $1`,
    [key, workerId],
  );
}

async function lockOf(db: Db, key: string) {
  const { rows } = await db.query('SELECT locked_by, attempts FROM graphile_worker.jobs WHERE key = $1', [key]);
  return rows[0] as { locked_by: string | null; attempts: number };
}

test('a worker silent past its lease is reaped: its row goes and its jobs are unlocked for the live workers', async (t) => {
  const db = await testDatabase(t);
  await heartbeat(db, 'pool-dead', { leaseMs: 30_000, nowMs: T0 });
  await heartbeat(db, 'pool-live', { leaseMs: 30_000, nowMs: T0 + 25_000 });
  await lockedJob(db, 'dead-1', 'pool-dead');
  await lockedJob(db, 'dead-2', 'pool-dead');
  await lockedJob(db, 'live-1', 'pool-live');
  t.deepEqual(await reap(db, T0 + 30_000), [], 'at the end of its lease it is still alive');
  t.deepEqual(await reap(db, T0 + 30_001), [{ status: 'reaped', worker_id: 'pool-dead', silent_ms: '30001', jobs_unlocked: 2 }]);
  t.deepEqual(await lockOf(db, 'dead-1'), { locked_by: null, attempts: 1 });
  t.deepEqual(await lockOf(db, 'dead-2'), { locked_by: null, attempts: 1 });
  t.is((await lockOf(db, 'live-1')).locked_by, 'pool-live');
  const { rows } = await db.query('SELECT worker_id FROM flowfabric.ff_worker_heartbeat ORDER BY 1');
  t.deepEqual(
    rows.map((r) => r.worker_id),
    ['pool-live'],
  );
  t.deepEqual(await reap(db, T0 + 60_000), [{ status: 'reaped', worker_id: 'pool-live', silent_ms: '35000', jobs_unlocked: 1 }]);
});

test('a crashed worker (default lease 30 s, heartbeats every 5 s) is reaped within 60 s of its last heartbeat', async (t) => {
  const db = await testDatabase(t);
  await heartbeat(db, 'pool-crashed', { nowMs: T0 }); // its last heartbeat, then SIGKILL
  await lockedJob(db, 'held', 'pool-crashed');
  // a live worker reaps at each of its heartbeats, 5 s apart: the first one after the lease ran out
  let reapedAt: number | undefined;
  for (let now = T0 + 1_000; now <= T0 + 60_000 && reapedAt === undefined; now += 5_000) {
    if ((await reap(db, now)).length > 0) reapedAt = now;
  }
  t.truthy(reapedAt);
  t.true(reapedAt! - T0 <= 60_000);
  t.is((await lockOf(db, 'held')).locked_by, null);
});

test('a stalled worker that heartbeats again after being reaped registers anew', async (t) => {
  const db = await testDatabase(t);
  await heartbeat(db, 'pool-slow', { leaseMs: 1_000, nowMs: T0 });
  t.is((await reap(db, T0 + 5_000)).length, 1);
  t.is((await heartbeat(db, 'pool-slow', { leaseMs: 1_000, nowMs: T0 + 5_001 })).status, 'registered');
});

test('reapers running at once reap each dead worker exactly once', async (t) => {
  const db = await testDatabase(t, { max: 12 });
  for (let i = 0; i < 20; i++) {
    await heartbeat(db, `pool-${i}`, { leaseMs: 1_000, nowMs: T0 });
    await lockedJob(db, `job-${i}`, `pool-${i}`);
  }
  const results = await Promise.all(Array.from({ length: 10 }, () => reap(db, T0 + 2_000)));
  const reaped = results
    .flat()
    .map((r) => r.worker_id)
    .sort();
  t.deepEqual(reaped, Array.from({ length: 20 }, (_, i) => `pool-${i}`).sort());
  const { rows } = await db.query('SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL');
  t.is(rows[0].n, 0);
});

test('a running worker heartbeats under its Graphile Worker pool id, the locked_by of the jobs it runs', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'who' });
  const lockedBy: string[] = [];
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 2,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: () => () => {},
    taskList: {
      who: (_payload, helpers) => {
        lockedBy.push(helpers.job.locked_by!);
      },
    },
  });
  t.teardown(() => worker.stop());
  const { rows } = await db.query('SELECT worker_id, lease_ms, info FROM flowfabric.ff_worker_heartbeat');
  t.like(rows, [{ worker_id: worker.workerId, lease_ms: '30000', info: { pid: process.pid } }]);
  await startFlow(flow);
  await waitFor('the task to run', async () => lockedBy.length > 0);
  t.deepEqual(lockedBy, [worker.workerId]);
});

test("a live worker unlocks a dead worker's job and runs it: the flow finishes without a person", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const stuck = await member(flow, { task: 'work' });
  await startFlow(flow);
  // The job was taken by a worker that then died (its last heartbeat long ago).
  await heartbeat(db, 'pool-killed', { leaseMs: 1_000, nowMs: Date.now() - 60_000 });
  await db.query(
    `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-killed', locked_at = now(), attempts = 1
                  WHERE key = $1`,
    [`flowstage:run:${uuidOf(stuck)}`],
  );
  let calls = 0;
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 2,
    pollInterval: 200,
    noHandleSignals: true,
    heartbeatInterval: 100,
    workerLease: 1_000,
    logFactory: () => () => {},
    taskList: {
      work: () => {
        calls++;
        return 'done';
      },
    },
  });
  t.teardown(() => worker.stop());
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.is(calls, 1);
  const { rows } = await db.query(
    "SELECT count(*)::int AS n FROM flowfabric.ff_worker_heartbeat WHERE worker_id = 'pool-killed'",
  );
  t.is(rows[0].n, 0);
});
