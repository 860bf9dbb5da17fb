// `flowstage dashboard`: a live web page over one database, served by node:http alone (no
// framework: a dozen routes, and every byte it serves ships in the package). Reads and actions go
// through the flowfabric functions, as the login the dashboard connected with, so that login's
// privileges decide what it may do and the audit log (ff_flow_event.actor) records it.
// Security (docs/dashboard.md#security): 127.0.0.1 by default; any other host needs a token,
// checked on every request (SSE included); POSTs need the token and a same-origin request; the
// page renders every value as text and runs under a Content-Security-Policy without inline script.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { FlowstageError } from '../client/errors.js';
import type { Queryable, QueryConfigLike } from '../client/queryable.js';
import { toFlowstageError } from '../client/runtime.js';
import {
  cancelFlow,
  describeExecution,
  describeFlow,
  explainExecution,
  flowGraph,
  flowProgress,
  listFlowEvents,
  listFlows,
  metrics,
} from '../generated/functions.js';
import { assets } from './assets.js';
import { Live } from './live.js';

export interface DashboardOptions {
  /** The database flowstage is installed in; its login decides what the dashboard may do. */
  connectionString: string;
  /** Port to listen on; default 4000 (0: any free port). */
  port?: number;
  /** Address to bind; default 127.0.0.1. Any other address requires `token`. */
  host?: string;
  /** A secret every request must carry (cookie set by visiting /?token=T, or Authorization: Bearer T). */
  token?: string;
}

export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:4000/ */
  url: string;
  /** Queries the dashboard sent to PostgreSQL so far (also on /metrics). */
  queryCount(): number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The optional actions: each shown when its function exists and the login may execute it. */
