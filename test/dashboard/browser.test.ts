// The dashboard in headless Chromium (Debian's /usr/bin/chromium through playwright-core): the page
// follows a running flow without a reload, a writer cancels, a reader sees no buttons, a node's
// explanation can be followed upstream, the flows list updates live, and nothing is HTML.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { FlowPlan, run, startFlow } from '../../src/index.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createLogin } from '../helpers/logins.js';
import { browser, chain, dashboard, inChromium } from './helpers.js';

const states = (page: import('playwright-core').Page) =>
  page.$$eval('[data-execution-id]:not(#panel)', (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.getAttribute('data-execution-id'), n.getAttribute('data-state')])),
  );

inChromium('a flow page shows its nodes change state as a worker runs the flow, without a reload', async (t) => {
  const db = await testDatabase(t);
  const { flowId, ids } = await chain(db);
  const d = await dashboard(t, db);
  const page = await (await browser(t)).newPage();
  await page.goto(`${d.url}flows/${flowId}`);
  await page.waitForSelector('[data-flow-state="open"]');
  t.deepEqual(await states(page), { [ids.a]: 'waiting', [ids.b]: 'waiting_children', [ids.c]: 'waiting_children' });
  await page.evaluate(() => {
    (window as unknown as { marker: number }).marker = 42;
  });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 2,
    pollInterval: 100,
    noHandleSignals: true,
    logFactory: () => () => {},
    taskList: {
      step: async (payload) => {
        if ((payload as { name: string }).name === 'b') await gate;
        return { done: true };
      },
    },
  });
  t.teardown(() => worker.stop());
  await startFlow(db, { flowId });
  await page.waitForSelector(`[data-execution-id="${ids.b}"][data-state="active"]`, { timeout: 10_000 });
  t.is(await page.getAttribute(`[data-execution-id="${ids.a}"]`, 'data-state'), 'completed');
  // Edges recolour too: a -> b is satisfied, b -> c still waits.
  const edgeStates = () => page.$$eval('path[data-edge-id]', (paths) => paths.map((p) => p.getAttribute('data-state')).sort());
  t.deepEqual(await edgeStates(), ['applied', 'satisfied']);
  release();
  await page.waitForSelector('#flow[data-flow-state="completed"]', { timeout: 10_000 });
  t.deepEqual(await states(page), { [ids.a]: 'completed', [ids.b]: 'completed', [ids.c]: 'completed' });
  t.deepEqual(await edgeStates(), ['satisfied', 'satisfied']);
  t.is(await page.evaluate(() => (window as unknown as { marker: number }).marker), 42, 'the page was never reloaded');
  const log = await page.$$eval('#log li', (items) => items.map((li) => li.children[2].textContent));
  t.true(log.includes('start_flow') && log.includes('complete_flow'), log.join(', '));
});

inChromium('a writer cancels the flow from the page; a reader sees no action button', async (t) => {
  const writer = await createLogin(t, ['flowstage_writer']);
  const reader = await createLogin(t, ['flowstage_reader']);
  const db = await testDatabase(t);
  const { flowId } = await chain(db);
  const b = await browser(t);
  const asReader = await dashboard(t, db, { login: reader });
  const readerPage = await b.newPage();
  await readerPage.goto(`${asReader.url}flows/${flowId}`);
  await readerPage.waitForSelector('body[data-rendered="3"]');
  t.is(await readerPage.$$eval('[data-action]', (buttons) => buttons.length), 0);
  t.regex((await readerPage.textContent('#session')) ?? '', /read-only/);

  const asWriter = await dashboard(t, db, { login: writer });
  const page = await b.newPage();
  page.on('dialog', (dialog) => dialog.accept('stopped by on-call'));
  await page.goto(`${asWriter.url}flows/${flowId}`);
  await page.click('[data-action="cancel"]');
  await page.waitForSelector('#flow[data-flow-state="cancelled"]', { timeout: 10_000 });
  t.deepEqual([...new Set(Object.values(await states(page)))], ['cancelled']);
  t.is(await page.$$eval('[data-action]', (buttons) => buttons.length), 0, 'no action on a terminal flow');
  // The reader's page follows the change too.
  await readerPage.waitForSelector('#flow[data-flow-state="cancelled"]', { timeout: 10_000 });
  const { rows } = await db.query(
    `SELECT actor, arguments->>'reason' AS reason FROM flowfabric.ff_flow_event WHERE operation = 'cancel_flow'`,
  );
  t.deepEqual(rows, [{ actor: writer.name, reason: 'stopped by on-call' }]);
});

