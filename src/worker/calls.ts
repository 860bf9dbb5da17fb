// flowstage's own calls from the worker (begin an attempt, complete it, a cascade hop, a sibling
// cancel): on connections of their own, as named prepared statements, committed asynchronously.
//
// Asynchronous commit is safe here: each of these calls belongs to a Graphile Worker job, and
// Graphile Worker completes that job afterwards with a synchronous commit on its own connection,
// which flushes the write-ahead log up to its commit, so ours first. A server crash before that
// flush loses the job's completion along with ours: the job runs again (it is still locked by
// the dead worker until ff_reap_dead_workers unlocks it), as after any crash during a job.
import pg from 'pg';
import type { Queryable } from '../client/queryable.js';

/** A Queryable that sends every distinct statement text as a named prepared statement. */
export function preparedCalls(pool: pg.Pool): Queryable {
  const names = new Map<string, string>();
  return {
    query(text: string, values?: unknown[]) {
      let name = names.get(text);
      if (name === undefined) {
        name = `flowstage_${names.size}`;
        names.set(text, name);
      }
      return pool.query({ name, text, values });
    },
  };
}

/** The pool for flowstage's own calls: asynchronous commit unless `synchronousCommit`. */
export function callPool(connectionString: string, size: number, synchronousCommit: boolean): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: size,
    ...(synchronousCommit ? {} : { options: '-c synchronous_commit=off' }),
  });
}
