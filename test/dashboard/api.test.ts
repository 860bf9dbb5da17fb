// The dashboard's HTTP contract (docs/dashboard.md): JSON reads, SSE, actions and their refusals,
// the token and same-origin rules, /metrics. Real PostgreSQL, real LOGIN roles, no browser.
import test from 'ava';
import { startDashboard } from '../../src/dashboard/index.js';
import { completeExecution, describeFlow, setNamespaceNotify } from '../../src/index.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createLogin } from '../helpers/logins.js';
import { chain, dashboard, http, postJson, sse } from './helpers.js';

test('GET /api/flows/:flowId answers the flow, its members, edges and groups', async (t) => {
  const db = await testDatabase(t);
  const { flowId, ids } = await chain(db);
  const d = await dashboard(t, db);
  const answer = await http(`${d.url}api/flows/${flowId}`);
  t.is(answer.status, 200);
  const body = JSON.parse(answer.body);
  t.is(body.flow.flow_id, flowId);
  t.deepEqual(body.members.map((m: { id: string }) => m.id).sort(), Object.values(ids).sort());
  t.deepEqual(body.members.find((m: { id: string }) => m.id === ids.a).label, 'a');
  t.is(body.edges.length, 2);
  t.true(Array.isArray(body.groups));
  t.is(answer.headers['content-type'], 'application/json; charset=utf-8');
});

test('GET /api/flows lists flows with their progress, filtered by namespace, state and a flow id prefix', async (t) => {
  const db = await testDatabase(t);
  const one = await chain(db, { namespace: 'billing' });
  const two = await chain(db, { namespace: 'mail' });
  const d = await dashboard(t, db);
  const all = JSON.parse((await http(`${d.url}api/flows`)).body);
  t.deepEqual(
    all.flows.map((f: { flow_id: string }) => f.flow_id),
    [one.flowId, two.flowId].sort(),
  );
  t.deepEqual(all.flows[0].member_states, { waiting: 1, waiting_children: 2 });
  const billing = JSON.parse((await http(`${d.url}api/flows?namespace=billing`)).body);
  t.deepEqual(
    billing.flows.map((f: { flow_id: string }) => f.flow_id),
    [one.flowId],
  );
  const prefix = JSON.parse((await http(`${d.url}api/flows?q=${two.flowId.slice(0, 6)}`)).body);
  t.deepEqual(
    prefix.flows.map((f: { flow_id: string }) => f.flow_id),
    [two.flowId],
  );
  const done = JSON.parse((await http(`${d.url}api/flows?state=completed`)).body);
  t.deepEqual(done.flows, []);
  t.is((await http(`${d.url}api/flows?q=<script>`)).status, 400);
});

test('GET /api/executions/:executionId explains the execution and shows its payload, result and timings', async (t) => {
  const db = await testDatabase(t);
  const { flowId, ids } = await chain(db);
  await completeExecution(db, { executionId: ids.a, outcome: 'failed', result: { error: 'disk full' } });
  const d = await dashboard(t, db);
  const body = JSON.parse((await http(`${d.url}api/executions/${encodeURIComponent(ids.a)}`)).body);
  t.is(body.execution.flow_id, flowId);
  t.is(body.execution.public_state, 'failed');
  t.is(body.execution.failure_reason, 'disk full');
  t.deepEqual(body.execution.payload, { name: 'a', n: 1 });
  t.regex(body.explanation.reason, /^terminal: outcome failed/);
  const child = JSON.parse((await http(`${d.url}api/executions/${encodeURIComponent(ids.b)}?flow=${flowId}`)).body);
  t.is(child.explanation.inbound_edges[0].upstream_execution_id, ids.a);
});

test("bad ids are 400 and unknown flows 404, with the refusal's code", async (t) => {
  const db = await testDatabase(t);
  const d = await dashboard(t, db);
  t.is((await http(`${d.url}api/flows/not-a-uuid`)).status, 400);
  const missing = await http(`${d.url}api/flows/00000000-0000-4000-8000-000000000000`);
  t.is(missing.status, 404);
  t.is(JSON.parse(missing.body).code, 'flow_not_found');
  t.is((await http(`${d.url}api/executions/nonsense`)).status, 400);
  t.is((await http(`${d.url}api/nothing`)).status, 404);
});

test("a writer cancels a flow with POST; the log records the writer's login", async (t) => {
  const writer = await createLogin(t, ['flowstage_writer']);
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db, { login: writer });
  const session = JSON.parse((await http(`${d.url}api/session`)).body);
  t.like(session, { login: writer.name, writer: true, actions: { cancel: true } });
  const answer = await postJson(d, `/api/flows/${flowId}/cancel`, { reason: 'wrong input' });
  t.is(answer.status, 200, answer.body);
  const [flow] = await describeFlow(db, { flowId });
  t.is(flow.public_flow_state, 'cancelled');
  t.is(flow.cancel_reason, 'wrong input');
  const { rows } = await db.query(`SELECT actor FROM flowfabric.ff_flow_event WHERE operation = 'cancel_flow'`);
  t.deepEqual(rows, [{ actor: writer.name }]);
});