inChromium(
  'clicking a node shows its explanation, payload and result; an upstream link follows the explanation up',
  async (t) => {
    const db = await testDatabase(t);
    const { flowId, ids } = await chain(db);
    const d = await dashboard(t, db);
    const page = await (await browser(t)).newPage();
    await page.goto(`${d.url}flows/${flowId}`);
    await page.click(`[data-execution-id="${ids.c}"]`);
    await page.waitForSelector(`#panel[data-execution-id="${ids.c}"]`);
    t.regex((await page.textContent('#reason')) ?? '', /^blocked: 1 of 1 all_of dependencies unresolved/);
    // Payloads are text, never markup.
    t.is(await page.textContent('#payload'), JSON.stringify({ name: 'c <b>not html</b>' }, null, 2));
    t.is(await page.$$eval('#panel b', (bold) => bold.length), 0);
    t.is(await page.textContent('#result'), '(none)');
    await page.click(`#upstreams [data-follow="${ids.b}"]`);
    await page.waitForSelector(`#panel[data-execution-id="${ids.b}"]`);
    await page.click(`#upstreams [data-follow="${ids.a}"]`);
    await page.waitForSelector(`#panel[data-execution-id="${ids.a}"]`);
    t.regex((await page.textContent('#reason')) ?? '', /^eligible: no dependencies/);
    t.is(await page.$$eval('#upstreams', (lists) => lists.length), 0);
  },
);

inChromium('the flows list shows new flows and state changes live, and links to each flow', async (t) => {
  const db = await testDatabase(t);
  const first = await chain(db, { namespace: 'billing' });
  const d = await dashboard(t, db);
  const page = await (await browser(t)).newPage();
  await page.goto(d.url);
  await page.waitForSelector(`tr[data-flow-id="${first.flowId}"][data-flow-state="open"]`);
  const second = await chain(db, { namespace: 'billing' });
  await page.waitForSelector(`tr[data-flow-id="${second.flowId}"]`, { timeout: 10_000 });
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow($1, 'test')`, [first.flowId]);
  await page.waitForSelector(`tr[data-flow-id="${first.flowId}"][data-flow-state="cancelled"]`, { timeout: 10_000 });
  // Filters: a state filter hides the other flows.
  await page.selectOption('select[name="state"]', 'cancelled');
  await page.click('#filters button');
  await page.waitForFunction(
    (id) => document.querySelectorAll('tr[data-flow-id]').length === 1 && !!document.querySelector(`tr[data-flow-id="${id}"]`),
    first.flowId,
  );
  await page.click(`tr[data-flow-id="${first.flowId}"] a`);
  await page.waitForSelector('#flow[data-flow-state="cancelled"]');
  t.is(new URL(page.url()).pathname, `/flows/${first.flowId}`);
});

test("the page loads nothing from elsewhere: its scripts and styles are the dashboard's own", async (t) => {
  const db = await testDatabase(t);
  const d = await dashboard(t, db);
  const { http } = await import('./helpers.js');
  const page = await http(d.url);
  t.regex(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  const refs = [...page.body.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  t.deepEqual(refs, ['/assets/app.css', '/assets/dagre.js', '/assets/app.js']);
  for (const ref of refs) t.is((await http(new URL(ref, d.url).href)).status, 200, ref);
  t.notRegex(page.body, /<script>|\son[a-z]+=/);
  const app = (await http(new URL('/assets/app.js', d.url).href)).body;
  t.notRegex(app, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});

inChromium(
  'a flow over 1,500 nodes is drawn as a level-of-detail view: every node a box with its state, each clickable',
  async (t) => {
    const db = await testDatabase(t);
    const steps: Record<string, { task: string; after?: string[] }> = {};
    // 40 layers of 40; each node below the first depends on two nodes of the layer above.
    for (let i = 0; i < 1600; i++) {
      const above = (Math.floor(i / 40) - 1) * 40;
      steps[`n${i}`] = { task: 'step', ...(i >= 40 && { after: [`n${above + (i % 40)}`, `n${above + (((i % 40) + 1) % 40)}`] }) };
    }
    const plan = new FlowPlan(randomUUID(), steps);
    const { ids } = await plan.submit(db);
    const d = await dashboard(t, db);
    const page = await (await browser(t)).newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`${d.url}flows/${plan.flowId}`);
    await page.waitForSelector('body[data-rendered="1600"]', { timeout: 60_000 });
    t.regex((await page.textContent('.lod')) ?? '', /^1600 nodes: level-of-detail view/);
    t.is(await page.$$eval('rect.node[data-execution-id][data-state]', (rects) => rects.length), 1600);
    t.is(await page.getAttribute(`[data-execution-id="${ids.n0}"]`, 'data-state'), 'waiting');
    t.is(await page.getAttribute(`[data-execution-id="${ids.n1599}"]`, 'data-state'), 'waiting_children');
    const last = page.locator(`[data-execution-id="${ids.n1599}"]`);
    await last.scrollIntoViewIfNeeded();
    await last.click();
    await page.waitForSelector(`#panel[data-execution-id="${ids.n1599}"] #reason`);
    t.regex((await page.textContent('#reason')) ?? '', /^blocked: 2 of 2 all_of dependencies unresolved/);
  },
);
