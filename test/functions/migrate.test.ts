// src/migrate.ts: installing is idempotent and safe to run concurrently (STYLE 9).
import test from 'ava';
import pg from 'pg';
import { migrate } from '../../src/migrate.js';
import { emptyDatabase } from '../helpers/fixtures.js';

/** Everything installed in a database: schemas, tables, columns, indexes, constraints, triggers, functions, seeded rows. */
async function fingerprint(connectionString: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    const mine = `NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;
    return {
      schemas: await q(`SELECT nspname FROM pg_namespace WHERE nspname ${mine} AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%' ORDER BY 1`),
      columns: await q(`SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema ${mine} ORDER BY 1, 2, ordinal_position`),
      indexes: await q(`SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname ${mine} ORDER BY 1, 2, 3`),
      constraints: await q(`SELECT n.nspname, c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname ${mine} ORDER BY 1, 2, 3`),
      triggers: await q(`SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
        WHERE NOT tgisinternal ORDER BY 1, 2`),
      functions: await q(`SELECT p.oid::regprocedure::text AS signature, md5(pg_get_functiondef(p.oid)) AS def,
          obj_description(p.oid, 'pg_proc') AS comment
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname ${mine} AND p.prokind <> 'a' ORDER BY 1`),
      errors: await q(`SELECT * FROM flowfabric.ff_error ORDER BY code`),
      migrations: await q(`SELECT name FROM flowfabric.ff_schema_migrations ORDER BY id`),
      workerMigrations: await q(`SELECT count(*)::int AS n FROM graphile_worker.migrations`),
    };
  } finally {
    await client.end();
  }
}

test('a fresh database is installed: flowfabric and graphile_worker schemas, every flowstage migration recorded in order', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const print = await fingerprint(url);
  t.true(print.schemas.some((s) => s.nspname === 'flowfabric'));
  t.true(print.schemas.some((s) => s.nspname === 'graphile_worker'));
  t.deepEqual(print.migrations.map((m) => m.name), ['1764115200000_flowstage-core', '1795737600000_flowstage-0.2.0']);
  t.is(print.errors.length, 14);
  t.true(print.workerMigrations[0].n > 0);
});

test('migrating twice is a no-op: the second run changes nothing', async (t) => {
  const url = await emptyDatabase(t);
  await migrate(url);
  const once = await fingerprint(url);
  await migrate(url);
  t.deepEqual(await fingerprint(url), once);
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
  t.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
  await migrate(single);
  t.deepEqual(await fingerprint(concurrent), await fingerprint(single));
});
