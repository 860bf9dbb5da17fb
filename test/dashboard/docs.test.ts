// docs/dashboard.md stays true (its usage block is the CLI's help, generated): every route of its API table is
// answered, and its metrics sample lines are what /metrics prints for the same data.
import { readFile } from 'node:fs/promises';
import test from 'ava';
import { completeExecution } from '../../src/index.js';
import { testDatabase } from '../helpers/database.js';
import { chain, dashboard, http, postJson } from './helpers.js';

const page = await readFile(new URL('../../docs/dashboard.md', import.meta.url), 'utf8');
const blocks = [...page.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]);

test('every route of the API table is answered', async (t) => {
  const db = await testDatabase(t);
  const { flowId, ids } = await chain(db);
  const d = await dashboard(t, db);
  const routes = [...page.matchAll(/^\| `(GET|POST) ([^` ]+)`/gm)].map((m) => [m[1], m[2]] as const);
  const more = [...page.matchAll(/, `(GET|POST) ([^` ]+)` \|/g)].map((m) => [m[1], m[2]] as const);
  const all = [...routes, ...more];
  t.true(all.length >= 12, `${all.length} routes`);
  const fill = (path: string) =>
    path
      .replace(':flowId', flowId)
      .replace(':executionId', encodeURIComponent(ids.c))
      .replace(':waitpointId', '00000000-0000-4000-8000-000000000000')
      .replace(/\?.*$/, '');
  // GETs first (SSE streams are only checked for their status line), then the POSTs, cancel last.
  for (const [method, path] of all.filter(([m]) => m === 'GET')) {
    const url = new URL(fill(path), d.url).href;
    if (fill(path).endsWith('/events')) {
      const status = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ get }) =>
          get(url, (res) => {
            resolve(res.statusCode!);
            res.destroy();
          }).on('error', reject),
        );
      });
      t.is(status, 200, `${method} ${path}`);
      continue;
    }
    t.is((await http(url)).status, 200, `${method} ${path}`);
  }
  const posts = all.filter(([m]) => m === 'POST').sort(([, a]) => (a.endsWith('/cancel') ? 1 : -1));
  for (const [method, path] of posts) {
    const answer = await postJson(d, fill(path), {});
    // Every action route exists: the empty body may be refused (400, or 403 for an action the login
    // may not take), but never with 404 (no such route) or a server error.
    t.true([200, 400, 403].includes(answer.status), `${method} ${path}: ${answer.status} ${answer.body}`);
  }
});

test('the metrics sample of docs/dashboard.md is what /metrics prints for a flow with one success', async (t) => {
  const db = await testDatabase(t);
  const { ids } = await chain(db);
  await completeExecution(db, { executionId: ids.a, outcome: 'success' });
  const d = await dashboard(t, db);
  const lines = new Set((await http(`${d.url}metrics`)).body.split('\n'));
  for (const line of blocks[0].trim().split('\n')) t.true(lines.has(line), line);
});
