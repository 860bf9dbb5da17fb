// flowstage's own calls from the worker (begin an attempt, complete it, a cascade hop, a sibling
// cancel) go through a pool of their own, committed asynchronously (the client already sends
// each call as a named prepared statement).
//
// Asynchronous commit is safe here: each of these calls belongs to a Graphile Worker job, and
// Graphile Worker completes that job afterwards with a synchronous commit on its own connection,
// which flushes the write-ahead log up to its commit, so ours first. A server crash before that
// flush loses the job's completion along with ours: the job runs again (it is still locked by
// the dead worker until ff_reap_dead_workers unlocks it), as after any crash during a job.
import pg from 'pg';
import type { Queryable } from '../client/queryable.js';

/** The pool for flowstage's own calls: asynchronous commit unless `synchronousCommit`. */
export function callPool(connectionString: string, size: number, synchronousCommit: boolean): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: size,
    ...(synchronousCommit ? {} : { options: '-c synchronous_commit=off' }),
  });
}

/**
 * Whether an error means the connection was lost (the server terminated the backend, restarted,
 * or the network dropped), not that the statement was refused: the statement did not run, or
 * ran and committed without its answer reaching us.
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^08|^57P0[1-3]$/.test(code)) return true; // connection_exception, admin/crash shutdown, cannot_connect_now
  if (['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|not queryable|connection error|terminating connection/i.test(message);
}

/**
 * flowstage's calls from the worker, sent through `pool` and sent again on a fresh connection
 * when the connection was lost (up to 8 tries over about 5 s), so a terminated backend does not
 * fail the job, which would run the user's task again. Each call is one autocommitted
 * statement: sent again it either runs for the first time or, in the rare case where the first
 * committed and only its answer was lost, finds its work done (a completed execution reports
 * so; a second ff_begin_attempt counts one attempt more than the task ran).
 */
export function retryingCalls(pool: pg.Pool, stopped: () => boolean, warn: (message: string) => void): Queryable {
  return {
    async query(config, values) {
      for (let attempt = 1, delay = 50; ; attempt++, delay = Math.min(delay * 2, 1000)) {
        try {
          return await pool.query(config as pg.QueryConfig, values);
        } catch (error) {
          if (attempt >= 8 || stopped() || !isConnectionError(error)) throw error;
          warn(`connection lost during a call (${(error as Error).message}); sending it again in ${delay} ms`);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
  };
}
