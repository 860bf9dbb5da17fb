// db/schema, db/functions and db/privileges describe what a database holds at HEAD (the desired
// state, scripts/desired-state.ts); the migrations are how an install gets there. A fresh
// install, and an upgrade of a 0.2.0 database holding flows mid-run, must end equal to the
// desired state, object by object. (The 0.1.0 upgrade is compared with a fresh install in
// test/migrations/migrate.test.ts, so it ends equal to the desired state too.)
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { runMigrations as runGraphileWorkerMigrations, Logger } from 'graphile-worker';
import pg from 'pg';
import { migrate } from '../../src/migrate.js';
import { desiredStateSql } from '../../scripts/desired-state.js';
import { fingerprint, type Fingerprint } from '../helpers/catalogue.js';
import { drain } from '../helpers/cascade.js';
import { emptyDatabase, queryUrl } from '../helpers/fixtures.js';
import { assertRowsKept, tableRows } from '../helpers/upgrade.js';

const RELEASED_0_2_0 = '1795737600000_flowstage-0.2.0';

/** A fingerprint without the migration bookkeeping, which only an install by migrations has. */
function schemaOnly(print: Fingerprint): Partial<Fingerprint> {
  const bookkeeping = (row: Record<string, unknown>) =>
    !Object.values(row).some((v) => typeof v === 'string' && v.startsWith('ff_schema_migrations'));
  const { migrations: _m, checksums: _c, ...rest } = print;
  return Object.fromEntries(
    Object.entries(rest).map(([key, rows]) => [key, (rows as Record<string, unknown>[]).filter(bookkeeping)]),
  );
}

function assertSameCatalogue(t: ExecutionContext, actual: Partial<Fingerprint>, expected: Partial<Fingerprint>) {
  for (const key of Object.keys(expected) as (keyof Fingerprint)[]) {
    t.deepEqual(actual[key], expected[key], key);
  }
}

async function desiredStateDatabase(t: ExecutionContext): Promise<string> {
  const url = await emptyDatabase(t);
  await runGraphileWorkerMigrations({ connectionString: url, logger: new Logger(() => () => {}) });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(await desiredStateSql());
  } finally {
    await client.end();
  }
  return url;
}

test('a fresh install by the migrations equals the desired state of db/, object by object', async (t) => {
  const fresh = await emptyDatabase(t);
  await migrate(fresh);
  const desired = await desiredStateDatabase(t);
  assertSameCatalogue(t, schemaOnly(await fingerprint(fresh)), schemaOnly(await fingerprint(desired)));
});

// ---- upgrade from 0.2.0 ---------------------------------------------------------------------

/**
 * A database installed at 0.2.0 (its two released migrations), holding flows as 0.2.0's functions
 * left them: one submitted and started with its first step run, one built and cancelled, one
 * staged only, a solo execution. Then upgraded to HEAD with migrate(). Calls use 0.2.0's API.
 */
async function upgradedFrom020(t: ExecutionContext) {
  const url = await emptyDatabase(t);
  await migrate(url, { count: 2 });
  t.deepEqual(
    (await queryUrl(url, 'SELECT name FROM flowfabric.ff_schema_migrations ORDER BY id')).map((r) => r.name).at(-1),
    RELEASED_0_2_0,
  );
  const call = async (sql: string, params: unknown[] = []) => (await queryUrl(url, `SELECT * FROM flowfabric.${sql}`, params))[0];

  const running = randomUUID();
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const plan = {
    executions: [a, b, c].map((id, i) => ({ execution_id: id, task_identifier: 'step', payload: { step: i } })),
    edges: [
      [a, b],
      [b, c],
    ].map(([up, down]) => ({
      edge_id: randomUUID(),
      upstream_execution_id: up,
      downstream_execution_id: down,
      data_passing_ref: 'input',
    })),
  };
  await call('ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb, p_start => true)', [running, JSON.stringify(plan)]);
  t.is((await call('ff_begin_attempt(p_execution_id => $1::text)', [a])).status, 'started');
  await call(`ff_complete_execution(p_execution_id => $1::text, p_outcome => 'success', p_result => '{"value": 1}'::jsonb)`, [a]);
  await queryUrl(
    url,
    `SELECT graphile_worker.complete_jobs(ARRAY(SELECT j.id FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'step'
    AND j.payload->>'execution_id' LIKE '%' || $1::text))`,
    [a],
  );

  const cancelled = randomUUID();
  await call('ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
    cancelled,
    JSON.stringify({ executions: [{ execution_id: randomUUID(), task_identifier: 'step' }] }),
  ]);
  await call(`ff_cancel_flow(p_flow_id => $1::uuid, p_reason => 'upgrade test')`, [cancelled]);
  const staged = randomUUID();
  await call('ff_create_flow(p_flow_id => $1::uuid)', [staged]);
  await call(`ff_create_execution(p_task_identifier => 'loose')`);
  await call(`ff_set_namespace_notify(p_namespace => 'upgrade', p_enabled => true)`);

  const before = await tableRows(url);
  await migrate(url);
  return { url, running, before };
}

test('a 0.2.0 database with flows mid-run upgrades to the desired state, object by object', async (t) => {
  const { url } = await upgradedFrom020(t);
  const desired = await desiredStateDatabase(t);
  assertSameCatalogue(t, schemaOnly(await fingerprint(url)), schemaOnly(await fingerprint(desired)));
  const fresh = await emptyDatabase(t);
  await migrate(fresh);
  const [upgraded, installed] = [await fingerprint(url), await fingerprint(fresh)];
  t.deepEqual(upgraded.migrations, installed.migrations);
  t.deepEqual(upgraded.checksums, installed.checksums);
});

test('upgrading from 0.2.0 keeps every row of every table', async (t) => {
  const { url, before } = await upgradedFrom020(t);
  await assertRowsKept(t, url, before);
});

test('a flow started under 0.2.0 runs to completion after the upgrade', async (t) => {
  const { url, running } = await upgradedFrom020(t);
  await drain(url, { step: (payload) => payload });
  const [flow] = await queryUrl(url, 'SELECT public_flow_state FROM flowfabric.ff_describe_flow(p_flow_id => $1::uuid)', [
    running,
  ]);
  t.is(flow.public_flow_state, 'completed');
});
