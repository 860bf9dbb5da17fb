// src/migrate.ts: installing is idempotent and safe to run concurrently, refuses a database
// whose recorded migrations are not the shipped ones, and upgrades a 0.1.0 database with flows
// mid-run to what a fresh install holds (docs/conventions.md 9).
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import { MIGRATION_MISMATCH, migrate, shippedMigrations } from '../../src/migrate.js';
import { fingerprint } from '../helpers/catalogue.js';
import { drain } from '../helpers/cascade.js';
import { emptyDatabase, queryUrl } from '../helpers/fixtures.js';
import { assertRowsKept, tableRows } from '../helpers/upgrade.js';
import { createLogin, poolAs } from '../helpers/logins.js';

const RELEASED_0_1_0 = '1764115200000_flowstage-core';

test('a fresh database is installed: flowfabric and graphile_worker schemas, every flowstage migration recorded in order', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const print = await fingerprint(url);
  t.true(print.schemas.some((s) => s.nspname === 'flowfabric'));
  t.true(print.schemas.some((s) => s.nspname === 'graphile_worker'));
  t.deepEqual(
    print.migrations.map((m) => m.name),
    (await shippedMigrations()).map((m) => m.name),
  );
  t.is(print.migrations[0].name, RELEASED_0_1_0);
  t.is(print.errors.length, 16);
  t.true(print.workerMigrations.length > 0);
});

test('migrating twice is a no-op: the second run changes nothing', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const once = await fingerprint(url);
  await migrate(url);
  t.deepEqual(await fingerprint(url), once);
});

test('migrate returns the migrations it applied, in order, and none when the database is up to date', async (t) => {
  const url = await emptyDatabase(t);
  const shipped = (await shippedMigrations()).map((m) => basename(m.path, '.sql'));
  t.deepEqual(await migrate(url), shipped);
  t.deepEqual(await migrate(url), []);
});

