// withRevisionRetry: optimistic staging against a flow's graph revision. Each attempt re-reads the
// flow (ff_describe_flow) and hands its current graph_revision to the caller's staging callback;
// stale_graph_revision (FF006) means another writer changed the graph first, so the attempt is
// repeated, at most `attempts` times. Exact stage retries are idempotent in SQL (already_staged),
// so a callback that stages several edges can simply run again.
import { describeFlow } from '../generated/functions.js';
import { StaleGraphRevisionError } from '../generated/errors.js';
import type { Queryable } from './queryable.js';

export interface RevisionRetryOptions {
  /** How many attempts in all, 1 or more; default 5. The last StaleGraphRevisionError is thrown when they run out. */
  attempts?: number;
  /**
   * Set when `db` is a client inside a transaction you opened: each attempt then runs under a
   * SAVEPOINT and a failed attempt is rolled back to it, so the transaction stays usable (a refused
   * statement otherwise aborts it). Leave unset for a pg.Pool, where every call is its own transaction.
   */
  savepoint?: boolean;
}

/** The attempt a staging callback is running. */
export interface RevisionAttempt {
  /** The flow's graph_revision as just read (bigint as a decimal string). */
  graphRevision: string;
  /** 1 for the first attempt. */
  attempt: number;
}

const SAVEPOINT = 'flowstage_revision_retry';

/** Runs `stage` with the flow's current revision, again on stale_graph_revision, up to `attempts` times. */
export async function withRevisionRetry<T>(
  db: Queryable,
  flowId: string,
  stage: (current: RevisionAttempt) => Promise<T>,
  options: RevisionRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`attempts: must be an integer >= 1 (got ${attempts})`);
  }
  for (let attempt = 1; ; attempt++) {
    if (options.savepoint) await db.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      const [flow] = await describeFlow(db, { flowId });
      const result = await stage({ graphRevision: flow!.graph_revision, attempt });
      if (options.savepoint) await db.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      return result;
    } catch (error) {
      if (options.savepoint) {
        try {
          await db.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
          await db.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        } catch {
          throw error; // the connection itself failed: report the attempt's error, not the cleanup's
        }
      }
      if (!(error instanceof StaleGraphRevisionError) || attempt >= attempts) throw error;
    }
  }
}
