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

/** The pool for flowstage's own calls: asynchronous commit unless `synchronousCommit`. */
export function callPool(connectionString: string, size: number, synchronousCommit: boolean): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: size,
    ...(synchronousCommit ? {} : { options: '-c synchronous_commit=off' }),
  });
}
