// Makes docs/dashboard.png from a real run: a fresh database, a small flow run by a real worker
// (one step fails, so the picture shows several states), `startDashboard` on it, headless Chromium
// (Debian's /usr/bin/chromium through playwright-core) opening the flow's page and clicking a node.
//   npx tsx scripts/dashboard-screenshot.ts            (embedded PostgreSQL, or $DATABASE_URL's server)
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startDashboard } from '../src/dashboard/index.js';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { FlowPlan, migrate, run, startFlow, waitForFlow } from '../src/index.js';

const output = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));
const server = await resolveServer();
const database = `flowstage_screenshot_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Client({ connectionString: server.connectionString });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = withDatabaseName(server.connectionString, database);
try {
  await migrate(url);
  const db = new pg.Pool({ connectionString: url, max: 2 });
  const plan = new FlowPlan('5eed5eed-0000-4000-8000-000000000020', {
    extract_orders: { task: 'extract', payload: { name: 'extract_orders', table: 'orders' } },
    extract_users: { task: 'extract', payload: { name: 'extract_users', table: 'users' } },
    extract_refunds: { task: 'extract', payload: { name: 'extract_refunds', table: 'refunds' } },
    join: { task: 'transform', payload: { name: 'join' }, after: ['extract_orders', 'extract_users'] },
    refunds_check: { task: 'flaky', payload: { name: 'refunds_check' }, after: ['extract_refunds'] },
    report: { task: 'transform', payload: { name: 'report' }, after: ['join', 'refunds_check'] },
    email: { task: 'transform', payload: { name: 'email' }, after: ['report'] },
    archive: { task: 'transform', payload: { name: 'archive' }, after: ['join'] },
  });
  await plan.submit(db, { namespace: 'nightly-etl' });
  const worker = await run({
    connectionString: url,
    concurrency: 4,
    pollInterval: 100,
    noHandleSignals: true,
    logFactory: () => () => {},
    taskList: {
      extract: (payload) => ({ rows: 1000 + String((payload as { table: string }).table).length }),
      transform: () => ({ ok: true }),
      flaky: () => {
        throw new Error('refunds API answered 503');
      },
    },
  });
  await startFlow(db, { flowId: plan.flowId, maxAttempts: 1 });
  await waitForFlow(db, plan.flowId, { timeoutMs: 60_000 });
  await worker.stop();

  const dashboard = await startDashboard({ connectionString: url, port: 0 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(`${dashboard.url}flows/${plan.flowId}`);
    await page.waitForSelector('body[data-rendered="8"]');
    const target = (await db.query('SELECT flowfabric.ff_flow_partition($1) AS p', [plan.flowId])).rows[0].p;
    await page.click(`[data-execution-id="{fp:${target}}:${plan.executionIds.refunds_check}"]`);
    await page.waitForSelector('#panel #reason');
    await page.screenshot({ path: output });
  } finally {
    await browser.close();
    await dashboard.close();
    await db.end();
  }
  console.log(`wrote ${output}`);
} finally {
  await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
  await admin.end();
  await server.stop();
}
