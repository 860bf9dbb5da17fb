// Installs flowstage into a database: Graphile Worker's schema (its own migrator), then
// flowstage's migrations (node-pg-migrate, db/migrations). Safe to run twice and concurrently.
import { fileURLToPath } from 'node:url';
import { Logger, runMigrations as runGraphileWorkerMigrations } from 'graphile-worker';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('../db/migrations', import.meta.url));
// One session-level advisory lock serialises concurrent migrators of a database.
const MIGRATE_LOCK_KEY = 'flowstage.migrate';
const silentGraphileLogger = new Logger(() => () => {});

export interface MigrateOptions {
  /** Receives progress lines; silent when omitted. */
  log?: (message: string) => void;
}

export async function migrate(connectionString: string, options: MigrateOptions = {}): Promise<void> {
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATE_LOCK_KEY]);
    await runGraphileWorkerMigrations({ connectionString, logger: silentGraphileLogger });
    await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'ff_schema_migrations',
      migrationsSchema: 'flowfabric',
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log,
    });
  } finally {
    await client.end();  // ending the session releases the advisory lock
  }
}
