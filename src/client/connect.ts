// Connection helpers: the generated functions take any Queryable; these only open and close
// the connections and transactions around them.
import pg from 'pg';
import type { Queryable } from './queryable.js';

/** A pg.Pool-like object: hands out clients that must be released. */
export interface ConnectionPool {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
}

/** A pg.Pool for a connection string (pass it to every generated function; `end()` it when done). */
export function createPool(connectionString: string, config: Omit<pg.PoolConfig, 'connectionString'> = {}): pg.Pool {
  return new pg.Pool({ ...config, connectionString });
}

/**
 * Runs `work` in one transaction on a client of `pool`: BEGIN, then COMMIT when it resolves or
 * ROLLBACK when it throws (the error is rethrown). The client is released either way.
 */
export async function withTransaction<T>(pool: ConnectionPool, work: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}
