// The trust model (docs/operations.md#trust-model), attacked as issue 23 did, by real LOGIN roles:
// a flowstage_writer, a flowstage_reader and a login with no flowstage role. No one but the owner
// (or a superuser) may pin the clock; a live worker's lease can only be renewed by its own process;
// so no writer can make a live worker's running job run again, or forge the times in the audit
// log and retention.
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type pg from 'pg';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow, uuidOf } from '../helpers/fixtures.js';
import { LIVE_WORKER_SECRET, createLogin, liveWorkerAnd, poolAs } from '../helpers/logins.js';
import { edge, jobs, member, startFlow } from '../helpers/cascade.js';

const LOGINS: Array<[string, string[], string]> = [
  ['a writer', ['flowstage_writer'], 'FF012'],
  ['a reader', ['flowstage_reader'], '42501'],
  ['a login with no flowstage role', [], '42501'],
];
const SECRET = LIVE_WORKER_SECRET;

async function stillLocked(t: ExecutionContext, db: pg.Pool) {
  const { rows } = await db.query(`SELECT locked_by FROM graphile_worker.jobs WHERE key = 'running'`);
  t.is(rows[0].locked_by, 'pool-live', 'the live worker still holds its job');
  const { rows: beat } = await db.query(`SELECT lease_ms FROM flowfabric.ff_worker_heartbeat WHERE worker_id = 'pool-live'`);
  t.deepEqual(beat, [{ lease_ms: '30000' }], 'its lease is untouched');
}

async function refusedWith(t: ExecutionContext, promise: Promise<unknown>, code: string, field?: string) {
  const error = await t.throwsAsync<Error & { code: string; detail?: string }>(promise);
  t.is(error?.code, code, error?.message);
  if (code === 'FF012' && field) t.true(error?.detail?.startsWith(`${field}:`), error?.detail);
}

for (const [who, roles, code] of LOGINS) {
  test(`${who} cannot reap a live worker by moving the clock forward (p_now_ms)`, async (t) => {
    const { db, as } = await liveWorkerAnd(t, roles);
    await refusedWith(
      t,
      as.query(`SELECT * FROM flowfabric.ff_reap_dead_workers(p_now_ms => $1::bigint)`, [Date.now() + 1e9]),
      code,
      'p_now_ms',
    );
    await stillLocked(t, db);
  });

  test(`${who} cannot shorten a live worker's lease without its secret, then reap it`, async (t) => {
    const { db, as } = await liveWorkerAnd(t, roles);
    await refusedWith(
      t,
      as.query(
        `SELECT * FROM flowfabric.ff_worker_heartbeat(p_worker_id => 'pool-live', p_secret => 'a-guessed-secret-000000', p_lease_ms => 100)`,
      ),
      code,
      'p_secret',
    );
    await new Promise((r) => setTimeout(r, 150));
    if (code === 'FF012') t.deepEqual((await as.query('SELECT * FROM flowfabric.ff_reap_dead_workers()')).rows, []);
    await stillLocked(t, db);
  });

  test(`${who} cannot pin the time written in the audit log (occurred_at_ms) or a flow's times`, async (t) => {
    const login = await createLogin(t, roles);
    const db = await testDatabase(t);
    const as = poolAs(t, login, connectionStringOf(db));
    const flowId = randomUUID();
    await refusedWith(
      t,
      as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_now_ms => 1)`, [flowId]),
      code,
      'p_now_ms',
    );
    const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_flow_core');
    t.is(rows[0].n, 0, 'nothing written');
  });
}

test("a writer's calls without p_now_ms use the server clock", async (t) => {
  const login = await createLogin(t, ['flowstage_writer']);
  const db = await testDatabase(t);
  const as = poolAs(t, login, connectionStringOf(db));
  const before = Date.now();
  await as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [randomUUID()]);
  const { rows } = await db.query('SELECT created_at_ms FROM flowfabric.ff_flow_core');
  t.true(Number(rows[0].created_at_ms) >= before - 1000 && Number(rows[0].created_at_ms) <= Date.now() + 1000);
});

test('a member of flowstage_owner (the installing role) may pin the clock', async (t) => {
  const login = await createLogin(t, ['flowstage_owner']);
  const db = await testDatabase(t);
  const as = poolAs(t, login, connectionStringOf(db));
  await as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_now_ms => 1234)`, [randomUUID()]);
  const { rows } = await db.query('SELECT created_at_ms FROM flowfabric.ff_flow_core');
  t.is(rows[0].created_at_ms, '1234');
});

