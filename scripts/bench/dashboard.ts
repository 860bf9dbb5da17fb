// F. The dashboard's page for a big flow (issue 20): the layered DAG of section A (10,000
// executions / 29,700 edges at full size) submitted, `flowstage dashboard` started on it, and the
// time from opening /flows/<id> in headless Chromium (Debian's /usr/bin/chromium, playwright-core)
// until the page is usable: every node drawn (laid out, scrollable) and a clicked node's
// explanation shown in the side panel. Skipped, with a note, where Chromium is not installed.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startDashboard } from '../../src/dashboard/index.js';
import { client, now } from './common.js';
import { NOOP_TASK, type Context } from './context.js';
import { SUBMIT_SQL, layeredDag, planOf } from './dag.js';

const CHROMIUM = '/usr/bin/chromium';

export async function dashboardRound(ctx: Context): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    ctx.results.note(`F: ${CHROMIUM} is not installed; the dashboard page is not measured.`);
    return;
  }
  const { layers, width, fanIn } = ctx.sizes.submit;
  const dag = layeredDag(layers, width, fanIn);
  const plan = planOf(dag, NOOP_TASK);
  const label = `${plan.executions.length.toLocaleString('en-US')} nodes / ${plan.edges.length.toLocaleString('en-US')} edges`;
  await ctx.scratch.with(ctx.templates.flowstage, async (url) => {
    const db = await client(url);
    const flowId = randomUUID();
    try {
      await db.query(SUBMIT_SQL, [flowId, JSON.stringify(plan)]);
    } finally {
      await db.end();
    }
    const dashboard = await startDashboard({ connectionString: url, port: 0 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const started = now();
      await page.goto(`${dashboard.url}flows/${flowId}`);
      await page.waitForSelector(`body[data-rendered="${plan.executions.length}"]`, { timeout: 120_000 });
      const drawn = now() - started;
      // A node deep in the graph: scrolled to, clicked, explained.
      const target = `{fp:${await partitionOf(url, flowId)}}:${plan.executions[plan.executions.length - 1].execution_id}`;
      const node = page.locator(`[data-execution-id="${target}"]`);
      await node.scrollIntoViewIfNeeded();
      await node.click();
      await page.waitForSelector(`#panel[data-execution-id="${target}"] #reason`, { timeout: 60_000 });
      const usable = now() - started;
      ctx.results.add('F.drawn', 'F', `dashboard flow page drawn, headless Chromium (${label})`, 'ms', drawn);
      ctx.results.add(
        'F.usable',
        'F',
        `dashboard flow page usable: drawn, a node clicked and explained (${label})`,
        'ms',
        usable,
      );
    } finally {
      await browser.close();
      await dashboard.close();
    }
  });
}

async function partitionOf(url: string, flowId: string): Promise<number> {
  const db = await client(url);
  try {
    return (await db.query('SELECT flowfabric.ff_flow_partition($1) AS p', [flowId])).rows[0].p;
  } finally {
    await db.end();
  }
}