test("a reader's POST is 403 and changes nothing; its session offers no action", async (t) => {
  const reader = await createLogin(t, ['flowstage_reader']);
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db, { login: reader });
  const session = JSON.parse((await http(`${d.url}api/session`)).body);
  t.like(session, { writer: false, actions: { cancel: false, replay: false, signal: false, pause: false, resume: false } });
  const answer = await postJson(d, `/api/flows/${flowId}/cancel`, {});
  t.is(answer.status, 403);
  t.regex(JSON.parse(answer.body).error, /may not cancel/);
  t.is((await describeFlow(db, { flowId }))[0].public_flow_state, 'open');
});

test('actions whose functions are not installed are refused with 403, not attempted', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db);
  const {
    rows: [{ installed }],
  } = await db.query(`SELECT to_regproc('flowfabric.ff_pause_flow') IS NOT NULL AS installed`);
  const session = JSON.parse((await http(`${d.url}api/session`)).body);
  t.is(session.actions.pause, installed);
  if (!installed) t.is((await postJson(d, `/api/flows/${flowId}/pause`, {})).status, 403);
});

test('POSTs from another origin, or without one, are refused', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db);
  t.is((await postJson(d, `/api/flows/${flowId}/cancel`, {}, { Origin: 'http://evil.example' })).status, 403);
  const noOrigin = await http(`${d.url}api/flows/${flowId}/cancel`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  t.is(noOrigin.status, 403);
  t.is((await postJson(d, `/api/flows/${flowId}/cancel`, {}, { 'Content-Type': 'text/plain' })).status, 415);
  t.is((await describeFlow(db, { flowId }))[0].public_flow_state, 'open');
});

test("a request with a Host name other than the dashboard's is refused (DNS rebinding)", async (t) => {
  const db = await testDatabase(t);
  const d = await dashboard(t, db);
  t.is((await http(`${d.url}api/session`, { headers: { Host: 'attacker.example' } })).status, 421);
});

test('any host but the loopback address requires a token', async (t) => {
  const db = await testDatabase(t);
  await t.throwsAsync(startDashboard({ connectionString: connectionStringOf(db), host: '0.0.0.0', port: 0 }), {
    message: /requires a token/,
  });
});

