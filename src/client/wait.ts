// waitForFlow: resolve when a flow leaves `open`. It reads the flow only through ff_describe_flow,
// polling with backoff (pollMs doubling up to maxPollMs), and, when it has a connection to LISTEN
// on, also listens on the flow's namespace channel `flowstage:<namespace>`: a notification only
// wakes the next read early. Notifications are opt-in per namespace (ff_set_namespace_notify, off by
// default), so the poll is what guarantees progress; the notification is what makes it prompt.
import pg from 'pg';
import { describeFlow, type DescribeFlowRow, type PublicFlowState } from '../generated/functions.js';
import type { Queryable } from './queryable.js';

/** The flow's description (ff_describe_flow's row) once it has left `open`. */
export type FinishedFlow = DescribeFlowRow & { public_flow_state: Exclude<PublicFlowState, 'open'> };

export interface WaitForFlowOptions {
  /** Reject with FlowWaitTimeoutError after this many milliseconds; default: no limit. */
  timeoutMs?: number;
  /** Reject with FlowWaitAbortedError when this signal aborts. */
  signal?: AbortSignal;
  /** Milliseconds before the second read; doubled after each read up to maxPollMs. Default 50. */
  pollMs?: number;
  /** The longest pause between two reads, in milliseconds. Default 1000. */
  maxPollMs?: number;
  /**
   * LISTEN on `flowstage:<namespace>` (default true). It needs a connection that stays open: a
   * connection string (waitForFlow opens and closes its own connection), a pg.Pool (one client is
   * held for the wait, for the LISTEN and the reads, and released after), or a pg.Client /
   * pg.PoolClient (LISTEN on it, UNLISTEN after: do not share the channel with a LISTEN of your own
   * on that client). Anything else with `query` (Graphile Worker's helpers) is polled only.
   */
  listen?: boolean;
  /** Called with every description read, the first one included (progress displays). */
  onCheck?: (flow: DescribeFlowRow) => void;
}

/** Rejection of waitForFlow when timeoutMs passed first; `flow` is the last description read, if any. */
export class FlowWaitTimeoutError extends Error {
  readonly code = 'wait_timeout';
  constructor(
    readonly flowId: string,
    readonly timeoutMs: number,
    readonly flow: DescribeFlowRow | undefined,
  ) {
    super(`flow ${flowId} is still ${flow?.public_flow_state ?? 'unread'} after ${timeoutMs} ms`);
    this.name = 'FlowWaitTimeoutError';
  }
}

