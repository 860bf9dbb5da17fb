// ff_recover_jobs: what a crashed worker leaves behind and the queue cannot know about is
// repaired when a worker starts (jobs it still holds locked: ff_reap_dead_workers).
import test from 'ava';
import { edge, execution, jobs, member, startFlow } from '../helpers/cascade.js';
import { complete, createFlow, uuidOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

test('nothing to repair: no rows, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'x' });
  await startFlow(flow);
  const before = await jobs(db);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_recover_jobs()');
  t.deepEqual(rows, []);
  t.deepEqual(await jobs(db), before);
});

test('a run job whose attempt died with its worker and no retries left fails its execution (worker_lost), which cascades', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'x' });
  const b = await member(flow, { task: 'y' });
  await edge(flow, a, b);
  await startFlow(flow);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt($1::text)', [a]);
  // the state force_unlock_workers leaves after a crash: unlocked, its single attempt spent
  await db.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), attempts => 1) FROM graphile_worker.jobs WHERE key = $1`,
    [`flowstage:run:${uuidOf(a)}`],
  );
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_recover_jobs()');
  t.deepEqual(rows, [{ status: 'failed_exhausted', execution_id: a, job_key: `flowstage:run:${uuidOf(a)}` }]);
  t.like(await execution(db, a), { terminal_outcome: 'failed', failure_reason: 'worker_lost', result: { error: 'worker_lost' } });
  t.is((await execution(db, b)).terminal_outcome, 'skipped');
  t.false((await jobs(db)).some((j) => j.key === `flowstage:run:${uuidOf(a)}`));
  t.deepEqual((await db.query('SELECT * FROM flowfabric.ff_recover_jobs()')).rows, []);
});

test('a lost attempt with retries left is a failed attempt: retry_scheduled, delayed, its run job enqueued again', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'x', policy: { max_retries: 1 } });
  await startFlow(flow);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt($1::text)', [a]);
  await db.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), attempts => 1) FROM graphile_worker.jobs WHERE key = $1`,
    [`flowstage:run:${uuidOf(a)}`],
  );
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_recover_jobs()');
  t.deepEqual(rows, [{ status: 'retry_scheduled', execution_id: a, job_key: `flowstage:run:${uuidOf(a)}` }]);
  t.like(await execution(db, a), { public_state: 'delayed', retry_count: 1, failure_reason: 'worker_lost' });
  t.deepEqual(
    (await jobs(db)).filter((j) => j.key === `flowstage:run:${uuidOf(a)}`).map((j) => [j.attempts, j.max_attempts]),
    [[0, 1]],
  );
});

test('an exhausted run job of an execution that did finish is only deleted', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'x' });
  await startFlow(flow, { maxAttempts: 1 });
  await complete(db, a, 'success');
  await db.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), attempts => 1) FROM graphile_worker.jobs WHERE key = $1`,
    [`flowstage:run:${uuidOf(a)}`],
  );
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_recover_jobs()');
  t.deepEqual(rows, []);
  t.is((await execution(db, a)).terminal_outcome, 'success');
  t.false((await jobs(db)).some((j) => j.key === `flowstage:run:${uuidOf(a)}`));
});

test('a deferred hop whose job was lost is enqueued again under its key', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const root = await member(flow);
  const a = await member(flow);
  const b = await member(flow);
  await edge(flow, root, a);
  await edge(flow, a, b);
  await complete(db, root, 'failed'); // a is skipped; a -> b is left to a's cascade job
  await db.query(`SELECT graphile_worker.remove_job($1)`, [`flowstage:cascade:${uuidOf(a)}`]);
  t.deepEqual(await jobs(db), []);
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_recover_jobs()');
  t.deepEqual(rows, [{ status: 'requeued_cascade', execution_id: a, job_key: `flowstage:cascade:${uuidOf(a)}` }]);
  t.deepEqual(
    (await jobs(db)).map((j) => [j.task_identifier, j.key]),
    [['flowstage__cascade', `flowstage:cascade:${uuidOf(a)}`]],
  );
});

test('a normal completion leaves nothing to recover: its edges were resolved in its transaction', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const a = await member(flow);
  const b = await member(flow);
  await edge(flow, a, b);
  await complete(db, a, 'success');
  t.deepEqual((await db.query('SELECT * FROM flowfabric.ff_recover_jobs()')).rows, []);
  t.deepEqual(await jobs(db), []);
});