test('with a token, every request needs it: Bearer header, or the cookie set by /?token=', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db, { token: 's3cret' });
  t.is((await http(`${d.url}api/session`)).status, 401);
  t.is((await http(`${d.url}metrics`)).status, 401);
  t.is((await http(`${d.url}`)).status, 401);
  t.is((await http(`${d.url}api/session`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
  t.is((await http(`${d.url}api/session`, { headers: { Authorization: 'Bearer s3cret' } })).status, 200);
  const visit = await http(`${d.url}flows/${flowId}?token=s3cret`);
  t.is(visit.status, 303);
  t.is(visit.headers.location, `/flows/${flowId}`);
  const cookie = String(visit.headers['set-cookie']).split(';')[0];
  t.regex(String(visit.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  t.is((await http(`${d.url}api/session`, { headers: { Cookie: cookie } })).status, 200);
  t.is((await http(`${d.url}flows/${flowId}?token=nope`)).status, 401);
  // SSE too.
  const denied = sse(`${d.url}api/flows/${flowId}/events`);
  await t.throwsAsync(denied.next(() => true, 1500));
  t.is(denied.status(), 401);
  denied.close();
  const stream = sse(`${d.url}api/flows/${flowId}/events`, { Cookie: cookie });
  await stream.next((m) => m.event === 'ready');
  stream.close();
  // POSTs need the token as well as the origin.
  t.is((await postJson(d, `/api/flows/${flowId}/cancel`, {})).status, 401);
  t.is((await postJson(d, `/api/flows/${flowId}/cancel`, {}, { Cookie: cookie })).status, 200);
});

test('bound to another address with a token, it answers the host name the client used, and POSTs from that origin', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const d = await dashboard(t, db, { host: '0.0.0.0', token: 't0ken' });
  const port = new URL(d.url).port;
  const at = `http://127.0.0.1:${port}/`;
  const headers = { Host: `flows.internal:${port}`, Authorization: 'Bearer t0ken' };
  t.is((await http(`${at}api/session`, { headers })).status, 200);
  const post = (origin: string) =>
    http(`${at}api/flows/${flowId}/cancel`, {
      method: 'POST',
      body: '{}',
      headers: { ...headers, 'Content-Type': 'application/json', Origin: origin },
    });
  t.is((await post('http://evil.example')).status, 403);
  t.is((await post(`http://flows.internal:${port}`)).status, 200);
});

test("SSE: a flow page's stream sends every member's state, then each change", async (t) => {
  const db = await testDatabase(t);
  const { flowId, ids } = await chain(db);
  const d = await dashboard(t, db);
  const stream = sse(`${d.url}api/flows/${flowId}/events`);
  t.teardown(() => stream.close());
  const first = await stream.next((m) => m.event === 'state' && m.data.full);
  t.is(first.data.members.length, 3);
  await completeExecution(db, { executionId: ids.a, outcome: 'success', result: { ok: true } });
  const change = await stream.next((m) => m.event === 'state' && !m.data.full && m.data.members.length > 0);
  t.deepEqual(
    change.data.members.map((m: { id: string; state: string }) => [m.id, m.state]).sort(),
    [
      [ids.a, 'completed'],
      [ids.b, 'waiting'],
    ].sort(),
  );
  t.deepEqual(change.data.log.map((e: { operation: string }) => e.operation).includes('complete_execution'), true);
});

test('SSE: the flows list stream sends the progress of flows that changed', async (t) => {
  const db = await testDatabase(t);
  const d = await dashboard(t, db);
  const stream = sse(`${d.url}api/events`);
  t.teardown(() => stream.close());
  await stream.next((m) => m.event === 'ready');
  const { flowId } = await chain(db);
  const message = await stream.next(
    (m) => m.event === 'flows' && m.data.flows.some((f: { flow_id: string }) => f.flow_id === flowId),
  );
  t.like(
    message.data.flows.find((f: { flow_id: string }) => f.flow_id === flowId),
    { public_flow_state: 'open', node_count: '3' },
  );
});

test("with the namespace's notifications on, a flow page is fed by LISTEN, without polling", async (t) => {
  const db = await testDatabase(t);
  await setNamespaceNotify(db, { namespace: 'loud', enabled: true });
  const { flowId, ids } = await chain(db, { namespace: 'loud' });
  const d = await dashboard(t, db);
  const stream = sse(`${d.url}api/flows/${flowId}/events`);
  t.teardown(() => stream.close());
  await stream.next((m) => m.event === 'state' && m.data.full);
  await new Promise((resolve) => setTimeout(resolve, 800));
  t.is(JSON.parse((await http(`${d.url}api/session`)).body).live, 'listen');
  const before = d.queryCount();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.is(d.queryCount(), before, 'no query while nothing changes');
  await completeExecution(db, { executionId: ids.a, outcome: 'success' });
  const change = await stream.next(
    (m) =>
      m.event === 'state' && m.data.members.some((x: { id: string; state: string }) => x.id === ids.a && x.state === 'completed'),
  );
  t.truthy(change);
});

test('20 open flow pages and 20 list pages cost at most one query per 500 ms per page kind while idle', async (t) => {
  const db = await testDatabase(t);
  const flows = [];
  for (let i = 0; i < 20; i++) flows.push(await chain(db));
  const d = await dashboard(t, db);
  const streams = [
    ...flows.map((f) => sse(`${d.url}api/flows/${f.flowId}/events`)),
    ...flows.map(() => sse(`${d.url}api/events`)),
  ];
  t.teardown(() => streams.forEach((s) => s.close()));
  for (const s of streams) await s.next((m) => m.event === 'ready');
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the first full refreshes are done
  const before = d.queryCount();
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const queries = d.queryCount() - before;
  t.log(`${queries} queries in 5 s with 40 open pages (20 flow pages, 20 list pages)`);
  // One poll per 500 ms serves every page of both kinds: at most 10 in 5 s (+1 for a tick at the edge).
  t.true(queries <= 5000 / 500 + 1, `${queries} queries`);
  t.true(queries >= 1, 'it does poll');
});

test('GET /metrics answers in Prometheus text format: flows and executions per state, jobs, outcomes, run latency', async (t) => {
  const db = await testDatabase(t);
  const { ids } = await chain(db);
  await completeExecution(db, { executionId: ids.a, outcome: 'success' });
  const d = await dashboard(t, db);
  const answer = await http(`${d.url}metrics`);
  t.is(answer.status, 200);
  t.is(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const lines = answer.body.split('\n');
  for (const line of [
    '# TYPE flowstage_flows gauge',
    'flowstage_flows{state="open"} 1',
    'flowstage_flows{state="completed"} 0',
    'flowstage_executions{state="completed"} 1',
    'flowstage_executions{state="waiting"} 1',
    'flowstage_executions{state="waiting_children"} 1',
    'flowstage_executions_completed_total{outcome="success"} 1',
    '# TYPE flowstage_jobs gauge',
    'flowstage_jobs{state="queued"} 0',
    '# TYPE flowstage_run_latency_seconds histogram',
    'flowstage_run_latency_seconds_bucket{le="+Inf"} 0',
    'flowstage_run_latency_seconds_count 0',
  ]) {
    t.true(lines.includes(line), line);
  }
  for (const line of lines.filter((l) => l && !l.startsWith('#'))) t.regex(line, /^[a-z_]+(\{[a-z]+="[^"]*"\})? -?[0-9.e+]+$/);
});
