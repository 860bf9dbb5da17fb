// The dashboard's live feed: one watcher for every open page. It learns what changed from the
// mutation log with ONE keyset query per tick (ff_poll_flow_events, event_id > cursor), run at most
// every 500 ms while some page needs polling, or only when a LISTENed namespace notifies when every
// open page is covered by a namespace whose notifications are on (docs/semantics.md §5). What a
// change means for a page is then read once per changed flow and sent to every page watching it.
import type { ServerResponse } from 'node:http';
import type pg from 'pg';
import {
  flowGraph,
  flowProgress,
  listFlowEvents,
  pollFlowEvents,
  type FlowProgressRow,
  type ListFlowEventsRow,
} from '../generated/functions.js';
import type { Queryable } from '../client/queryable.js';

export const POLL_INTERVAL_MS = 500;
/** How long the cursor waits for an event_id skipped by a transaction that had not committed yet. */
const GAP_PATIENCE_MS = 10_000;
/** In LISTEN mode, a poll this often anyway (a notification lost with a dropped connection). */
const SAFETY_POLL_MS = 15_000;

export interface Subscriber {
  kind: 'list' | 'flow';
  /** The flow of a flow page. */
  flowId?: string;
  /** The namespace whose notifications cover this page (a flow's namespace, a list's filter), if known. */
  namespace?: string | null;
  res: ServerResponse;
}

/** Flows up to this size also get their edges' states live (the page draws their edges one by one). */
const LIVE_EDGES_MAX_NODES = 1500;

interface Watched {
  /** execution id -> "state attempts" last sent. */
  states: Map<string, string>;
  /** edge id -> state last sent (small flows only). */
  edges: Map<string, string>;
  lastEventId: number;
  full: boolean;
}

export class Live {
  readonly subscribers = new Set<Subscriber>();
  private cursor: number | undefined;
  private seen = new Set<number>();
  private gaps = new Map<number, number>();
  private watched = new Map<string, Watched>();
  private notifying = new Set<string>();
  private listening = new Set<string>();
  private listener: pg.PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastTick = 0;
  private closed = false;
  mode: 'poll' | 'listen' | 'idle' = 'idle';

  constructor(
    private readonly db: Queryable,
    private readonly pool: pg.Pool,
  ) {}