/** Rejection of waitForFlow when its signal aborted; `cause` is the signal's reason. */
export class FlowWaitAbortedError extends Error {
  readonly code = 'wait_aborted';
  constructor(
    readonly flowId: string,
    reason: unknown,
  ) {
    super(`waiting for flow ${flowId} was aborted`, { cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * Resolves with the flow's description once its public_flow_state is completed, failed or
 * cancelled (at once if it already is). Rejects with FlowNotFoundError for an unknown flow, with
 * FlowWaitTimeoutError after `timeoutMs`, with FlowWaitAbortedError when `signal` aborts, and with
 * any error of the reads. `db` is a connection string, a pg.Pool, a pg.Client or anything with pg's
 * `query` (see `listen`).
 */
export async function waitForFlow(
  db: Queryable | string,
  flowId: string,
  options: WaitForFlowOptions = {},
): Promise<FinishedFlow> {
  const { timeoutMs, signal } = options;
  const pollMs = options.pollMs ?? 50;
  const maxPollMs = Math.max(options.maxPollMs ?? 1000, pollMs);
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new RangeError(`timeoutMs: must be >= 0 (got ${timeoutMs})`);
  if (!(pollMs > 0)) throw new RangeError(`pollMs: must be > 0 (got ${pollMs})`);
  if (signal?.aborted) throw new FlowWaitAbortedError(flowId, signal.reason);

  let last: DescribeFlowRow | undefined;
  let stopped = false;
  // One sleeping read at a time: a notification ends the current pause, or the next one at once.
  let wake: (() => void) | undefined;
  let woken = false;
  const notify = () => {
    if (wake) wake();
    else woken = true;
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) {
        woken = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => reject(new FlowWaitTimeoutError(flowId, timeoutMs, last)), timeoutMs);
    if (signal) {
      onAbort = () => reject(new FlowWaitAbortedError(flowId, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  cancelled.catch(() => {}); // rejected after the wait may already have settled

  let opened = false;
  const connection = openListener(db, options.listen ?? true, notify, () => cancelled);
  connection.then(
    () => {
      opened = true;
    },
    () => {},
  );
  try {
    return await Promise.race([
      cancelled,
      (async () => {
        const conn = await connection;
        const read = async () => {
          const [flow] = await describeFlow(conn.reads, { flowId });
          last = flow;
          options.onCheck?.(flow);
          return flow;
        };
        let flow = await read();
        if (conn.listen && flow.public_flow_state === 'open' && !stopped) {
          // LISTEN, then read again: a change committed between the first read and the LISTEN is seen.
          await conn.listen(`flowstage:${flow.namespace}`);
          flow = await read();
        }
        for (let delay = pollMs; flow.public_flow_state === 'open'; delay = Math.min(delay * 2, maxPollMs)) {
          await pause(delay);
          if (stopped) return new Promise<never>(() => {}); // the race is already lost
          flow = await read();
        }
        return flow as FinishedFlow;
      })(),
    ]);
  } finally {
    stopped = true;
    wake?.();
    if (timer) clearTimeout(timer);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    // Closed before the wait settles, unless it is still connecting (a hung connect must not hold the rejection).
    const closing = connection.then(
      (conn) => conn.close(),
      () => {},
    );
    if (opened) await closing;
  }
}

interface Listener {
  /** Where the reads go. */
  reads: Queryable;
  /** LISTEN on a channel; undefined when this wait only polls. */
  listen?: (channel: string) => Promise<void>;
  /** UNLISTEN and give the connection back (never throws). */
  close: () => Promise<void>;
}

type Notifiable = Queryable & {
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
};

function isPool(db: object): db is pg.Pool {
  return typeof (db as pg.Pool).connect === 'function' && typeof (db as pg.Pool).totalCount === 'number';
}

function isClient(db: object): db is Notifiable {
  return typeof (db as Notifiable).on === 'function' && typeof (db as Notifiable).removeListener === 'function';
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The connection a wait reads on and listens on, by the kind of `db` it was given. */
async function openListener(
  db: Queryable | string,
  listen: boolean,
  notify: () => void,
  cancelled: () => Promise<never>,
): Promise<Listener> {
  if (typeof db === 'string') {
    const client = new pg.Client({ connectionString: db });
    client.on('error', () => {}); // a failed read rejects the wait; a dead idle socket must not crash the process
    await client.connect();
    return { reads: client, ...listenOn(client, listen, notify), close: () => client.end().catch(() => {}) };
  }
  if (listen && isPool(db)) {
    // One client held for the wait, for the LISTEN and the reads (a pool of one connection works too).
    const acquiring = db.connect();
    const client = await Promise.race([acquiring, cancelled()]).catch((error) => {
      void acquiring.then(
        (c) => c.release(),
        () => {},
      );
      throw error;
    });
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    const own = listenOn(client, true, notify);
    return {
      reads: client,
      listen: own.listen,
      close: async () => {
        if (!broken) await own.close();
        client.removeListener('error', onError);
        client.release(broken ?? false);
      },
    };
  }
  if (listen && isClient(db)) return { reads: db, ...listenOn(db, true, notify) };
  return { reads: db, close: async () => {} };
}

function listenOn(client: Notifiable, listen: boolean, notify: () => void): Pick<Listener, 'listen' | 'close'> {
  if (!listen) return { close: async () => {} };
  let channel: string | undefined;
  const onNotification = (message: { channel: string }) => {
    if (message.channel === channel) notify();
  };
  return {
    listen: async (name) => {
      channel = name;
      client.on('notification', onNotification);
      await client.query(`LISTEN ${quoteIdentifier(name)}`);
    },
    close: async () => {
      if (channel === undefined) return;
      client.removeListener('notification', onNotification);
      await client.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => {});
    },
  };
}
