// The one scratch-database helper of the scripts that need a freshly migrated flowstage (the
// generators, the SQL lint): a database created on $DATABASE_URL's server, else on a throwaway
// embedded PostgreSQL, migrated, handed to the caller, and dropped again (the server stopped).
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../../src/database.js';
import { migrate } from '../../src/migrate.js';

export interface ScratchOptions {
  /** The database's name starts with this (then the pid and the time). */
  prefix: string;
  /** Also a clone of the migrated database (CREATE DATABASE ... TEMPLATE): its URL comes second. */
  clone?: boolean;
  /** This server only, never an embedded one (the caller needs an extension installed there). */
  serverUrl?: string;
}

/** Runs `body` with the URL of a migrated scratch database (and of its clone); drops them afterwards. */
export async function withScratchDatabase<T>(options: ScratchOptions, body: (urls: string[]) => Promise<T>): Promise<T> {
  const server =
    options.serverUrl === undefined ? await resolveServer() : { connectionString: options.serverUrl, stop: async () => {} };
  const base = `${options.prefix}_${process.pid}_${Date.now()}`;
  const names = options.clone ? [`${base}_a`, `${base}_b`] : [base];
  const admin = new pg.Client({ connectionString: server.connectionString });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${names[0]}`);
    try {
      await migrate(withDatabaseName(server.connectionString, names[0]));
      if (options.clone) await admin.query(`CREATE DATABASE ${names[1]} TEMPLATE ${names[0]}`);
      return await body(names.map((name) => withDatabaseName(server.connectionString, name)));
    } finally {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
  }
}
