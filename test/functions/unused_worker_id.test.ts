// A heartbeat for a worker id nobody uses yet (issue 23, decided in ff_worker_heartbeat's COMMENT ON
// and docs/operations.md#trust-model): a writer may register one, and it is harmless. The row is
// the writer's; reaping it unlocks the jobs locked by that id, and no live worker's jobs are: a
// worker's id is its Graphile Worker pool id (`pool-` and 9 random bytes), which a writer cannot
// read (no right on graphile_worker's tables or ff_worker_heartbeat), nor lock a job under.
import test, { type ExecutionContext } from 'ava';
import { liveWorkerAnd } from '../helpers/logins.js';

const WRITER_SECRET = 'a-writers-secret-for-an-unused-id-000';

/** A database where worker `pool-live` heartbeats and holds a running job, and a pool of a flowstage_writer login. */
async function liveWorkerAndWriter(t: ExecutionContext) {
  const { db, as } = await liveWorkerAnd(t, ['flowstage_writer']);
  return { db, writer: as };
}

test("a writer may register a heartbeat for an unused worker id; when it lapses, reaping it unlocks no live worker's job", async (t) => {
  const { db, writer } = await liveWorkerAndWriter(t);
  const { rows } = await writer.query(
    `SELECT status FROM flowfabric.ff_worker_heartbeat(p_worker_id => 'pool-unused', p_secret => $1, p_lease_ms => 100)`,
    [WRITER_SECRET],
  );
  t.is(rows[0].status, 'registered');
  await new Promise((r) => setTimeout(r, 150));
  const { rows: reaped } = await writer.query('SELECT worker_id, jobs_unlocked FROM flowfabric.ff_reap_dead_workers()');
  t.deepEqual(reaped, [{ worker_id: 'pool-unused', jobs_unlocked: 0 }]);
  const { rows: job } = await db.query(`SELECT locked_by FROM graphile_worker.jobs WHERE key = 'running'`);
  t.is(job[0].locked_by, 'pool-live', 'the live worker still holds its job');
  const { rows: beat } = await db.query(`SELECT worker_id FROM flowfabric.ff_worker_heartbeat ORDER BY 1`);
  t.deepEqual(
    beat.map((r) => r.worker_id),
    ['pool-live'],
  );
});

test("a writer cannot learn a live worker's id: graphile_worker's jobs and ff_worker_heartbeat are closed to it", async (t) => {
  const { writer } = await liveWorkerAndWriter(t);
  for (const sql of [
    'SELECT locked_by FROM graphile_worker.jobs',
    'SELECT locked_by FROM graphile_worker._private_jobs',
    'SELECT worker_id FROM flowfabric.ff_worker_heartbeat',
  ]) {
    const error = await t.throwsAsync<Error & { code: string }>(writer.query(sql));
    t.is(error?.code, '42501', `${sql}: ${error?.message}`);
  }
});

test("a writer's registered id cannot claim a job: taking or locking one needs rights on graphile_worker it does not have", async (t) => {
  const { db, writer } = await liveWorkerAndWriter(t);
  await db.query(`SELECT graphile_worker.add_job('work', '{}'::json, job_key => 'queued')`);
  await writer.query(`SELECT * FROM flowfabric.ff_worker_heartbeat(p_worker_id => 'pool-unused', p_secret => $1)`, [
    WRITER_SECRET,
  ]);
  for (const sql of [
    `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-unused', locked_at = now() WHERE key = 'queued'`,
    `SELECT graphile_worker.force_unlock_workers(ARRAY['pool-live'])`,
  ]) {
    const error = await t.throwsAsync<Error & { code: string }>(writer.query(sql));
    t.is(error?.code, '42501', `${sql}: ${error?.message}`);
  }
  const { rows } = await db.query(`SELECT key, locked_by FROM graphile_worker.jobs ORDER BY key`);
  t.deepEqual(rows, [
    { key: 'queued', locked_by: null },
    { key: 'running', locked_by: 'pool-live' },
  ]);
});