  /** Sends one SSE message. */
  static send(res: ServerResponse, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  async add(subscriber: Subscriber): Promise<void> {
    this.subscribers.add(subscriber);
    subscriber.res.on('close', () => this.remove(subscriber));
    if (subscriber.kind === 'flow') {
      const w = this.watched.get(subscriber.flowId!);
      if (w) w.full = true;
      else
        this.watched.set(subscriber.flowId!, { states: new Map(), edges: new Map(), lastEventId: this.cursor ?? -1, full: true });
    }
    await this.plan();
    this.schedule(0);
  }

  private remove(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (subscriber.kind === 'flow' && ![...this.subscribers].some((s) => s.flowId === subscriber.flowId)) {
      this.watched.delete(subscriber.flowId!);
    }
    void this.plan().catch(() => {});
  }

  /** Namespaces learned from progress rows: notify on or off. */
  learn(rows: Pick<FlowProgressRow, 'namespace' | 'notify'>[]): void {
    for (const r of rows) {
      if (r.notify) this.notifying.add(r.namespace);
      else this.notifying.delete(r.namespace);
    }
  }

  private covered(s: Subscriber): boolean {
    return typeof s.namespace === 'string' && this.notifying.has(s.namespace);
  }

  /** Decides poll or listen, and LISTENs to the namespaces that cover some page. */
  private async plan(): Promise<void> {
    if (this.closed) return;
    const all = [...this.subscribers];
    this.mode = all.length === 0 ? 'idle' : all.every((s) => this.covered(s)) ? 'listen' : 'poll';
    const wanted = new Set(all.filter((s) => this.covered(s)).map((s) => s.namespace!));
    if (wanted.size === 0 && this.listening.size === 0) return;
    if (!this.listener) {
      this.listener = await this.pool.connect();
      this.listener.on('notification', () => this.schedule(0));
      this.listener.on('error', () => {
        this.listener = undefined;
        this.listening.clear();
      });
    }
    for (const ns of wanted) {
      if (!this.listening.has(ns)) {
        await this.listener.query(`LISTEN "${`flowstage:${ns}`.replace(/"/g, '""')}"`);
        this.listening.add(ns);
      }
    }
    for (const ns of [...this.listening]) {
      if (!wanted.has(ns)) {
        await this.listener.query(`UNLISTEN "${`flowstage:${ns}`.replace(/"/g, '""')}"`);
        this.listening.delete(ns);
      }
    }
  }

  /** Runs a tick after `delay` ms, never sooner than POLL_INTERVAL_MS after the last one. */
  private schedule(delay: number): void {
    if (this.closed || this.subscribers.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = Math.max(delay, this.lastTick + POLL_INTERVAL_MS - Date.now());
    if (this.timer) {
      if (wait > 0 && delay > 0) return; // a tick is already planned
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.running = this.tick()
          .catch((error) => this.broadcastError(error))
          .finally(() => {
            this.running = undefined;
            this.lastTick = Date.now();
            if (this.again) {
              this.again = false;
              this.schedule(0);
            } else if (this.mode === 'poll') this.schedule(POLL_INTERVAL_MS);
            else if (this.mode === 'listen') this.schedule(SAFETY_POLL_MS);
          });
      },
      Math.max(0, wait),
    );
  }

  private broadcastError(error: unknown): void {
    for (const s of this.subscribers) Live.send(s.res, 'problem', { error: String((error as Error)?.message ?? error) });
  }

  /** One query to learn what changed, then one read per changed flow that a page shows. */
  private async tick(): Promise<void> {
    if (this.subscribers.size === 0) return;
    if (this.cursor === undefined) {
      const [last] = await pollFlowEvents(this.db, {});
      this.cursor = last ? Number(last.event_id) : 0;
      for (const w of this.watched.values()) if (w.lastEventId < 0) w.lastEventId = this.cursor;
    }
    let cursor: number = this.cursor;
    const rows = await pollFlowEvents(this.db, { after: cursor, limit: 1000 });
    const changed = new Set<string>();
    let max = cursor;
    for (const r of rows) {
      const id = Number(r.event_id);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      this.gaps.delete(id);
      changed.add(r.flow_id);
      if (id > max) max = id;
    }
    // Advance the cursor over what was seen; an id skipped below a seen one may belong to a
    // transaction still running: wait for it up to GAP_PATIENCE_MS (a rollback never fills it).
    const now = Date.now();
    for (let id = cursor + 1; id <= max; id++) if (!this.seen.has(id) && !this.gaps.has(id)) this.gaps.set(id, now);
    while (cursor < max) {
      const next: number = cursor + 1;
      if (this.seen.has(next)) this.seen.delete(next);
      else if (now - (this.gaps.get(next) ?? now) >= GAP_PATIENCE_MS) this.gaps.delete(next);
      else break;
      cursor = next;
    }
    this.cursor = cursor;
    if (rows.length === 1000) this.again = true;

    const full = [...this.watched].filter(([, w]) => w.full).map(([id]) => id);
    const flowIds = [...new Set([...changed, ...full])];
    if (flowIds.length === 0) return;
    const lists = [...this.subscribers].filter((s) => s.kind === 'list');
    const needed = flowIds.filter((id) => lists.length > 0 || this.watched.has(id));
    if (needed.length === 0) return;
    const progress: FlowProgressRow[] = [];
    for (let i = 0; i < needed.length; i += 1000)
      progress.push(...(await flowProgress(this.db, { flowIds: needed.slice(i, i + 1000) })));
    this.learn(progress);
    const byId = new Map(progress.map((p) => [p.flow_id, p]));
    if (lists.length > 0) {
      const changedRows = progress.filter((p) => changed.has(p.flow_id));
      if (changedRows.length > 0) for (const s of lists) Live.send(s.res, 'flows', { flows: changedRows });
    }
    for (const flowId of flowIds) {
      const w = this.watched.get(flowId);
      if (!w) continue;
      const pages = [...this.subscribers].filter((s) => s.kind === 'flow' && s.flowId === flowId);
      const flow = byId.get(flowId) ?? null;
      for (const s of pages) s.namespace = flow?.namespace ?? s.namespace;
      const members: { id: string; state: string; attempts: number }[] = [];
      const current = new Map<string, string>();
      // Every member's state in one round trip (ff_flow_graph; edges too for a small flow); only changes are sent.
      const small = flow !== null && Number(flow.node_count) <= LIVE_EDGES_MAX_NODES;
      const [graph] = flow ? await flowGraph(this.db, { flowId, edges: small }) : [];
      for (const [id, state, , attempts] of (graph?.members ?? []) as [string, string, unknown, number][]) {
        const key = `${state} ${attempts}`;
        current.set(id, key);
        if (w.full || w.states.get(id) !== key) members.push({ id, state, attempts });
      }
      const edges: { id: string; state: string }[] = [];
      const edgeStates = new Map<string, string>();
      for (const [id, , , state] of (graph?.edges ?? []) as [string, string, string, string][]) {
        edgeStates.set(id, state);
        if (w.full || w.edges.get(id) !== state) edges.push({ id, state });
      }
      let log: ListFlowEventsRow[] = [];
      if (flow && changed.has(flowId)) {
        for (let after = w.lastEventId; ;) {
          const batch = await listFlowEvents(this.db, { flowId, after: after < 0 ? null : after, limit: 1000 });
          log = log.concat(batch);
          if (batch.length < 1000) break;
          after = Number(batch[batch.length - 1].event_id);
        }
        if (log.length > 0) w.lastEventId = Number(log[log.length - 1].event_id);
      }
      const message = { flow, members, edges, full: w.full, log };
      w.states = current;
      w.edges = edgeStates;
      w.full = false;
      for (const s of pages) Live.send(s.res, 'state', message);
    }
    await this.plan();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
    this.listener?.release();
    this.listener = undefined;
  }
}