const ACTIONS = {
  cancel: 'ff_cancel_flow',
  replay: 'ff_replay_execution',
  signal: 'ff_deliver_signal',
  pause: 'ff_pause_flow',
  resume: 'ff_resume_flow',
} as const;
type Action = keyof typeof ACTIONS;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (!options.connectionString) throw new Error('startDashboard: connectionString is required (--database-url or DATABASE_URL)');
  const host = options.host ?? '127.0.0.1';
  const token = options.token || undefined;
  if (!LOOPBACK.has(host) && !token) {
    throw new Error(
      `startDashboard: binding ${host} (not the loopback address) requires a token (--token): anyone who can reach it could read every flow`,
    );
  }
  const port = options.port ?? 4000;
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 4, application_name: 'flowstage dashboard' });
  pool.on('error', () => {});
  let queries = 0;
  const db: Queryable = {
    query(config: QueryConfigLike | string, values?: unknown[]) {
      queries++;
      return pool.query(config as string, values);
    },
  };
  const live = new Live(db, pool);
  const started = Date.now();
  let actions: { at: number; value: Promise<Record<Action, boolean> & { login: string; writer: boolean }> } | undefined;
  /** Which actions the login may take, from the catalogue (cached 10 s: grants change rarely). */
  const permissions = () => {
    if (!actions || Date.now() - actions.at > 10_000) {
      const value = db
        .query({
          text: `SELECT session_user::text AS login,
                 pg_has_role(current_user, 'flowstage_writer', 'MEMBER') AS writer,
                 coalesce(jsonb_object_agg(p.proname, has_function_privilege(p.oid, 'EXECUTE')) FILTER (WHERE p.oid IS NOT NULL), '{}') AS functions
               FROM (SELECT 1) one
               LEFT JOIN pg_proc p ON p.pronamespace = 'flowfabric'::regnamespace AND p.proname = ANY($1)`,
          values: [Object.values(ACTIONS)],
        })
        .then(({ rows: [row] }) => {
          const result = { login: row.login as string, writer: row.writer as boolean } as Record<Action, boolean> & {
            login: string;
            writer: boolean;
          };
          for (const [action, fn] of Object.entries(ACTIONS)) result[action as Action] = row.writer && row.functions[fn] === true;
          return result;
        });
      value.catch(() => {
        actions = undefined;
      });
      actions = { at: Date.now(), value };
    }
    return actions.value;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => fail(res, error));
  });
  const allowedHosts = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    // DNS rebinding: without a token (loopback only), only our own Host names are served. With a
    // token, a rebound page has no token (the cookie belongs to the real host name).
    const hostHeader = String(req.headers.host ?? '').toLowerCase();
    if (!token && !allowedHosts.has(hostHeader)) throw new HttpError(421, 'unknown Host header');
    if (token) {
      const given = url.searchParams.get('token');
      if (req.method === 'GET' && given !== null && !path.startsWith('/api/') && path !== '/metrics') {
        if (!same(given, token)) throw new HttpError(401, 'wrong token');
        // Keep it in a cookie (HttpOnly, SameSite=Strict) and drop it from the address bar.
        url.searchParams.delete('token');
        res
          .writeHead(303, {
            'Set-Cookie': `flowstage_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
            Location: path + (url.search || ''),
          })
          .end();
        return;
      }
      if (!authorized(req, token))
        throw new HttpError(401, 'this dashboard requires its token: open /?token=T once, or send Authorization: Bearer T');
    }
    if (req.method === 'POST') {
      // Same origin only: a browser sends Origin on every POST; another site's page cannot forge it.
      // The page's origin is the address the browser used (a TLS proxy in front: https).
      const own = [`http://${hostHeader}`, `https://${hostHeader}`];
      if (!own.includes(String(req.headers.origin).toLowerCase())) {
        throw new HttpError(403, `cross-origin request refused (Origin ${req.headers.origin ?? 'missing'}, expected ${own[0]})`);
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
        throw new HttpError(415, 'send application/json');
      return post(req, res, path);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    let m: RegExpExecArray | null;
    if (path === '/' || (m = /^\/flows\/([^/]+)$/.exec(path))) return send(res, 200, assets.page, 'text/html; charset=utf-8');
    if ((m = /^\/assets\/(app\.js|app\.css|dagre\.js)$/.exec(path))) {
      const file = await assets.file(m[1]);
      return send(
        res,
        200,
        file,
        m[1].endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
        'public, max-age=300',
      );
    }
    if (path === '/metrics') return send(res, 200, await prometheus(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path === '/api/session') {
      const p = await permissions();
      const { login, writer, ...rest } = p;
      return json(res, 200, { login, writer, actions: rest, live: live.mode, poll_interval_ms: 500 });
    }
    if (path === '/api/flows') return json(res, 200, await flows(url.searchParams));
    if (path === '/api/events') return sse(res, { kind: 'list', namespace: url.searchParams.get('namespace') || null });
    if ((m = /^\/api\/flows\/([^/]+)$/.exec(path))) return json(res, 200, await flow(uuid(m[1], 'flowId')));
    if ((m = /^\/api\/flows\/([^/]+)\/log$/.exec(path))) {
      const after = url.searchParams.get('after');
      if (after !== null && !/^\d{1,18}$/.test(after)) throw new HttpError(400, 'after: must be an event_id');
      // Without `after`: the newest 500 entries (the timeline's first screen); with it, the entries after it.
      const rows = await listFlowEvents(db, {
        flowId: uuid(m[1], 'flowId'),
        after: after ?? null,
        limit: 500,
        newest: after === null,
      });
      return json(res, 200, {
        events: rows,
        next: after !== null && rows.length === 500 ? rows[rows.length - 1].event_id : null,
      });
    }
    if ((m = /^\/api\/flows\/([^/]+)\/events$/.exec(path))) {
      const flowId = uuid(m[1], 'flowId');
      const [progress] = await flowProgress(db, { flowIds: [flowId] });
      if (!progress) throw new HttpError(404, 'flow_not_found', { code: 'flow_not_found' });
      live.learn([progress]);
      return sse(res, { kind: 'flow', flowId, namespace: progress.namespace });
    }
    if ((m = /^\/api\/executions\/([^/]+)$/.exec(path))) {
      const executionId = decodeURIComponent(m[1]);
      const flowParam = url.searchParams.get('flow');
      const [execution] = await describeExecution(db, {
        executionId,
        flowId: flowParam === null ? null : uuid(flowParam, 'flow'),
      });
      const [explanation] = execution.flow_id ? await explainExecution(db, { flowId: execution.flow_id, executionId }) : [null];
      return json(res, 200, { execution, explanation });
    }
    throw new HttpError(404, 'not found');
  }

  async function flows(params: URLSearchParams) {
    const namespace = params.get('namespace') || null;
    const state = params.get('state') || null;
    const q = (params.get('q') ?? '').trim().toLowerCase();
    const limit = Math.min(Math.max(Number(params.get('limit') ?? 50) || 50, 1), 200);
    let after = params.get('after') || null;
    if (after !== null) uuid(after, 'after');
    if (q && !/^[0-9a-f-]{1,36}$/.test(q)) throw new HttpError(400, 'q: search a flow id (hex digits and dashes)');
    // A flow id search is a prefix: start the keyset just below the prefix, stop past it.
    let inclusive: string | undefined;
    if (q && after === null) {
      const hex = q.replace(/-/g, '').padEnd(32, '0');
      inclusive = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    const matches = (id: string) => !q || id.startsWith(q) || id.replace(/-/g, '').startsWith(q.replace(/-/g, ''));
    const rows = [];
    if (inclusive) {
      // ff_list_flows' p_after is exclusive: read the prefix's lowest id from the first page.
      after = inclusive;
      const first = await flowProgress(db, { flowIds: [inclusive] });
      if (first.length) rows.push(first[0].flow_id);
    }
    let done = false;
    while (rows.length < limit && !done) {
      const page = await listFlows(db, { namespace, state, after, limit: Math.min(1000, limit + 1) });
      for (const f of page) {
        if (!matches(f.flow_id)) {
          done = q !== '';
          break;
        }
        if (rows.length < limit + 1) rows.push(f.flow_id);
      }
      if (page.length < Math.min(1000, limit + 1)) done = true;
      if (page.length) after = page[page.length - 1].flow_id;
      if (!q) break;
    }
    const ids = rows.slice(0, limit);
    const progress = ids.length ? await flowProgress(db, { flowIds: ids }) : [];
    live.learn(progress);
    return { flows: progress, next: rows.length > limit || (!q && ids.length === limit) ? (ids[ids.length - 1] ?? null) : null };
  }

  async function flow(flowId: string) {
    // Two reads at once: the flow, and its whole graph in one row (ff_flow_graph: a 10,000-node
    // flow in one round trip instead of 40 pages of ff_list_members and ff_list_edges).
    const [[described], [graph]] = await Promise.all([describeFlow(db, { flowId }), flowGraph(db, { flowId })]);
    type Member = [string, string, string | null, number, string | null];
    type Edge = [string, string, string, string, string, string | null];
    return {
      flow: described,
      members: (graph.members as Member[]).map(([id, state, task, attempts, label]) => ({ id, state, task, attempts, label })),
      edges: ((graph.edges ?? []) as Edge[]).map(([id, from, to, state, kind, ref]) => ({ id, from, to, state, kind, ref })),
      groups: described.edge_groups,
      actions: await permissions(),
    };
  }

  async function post(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await readJson(req);
    const may = await permissions();
    let m: RegExpExecArray | null;
    const need = (action: Action) => {
      if (!may[action])
        throw new HttpError(
          403,
          `the login ${may.login} may not ${action} (${ACTIONS[action]}: not installed, or no EXECUTE: grant flowstage_writer)`,
        );
    };
    const text = (field: string, value: unknown, required: boolean): string | null => {
      if (value === undefined || value === null || value === '') {
        if (required) throw new HttpError(400, `${field}: required`);
        return null;
      }
      if (typeof value !== 'string') throw new HttpError(400, `${field}: must be a string`);
      return value;
    };
    if ((m = /^\/api\/flows\/([^/]+)\/cancel$/.exec(path))) {
      need('cancel');
      const rows = await cancelFlow(db, {
        flowId: uuid(m[1], 'flowId'),
        reason: text('reason', body.reason, false) ?? 'cancelled from the dashboard',
      });
      return json(res, 200, { cancelled: rows.length, rows });
    }
    if ((m = /^\/api\/flows\/([^/]+)\/(pause|resume)$/.exec(path))) {
      const action = m[2] as 'pause' | 'resume';
      need(action);
      const flowId = uuid(m[1], 'flowId');
      const rows =
        action === 'pause'
          ? await call('ff_pause_flow', { p_flow_id: flowId, p_reason: text('reason', body.reason, false) })
          : await call('ff_resume_flow', { p_flow_id: flowId });
      return json(res, 200, { rows });
    }
    if ((m = /^\/api\/executions\/([^/]+)\/replay$/.exec(path))) {
      need('replay');
      if (body.downstream !== undefined && typeof body.downstream !== 'boolean')
        throw new HttpError(400, 'downstream: must be true or false');
      const rows = await call('ff_replay_execution', {
        p_execution_id: decodeURIComponent(m[1]),
        p_downstream: body.downstream === true,
      });
      return json(res, 200, { rows });
    }
    if ((m = /^\/api\/waitpoints\/([^/]+)\/signal$/.exec(path))) {
      need('signal');
      const rows = await call('ff_deliver_signal', {
        p_waitpoint_id: uuid(m[1], 'waitpointId'),
        p_signal_name: text('name', body.name, true),
        p_payload: body.payload === undefined ? null : JSON.stringify(body.payload),
        p_idempotency_key: text('idempotency_key', body.idempotency_key, false),
      });
      return json(res, 200, { rows });
    }
    throw new HttpError(404, 'not found');
  }

  /** Calls a function that may not be in the generated client yet, by parameter name. */
  async function call(fn: string, args: Record<string, unknown>) {
    const names = Object.keys(args);
    const text = `SELECT * FROM flowfabric.${fn}(${names.map((n, i) => `${n} => $${i + 1}`).join(', ')})`;
    try {
      return (await db.query({ text, values: names.map((n) => args[n]) })).rows;
    } catch (error) {
      throw toFlowstageError(error);
    }
  }

  async function prometheus(): Promise<string> {
    const rows = await metrics(db);
    const help: Record<string, [string, string]> = {
      flowstage_flows: ['gauge', 'Flows per public_flow_state.'],
      flowstage_executions: ['gauge', 'Executions per public_state.'],
      flowstage_executions_completed_total: [
        'counter',
        'Executions that reached an outcome, per outcome (falls when flows are pruned).',
      ],
      flowstage_jobs: ['gauge', 'Graphile Worker jobs: queued (waiting to run) and running (locked).'],
      flowstage_run_latency_seconds: ['histogram', 'Run latency: last attempt start to outcome, of the executions that ran.'],
    };
    const lines: string[] = [];
    let family = '';
    for (const r of rows) {
      const name = r.metric.replace(/_(bucket|sum|count)$/, '').startsWith('flowstage_run_latency_seconds')
        ? 'flowstage_run_latency_seconds'
        : r.metric;
      if (name !== family) {
        family = name;
        const [type, text] = help[name] ?? ['gauge', name];
        lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      }
      const labels = Object.entries((r.labels ?? {}) as Record<string, string>)
        .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      lines.push(`${r.metric}${labels ? `{${labels}}` : ''} ${Number(r.value)}`);
    }
    lines.push(
      '# HELP flowstage_dashboard_queries_total Queries the dashboard sent to PostgreSQL.',
      '# TYPE flowstage_dashboard_queries_total counter',
      `flowstage_dashboard_queries_total ${queries}`,
      '# HELP flowstage_dashboard_live_pages Open live pages (SSE streams).',
      '# TYPE flowstage_dashboard_live_pages gauge',
      `flowstage_dashboard_live_pages ${live.subscribers.size}`,
      '# HELP flowstage_dashboard_uptime_seconds Seconds since the dashboard started.',
      '# TYPE flowstage_dashboard_uptime_seconds gauge',
      `flowstage_dashboard_uptime_seconds ${((Date.now() - started) / 1000).toFixed(0)}`,
    );
    return `${lines.join('\n')}\n`;
  }

  async function sse(res: ServerResponse, subscriber: Omit<Parameters<Live['add']>[0], 'res'>): Promise<void> {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    res.on('close', () => clearInterval(keepAlive));
    await live.add({ ...subscriber, res });
    Live.send(res, 'ready', { live: live.mode });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${address.port}`;
  allowedHosts.add(`${shownHost}:${address.port}`.toLowerCase());
  if (LOOPBACK.has(host)) for (const h of ['127.0.0.1', 'localhost', '[::1]']) allowedHosts.add(`${h}:${address.port}`);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    url: `${origin}/`,
    queryCount: () => queries,
    async close() {
      await live.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await pool.end();
    },
  };
}

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && same(auth.slice(7), token)) return true;
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'flowstage_token') {
      try {
        if (same(decodeURIComponent(value.join('=')), token)) return true;
      } catch {
        /* a malformed cookie is no token */
      }
    }
  }
  return false;
}

function uuid(value: string, field: string): string {
  const text = decodeURIComponent(value);
  if (!UUID.test(text)) throw new HttpError(400, `${field}: must be a uuid (got ${JSON.stringify(text.slice(0, 60))})`);
  return text.toLowerCase();
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpError(413, 'body over 1 MB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch {
    throw new HttpError(400, 'body: must be a JSON object');
  }
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function send(res: ServerResponse, status: number, body: string, type: string, cache = 'no-store'): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const e = toFlowstageError(error) as Error & { code?: string; detail?: string; hint?: string };
  if (e instanceof HttpError) return json(res, e.status, { error: e.message, ...e.extra });
  if (e instanceof FlowstageError) {
    const status =
      { flow_not_found: 404, execution_not_found: 404, flow_already_terminal: 409, execution_not_in_flow: 404 }[e.code] ?? 400;
    const cause = e.cause as { detail?: string; hint?: string } | undefined;
    return json(res, status, { error: e.code, code: e.code, detail: cause?.detail ?? null, hint: cause?.hint ?? null });
  }
  if (e.code === '42501') return json(res, 403, { error: 'permission denied', detail: e.message });
  json(res, 500, { error: 'internal error', detail: e.message });
}
