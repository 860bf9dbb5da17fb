// Shared by the dashboard tests: a dashboard over a test database (as a given login), closed when
// the test ends; a small flow; a raw SSE reader; headless Chromium through playwright-core.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import type pg from 'pg';
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/dashboard/index.js';
import { FlowPlan } from '../../src/index.js';
import { connectionStringOf } from '../helpers/database.js';
import type { Login } from '../helpers/logins.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Tests that need the browser run where Debian's chromium is installed (CI installs it) and are skipped elsewhere. */
export const inChromium = existsSync(CHROMIUM) ? test : test.skip;

/** A dashboard on a free port over `db` (as `login` when given). */
export async function dashboard(
  t: ExecutionContext,
  db: pg.Pool,
  options: Partial<DashboardOptions> & { login?: Login } = {},
): Promise<Dashboard> {
  const url = connectionStringOf(db);
  const { login, ...rest } = options;
  const d = await startDashboard({ connectionString: login ? login.urlFor(url) : url, port: 0, ...rest });
  t.teardown(() => d.close());
  return d;
}

/** a -> b -> c, each step labelled by its name, tasks named `step`. */
export async function chain(db: pg.Pool, options: { namespace?: string; task?: string } = {}) {
  const task = options.task ?? 'step';
  const plan = new FlowPlan(randomUUID(), {
    a: { task, payload: { name: 'a', n: 1 } },
    b: { task, payload: { name: 'b' }, after: ['a'] },
    c: { task, payload: { name: 'c <b>not html</b>' }, after: ['b'] },
  });
  const submitted = await plan.submit(db, { namespace: options.namespace });
  return { flowId: plan.flowId, ids: submitted.ids };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request (node:http, so Origin and Host are ours to set). */
export function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A same-origin JSON POST, as the page sends it. */
export function postJson(d: Dashboard, path: string, body: unknown, headers: Record<string, string> = {}) {
  return http(new URL(path, d.url).href, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Origin: d.url.replace(/\/$/, ''), ...headers },
  });
}

/** An SSE stream: its messages as they come; close() ends it. */
export function sse(url: string, headers: Record<string, string> = {}) {
  const messages: { event: string; data: any }[] = [];
  const waiters: (() => void)[] = [];
  let status = 0;
  const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
    status = res.statusCode!;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) messages.push({ event, data: JSON.parse(data) });
        waiters.splice(0).forEach((w) => w());
      }
    });
    res.on('end', () => waiters.splice(0).forEach((w) => w()));
  });
  req.on('error', () => {});
  req.end();
  return {
    messages,
    status: () => status,
    /** Resolves with the first message (from the start) that `match` accepts. */
    async next(match: (m: { event: string; data: any }) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching SSE message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => req.destroy(),
  };
}

/** Headless Chromium (Debian's), closed when the test ends; every other host unresolvable. */
export async function browser(t: ExecutionContext) {
  const { chromium } = await import('playwright-core');
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  t.teardown(() => b.close());
  return b;
}