test('the worker that registered renews its own lease with its secret', async (t) => {
  const login = await createLogin(t, ['flowstage_writer']);
  const db = await testDatabase(t);
  const as = poolAs(t, login, connectionStringOf(db));
  const beat = (leaseMs: number) =>
    as.query(
      `SELECT status FROM flowfabric.ff_worker_heartbeat(p_worker_id => 'pool-own', p_secret => $1, p_lease_ms => $2::bigint)`,
      [SECRET, leaseMs],
    );
  t.is((await beat(30_000)).rows[0].status, 'registered');
  t.is((await beat(20_000)).rows[0].status, 'alive');
  const { rows } = await db.query(
    `SELECT lease_ms, secret_sha256 <> convert_to($1, 'UTF8') AS hashed FROM flowfabric.ff_worker_heartbeat`,
    [SECRET],
  );
  t.deepEqual(rows, [{ lease_ms: '20000', hashed: true }], 'the secret is stored hashed, not as given');
});

test('a heartbeat whose time plus lease would overflow bigint is invalid_input, not a raw 22003', async (t) => {
  const db = await testDatabase(t);
  await refusedWith(
    t,
    db.query(`SELECT * FROM flowfabric.ff_worker_heartbeat('w', $1, 30000, NULL, 9223372036854775807)`, [SECRET]),
    'FF012',
    'p_now_ms',
  );
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_worker_heartbeat');
  t.is(rows[0].n, 0);
});

test('a heartbeat without a secret, or with a short one, is invalid_input naming p_secret', async (t) => {
  const db = await testDatabase(t);
  await refusedWith(t, db.query(`SELECT * FROM flowfabric.ff_worker_heartbeat('w', NULL)`), 'FF012', 'p_secret');
  await refusedWith(t, db.query(`SELECT * FROM flowfabric.ff_worker_heartbeat('w', 'short')`), 'FF012', 'p_secret');
});

// ---- locks a stranger could hold (issue 23, point 3) -------------------------------------------

for (const [who, roles] of LOGINS.map(([w, r]) => [w, r] as const).filter(([w]) => w !== 'a reader')) {
  test(`${who} holding the advisory lock 0.2.0 used no longer blocks ff_start_flow or a completion that releases a child`, async (t) => {
    const login = await createLogin(t, [...roles]);
    const db = await testDatabase(t);
    const flow = await createFlow(db);
    const up = await member(flow);
    const child = await member(flow, { task: 'child' });
    await edge(flow, up, child);
    const stranger = poolAs(t, login, connectionStringOf(db));
    const held = await stranger.connect();
    t.teardown(() => held.release());
    await held.query(`SELECT pg_advisory_lock(hashtextextended('flowstage.start_flow:' || $1::text, 0))`, [flow.flowId]);
    // lock_timeout: a call that would wait for the stranger fails with 55P03 instead of hanging.
    const caller = await db.connect();
    t.teardown(() => caller.release());
    await caller.query(`SET lock_timeout = '1s'`);
    await caller.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [up]);
    await caller.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid)', [flow.flowId]);
    t.deepEqual(
      (await jobs(db)).map((j) => j.key),
      [`flowstage:run:${uuidOf(child)}`],
    );
  });

  test(`${who} cannot lock the rows ff_start_flow and the cascade serialise on`, async (t) => {
    const login = await createLogin(t, [...roles]);
    const db = await testDatabase(t);
    const flow = await createFlow(db);
    await member(flow, { task: 'work' });
    await startFlow(flow);
    const stranger = poolAs(t, login, connectionStringOf(db));
    for (const sql of [
      'SELECT * FROM flowfabric.ff_flow_start_lock FOR SHARE',
      'SELECT * FROM flowfabric.ff_flow_core FOR KEY SHARE',
      'LOCK TABLE flowfabric.ff_flow_start_lock IN ACCESS SHARE MODE',
    ]) {
      const client = await stranger.connect();
      try {
        await client.query('BEGIN');
        await refusedWith(t, client.query(sql), '42501');
      } finally {
        await client.query('ROLLBACK').catch(() => {});
        client.release();
      }
    }
  });
}