test('migrating does not touch existing data', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => '11111111-1111-1111-1111-111111111111')`);
    await migrate(url);
    const { rows } = await client.query(`SELECT count(*)::int AS flows FROM flowfabric.ff_flow_core`);
    t.is(rows[0].flows, 1);
  } finally {
    await client.end();
  }
});

test('5 migrators at once on one fresh database: all succeed and the result equals a single migration', async (t) => {
  const concurrent = await emptyDatabase(t);
  const single = await emptyDatabase(t);
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => migrate(concurrent)));
  t.deepEqual(
    results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    [],
  );
  await migrate(single);
  t.deepEqual(await fingerprint(concurrent), await fingerprint(single));
});

test('every applied migration is recorded with the sha256 of its shipped file', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const shipped = await shippedMigrations();
  t.deepEqual(
    await queryUrl(url, 'SELECT name, sha256 FROM flowfabric.ff_migration_checksum ORDER BY name'),
    shipped.map((m) => ({ name: m.name, sha256: m.sha256 })),
  );
});

test('migrate refuses a database whose recorded migration differs from the shipped file, and changes nothing', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const last = (await shippedMigrations()).at(-1)!;
  await queryUrl(url, `UPDATE flowfabric.ff_migration_checksum SET sha256 = repeat('0', 64) WHERE name = $1`, [last.name]);
  const before = await fingerprint(url);
  const error = await t.throwsAsync(migrate(url), { code: MIGRATION_MISMATCH } as object);
  t.true(error!.message.includes(last.name));
  t.deepEqual(await fingerprint(url), before);
});

test('migrate refuses a migration recorded without a checksum, except 0.1.0 (released before checksums)', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  await queryUrl(url, `DELETE FROM flowfabric.ff_migration_checksum WHERE name = $1`, [RELEASED_0_1_0]);
  await t.notThrowsAsync(migrate(url));
  const last = (await shippedMigrations()).at(-1)!;
  await queryUrl(url, `DELETE FROM flowfabric.ff_migration_checksum WHERE name = $1`, [last.name]);
  const error = await t.throwsAsync(migrate(url), { code: MIGRATION_MISMATCH } as object);
  t.true(error!.message.includes(last.name));
});

test('migrate refuses a database holding a migration this flowstage does not ship (installed by a newer one)', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  await queryUrl(
    url,
    `INSERT INTO flowfabric.ff_schema_migrations (name, run_on) VALUES ('9999999999999_flowstage-9.9.9', now())`,
  );
  const error = await t.throwsAsync(migrate(url), { code: MIGRATION_MISMATCH } as object);
  t.true(error!.message.includes('9999999999999_flowstage-9.9.9'));
});

// ---- upgrade from 0.1.0 ---------------------------------------------------------------------

interface Loaded {
  url: string;
  /** Flow a -> b -> c: started, a completed (its cascade job queued, its outbox row pending). */
  running: string;
  /** Every row of every table of flowfabric and graphile_worker before the upgrade, by table. */
  before: Record<string, Record<string, unknown>[]>;
}

/**
 * A database installed at 0.1.0 only (its released migration), holding flows as 0.1.0's
 * functions left them mid-run, then upgraded to HEAD with migrate(). Calls use 0.1.0's API.
 */
async function upgradedFrom010(t: ExecutionContext): Promise<Loaded> {
  const url = await emptyDatabase(t);
  await migrate(url, { count: 1 });
  t.deepEqual(
    (await queryUrl(url, 'SELECT name FROM flowfabric.ff_schema_migrations')).map((r) => r.name),
    [RELEASED_0_1_0],
  );

  const call = async (sql: string, params: unknown[] = []) => (await queryUrl(url, `SELECT * FROM flowfabric.${sql}`, params))[0];
  const flow = async (namespace: string, tasks: string[]) => {
    const flowId = randomUUID();
    await call('ff_create_flow(p_flow_id => $1::uuid, p_namespace => $2::text)', [flowId, namespace]);
    const ids: string[] = [];
    for (const [i, task] of tasks.entries()) {
      const { execution_id: id } = await call(
        'ff_create_execution(p_flow_id => $1::uuid, p_task_identifier => $2::text, p_payload => $3::jsonb)',
        [flowId, task, JSON.stringify({ step: i })],
      );
      await call('ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)', [flowId, id]);
      ids.push(id);
    }
    return { flowId, ids };
  };
  const stage = async (flowId: string, up: string, down: string) => {
    const edgeId = randomUUID();
    const { graph_revision: revision } = await call('ff_describe_flow(p_flow_id => $1::uuid)', [flowId]);
    await call(
      `ff_stage_dependency_edge(p_flow_id => $1::uuid, p_edge_id => $2::uuid, p_upstream_execution_id => $3::text,
      p_downstream_execution_id => $4::text, p_expected_graph_revision => $5::bigint, p_data_passing_ref => 'input')`,
      [flowId, edgeId, up, down, revision],
    );
    return edgeId;
  };

  // Started: a -> b -> c, and a already run by a 0.1.0 worker (attempt begun, completed, its
  // job done), so its cascade job and outbox row wait for the next worker.
  const running = await flow('upgrade', ['step', 'step', 'step']);
  const [a, b, c] = running.ids;
  for (const [up, down] of [
    [a, b],
    [b, c],
  ]) {
    await call('ff_apply_dependency_to_child(p_flow_id => $1::uuid, p_edge_id => $2::uuid)', [
      running.flowId,
      await stage(running.flowId, up, down),
    ]);
  }
  await call('ff_start_flow(p_flow_id => $1::uuid)', [running.flowId]);
  t.is((await call('ff_begin_attempt(p_execution_id => $1::text)', [a])).status, 'started');
  await call(`ff_complete_execution(p_execution_id => $1::text, p_outcome => 'success', p_result => '{"value": 1}'::jsonb)`, [a]);
  await queryUrl(
    url,
    `SELECT graphile_worker.complete_jobs(ARRAY(SELECT j.id FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'step'))`,
  );
  // Staged, not applied, not started.
  const staged = await flow('upgrade', ['step', 'step']);
  await stage(staged.flowId, staged.ids[0], staged.ids[1]);
  // Cancelled.
  const cancelled = await flow('upgrade', ['step']);
  await call(`ff_cancel_flow(p_flow_id => $1::uuid, p_reason => 'upgrade test')`, [cancelled.flowId]);
  // An execution of no flow.
  await call(`ff_create_execution(p_task_identifier => 'loose')`);

  const before = await tableRows(url);
  t.is(before['flowfabric.ff_completion_outbox'].filter((r) => r.cascaded_at_ms === null).length, 1);
  t.is(before['graphile_worker._private_jobs'].length, 1);
  await migrate(url);
  return { url, running: running.flowId, before };
}

test('a 0.1.0 database with flows mid-run upgrades to the catalogue of a fresh install', async (t) => {
  const { url } = await upgradedFrom010(t);
  const fresh = await emptyDatabase(t);
  await migrate(fresh);
  const expected = await fingerprint(fresh);
  const actual = await fingerprint(url);
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    t.deepEqual(actual[key], expected[key], key);
  }
});

test('upgrading from 0.1.0 keeps every row of every table', async (t) => {
  const { url, before } = await upgradedFrom010(t);
  await assertRowsKept(t, url, before);
});

test('flows started under 0.1.0 run to completion under HEAD after the upgrade', async (t) => {
  const { url, running } = await upgradedFrom010(t);
  await drain(url, { step: (payload) => payload });
  const [flow] = await queryUrl(url, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1::uuid)', [
    running,
  ]);
  t.is(flow.public_flow_state, 'completed');
  t.deepEqual(
    await queryUrl(url, 'SELECT count(*)::int AS pending FROM flowfabric.ff_completion_outbox WHERE cascaded_at_ms IS NULL'),
    [{ pending: 0 }],
  );
});

test('a session holding the install lock makes migrate fail after lockTimeoutMs, naming it, instead of waiting forever', async (t) => {
  const login = await createLogin(t);
  const url = await emptyDatabase(t);
  const stranger = poolAs(t, login, url);
  const held = await stranger.connect();
  t.teardown(() => held.release());
  await held.query(`SELECT pg_advisory_lock(hashtext('flowstage.migrate'))`);
  const {
    rows: [{ pid }],
  } = await held.query('SELECT pg_backend_pid() AS pid');
  const error = await t.throwsAsync(migrate(url, { lockTimeoutMs: 500 }));
  t.regex(error!.message, new RegExp(`install lock.*pid ${pid} \\(user ${login.name}`));
  t.deepEqual(await queryUrl(url, `SELECT nspname FROM pg_namespace WHERE nspname IN ('flowfabric', 'graphile_worker')`), []);
  await held.query(`SELECT pg_advisory_unlock(hashtext('flowstage.migrate'))`);
  await migrate(url, { lockTimeoutMs: 500 });
});

test("a session holding node-pg-migrate's own advisory lock does not block migrate (flowstage does not take it)", async (t) => {
  const login = await createLogin(t);
  const url = await emptyDatabase(t);
  const held = await poolAs(t, login, url).connect();
  t.teardown(() => held.release());
  await held.query('SELECT pg_advisory_lock(7241865325823964)');
  await migrate(url, { lockTimeoutMs: 5000 });
  t.true((await queryUrl(url, `SELECT 1 FROM pg_namespace WHERE nspname = 'flowfabric'`)).length === 1);
});
