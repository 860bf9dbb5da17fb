// Each test gets its own database, cloned from the migrated template that `npm test` prepared.
import { randomUUID } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { withDatabaseName } from '../../src/database.js';
import { checkResultTypes } from './result-types.js';

const serverUrl = process.env.FLOWSTAGE_TEST_SERVER_URL;
const template = process.env.FLOWSTAGE_TEST_TEMPLATE;
if (!serverUrl || !template) {
  throw new Error('Run the tests with `npm test`: it starts PostgreSQL and prepares the template database.');
}

let admin: pg.Pool | undefined;
function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: serverUrl, max: 2 });
  return admin;
}

/**
 * pool.end() resolves before idle sockets have closed; the DROP ... WITH (FORCE) of a test database
 * may then terminate them (57P01), and an unheard 'error' event would kill the test worker.
 * Any other connection error still surfaces.
 */
function tolerateTeardown(pool: pg.Pool): void {
  const onError = (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  };
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
}

/** A fresh migrated database for this test, dropped when the test ends. */
export async function testDatabase(t: ExecutionContext, options: { max?: number } = {}): Promise<pg.Pool> {
  const name = `flowstage_test_${randomUUID().replaceAll('-', '')}`;
  await adminPool().query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const connectionString = withDatabaseName(serverUrl!, name);
  const pool = new pg.Pool({ connectionString, max: options.max ?? 4 });
  tolerateTeardown(pool);
  t.teardown(async () => {
    await pool.end();
    await adminPool().query(`DROP DATABASE ${name} WITH (FORCE)`);
  });
  await checkResultTypes(pool); // from the first test database on: see ./result-types.ts
  return pool;
}

/** A fresh migrated database not tied to a test's lifetime (a property test makes one per run); drop() removes it. */
export async function cloneTemplate(): Promise<{ pool: pg.Pool; drop: () => Promise<void> }> {
  const name = `flowstage_test_${randomUUID().replaceAll('-', '')}`;
  await adminPool().query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const pool = new pg.Pool({ connectionString: withDatabaseName(serverUrl!, name), max: 1 });
  tolerateTeardown(pool);
  return {
    pool,
    drop: async () => {
      await pool.end();
      await adminPool().query(`DROP DATABASE ${name} WITH (FORCE)`);
    },
  };
}

/** The connection string of a test database, for code that opens its own connections. */
export function connectionStringOf(pool: pg.Pool): string {
  return (pool as unknown as { options: { connectionString: string } }).options.connectionString;
}
