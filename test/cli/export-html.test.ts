// `flowstage export <flow_id> --format html`: a self-contained page that draws the DAG coloured by
// state, checked in Debian's headless Chromium (apt-get install -y chromium; .ci/run installs it).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { flowstage } from './bin.js';
import { EDGE_STYLES, NODE_STYLES, edgeLabel, groupText, nodeClass } from '../../src/client/html.js';
import { FlowPlan, completeExecution, flowToMermaid, listEdges, listMembers } from '../../src/index.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { FIXED, buildFixedDag } from '../helpers/read.js';

const CHROMIUM = '/usr/bin/chromium';
/** Tests that need the browser run where Debian's chromium is installed (CI installs it) and are skipped elsewhere. */
const inChromium = existsSync(CHROMIUM) ? test : test.skip;

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-html-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Exports the flow to dir/flow.html through the real binary; returns the file. */
async function exportHtml(t: ExecutionContext, url: string, flowId: string, dir: string): Promise<string> {
  const file = join(dir, 'flow.html');
  const run = await flowstage(['export', flowId, '--format', 'html', '--output', file], { DATABASE_URL: url });
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, `wrote ${file}\n`);
  return file;
}

/** Runs headless Chromium with every host unresolvable (the page must need no network); resolves with its stdout. */
function chromium(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--host-resolver-rules=MAP * ~NOTFOUND',
        `--user-data-dir=${join(dir, 'profile')}`,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`chromium exited ${code}: ${stderr}`))));
  });
}

/** The drawn nodes (g.node) and edges (g.edge) of a rendered DOM: id -> style class. */
function drawn(dom: string) {
  const nodes = new Map(
    [...dom.matchAll(/<g class="node state-([a-z_]+)" data-execution-id="([^"]+)"/g)].map((m) => [m[2], m[1]]),
  );
  const edges = new Map([...dom.matchAll(/<g class="edge edge-([a-z_]+)" data-edge-id="([^"]+)"/g)].map((m) => [m[2], m[1]]));
  return { nodes, edges };
}

inChromium(
  'the page draws one node per member, coloured by its state, and one edge per edge, in headless Chromium',
  async (t) => {
    const db = await testDatabase(t);
    await buildFixedDag(db);
    const dir = await tempDir(t);
    const file = await exportHtml(t, connectionStringOf(db), FIXED.flowId, dir);
    const dom = await chromium(dir, ['--dump-dom', pathToFileURL(file).href]);
    const { nodes, edges } = drawn(dom);
    const members = await listMembers(db, { flowId: FIXED.flowId });
    t.deepEqual(nodes, new Map(members.map((m) => [m.execution_id, nodeClass(m.public_state)])));
    t.deepEqual([...new Set(nodes.values())].sort(), ['completed', 'failed', 'skipped', 'waiting_children']);
    const flowEdges = await listEdges(db, { flowId: FIXED.flowId });
    t.deepEqual(edges, new Map(flowEdges.map((e) => [e.edge_id, e.edge_state])));
    // Text is drawn as text: the task identifier notify<"ops"> is not markup.
    t.regex(dom, /<text x="14" y="19">0d000000 notify&lt;"ops"&gt;<\/text>/);
  },
);

inChromium("a screenshot of the page is a picture of the window's size", async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const dir = await tempDir(t);
  const file = await exportHtml(t, connectionStringOf(db), FIXED.flowId, dir);
  const png = join(dir, 'flow.png');
  await chromium(dir, [`--screenshot=${png}`, '--window-size=900,700', pathToFileURL(file).href]);
  const bytes = await readFile(png);
  t.is(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  t.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [900, 700]); // IHDR width, height
  t.true((await stat(png)).size > 10_000, 'a drawn page, not a blank one');
});

inChromium("nodes are labelled with their payload's label or name key, else the short id and task", async (t) => {
  const db = await testDatabase(t);
  const plan = new FlowPlan('1f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', {
    mirror_a: { task: 'mirror', payload: { name: 'mirror_a' } },
    mirror_b: { task: 'mirror', payload: { label: 'mirror B (backup)', name: 'ignored' } },
    rates: { task: 'rates', after: ['mirror_a', 'mirror_b'] },
  });
  await plan.submit(db);
  const dir = await tempDir(t);
  const file = await exportHtml(t, connectionStringOf(db), plan.flowId, dir);
  const dom = await chromium(dir, ['--dump-dom', pathToFileURL(file).href]);
  const labels = [...dom.matchAll(/<text x="14" y="19">([^<]*)<\/text>/g)].map((m) => m[1]).sort();
  t.deepEqual(labels, [`${plan.executionIds.rates.slice(0, 8)} rates`, 'mirror B (backup)', 'mirror_a']);
});

test('the page is self-contained: no script, style sheet, image or font is loaded from elsewhere', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const dir = await tempDir(t);
  const html = await readFile(await exportHtml(t, connectionStringOf(db), FIXED.flowId, dir), 'utf8');
  t.notRegex(html, /<(script|img|iframe|link)\b[^>]*\b(src|href)=/i);
  t.notRegex(html, /@import|url\((?!#arrow-)/);
  t.regex(html, /<!-- dagre \d+\.\d+\.\d+ \(MIT/);
});

test('the page colours states as ff_flow_to_mermaid does', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const mermaid = (await flowToMermaid(db, { flowId: FIXED.flowId }))!;
  const classDefs = Object.fromEntries(
    [...mermaid.matchAll(/classDef (\w+) fill:(#\w+),stroke:(#\w+)/g)].map((m) => [m[1], { fill: m[2], stroke: m[3] }]),
  );
  t.deepEqual(classDefs, NODE_STYLES);
  const edgeStates = [...mermaid.matchAll(/ (?:-->|-\.->|==>)\|(\w+)\| /g)].map((m) => m[1]);
  const strokes = [...mermaid.matchAll(/linkStyle (\d+) stroke:(#\w+)/g)].map((m) => m[2]);
  t.is(edgeStates.length, 4);
  t.deepEqual(
    strokes,
    edgeStates.map((state) => EDGE_STYLES[state]),
  );
});

test('the legend has an entry for every node and edge style of the style tables, with the number drawn in each', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const dir = await tempDir(t);
  const html = await readFile(await exportHtml(t, connectionStringOf(db), FIXED.flowId, dir), 'utf8');
  const nodes = Object.fromEntries(
    [...html.matchAll(/data-legend-node="([a-z_]+)">[a-z_]+ (\d+)</g)].map((m) => [m[1], Number(m[2])]),
  );
  const edges = Object.fromEntries(
    [...html.matchAll(/data-legend-edge="([a-z_]+)"><svg[^]*?<\/svg>[a-z_]+ (\d+)</g)].map((m) => [m[1], Number(m[2])]),
  );
  const styles = (table: object) =>
    Object.keys(table)
      .filter((name) => name !== 'other')
      .sort();
  t.deepEqual(Object.keys(nodes).sort(), styles(NODE_STYLES));
  t.deepEqual(Object.keys(edges).sort(), styles(EDGE_STYLES));
  t.like(nodes, { completed: 1, failed: 1, skipped: 1, waiting_children: 1, running: 0 });
  t.like(edges, { pending: 1, applied: 1, satisfied: 1, impossible: 1 });
  for (const [name, stroke] of Object.entries(EDGE_STYLES))
    t.true(html.includes(`.legend .edge-${name} line { stroke: ${stroke}; }`), name);
});

test('an edge label is its state, then its data_passing_ref, a dependency kind other than success_only, and its condition', (t) => {
  t.is(
    edgeLabel({ edge_state: 'satisfied', data_passing_ref: 'page', dependency_kind: 'success_only', condition: null }),
    'satisfied · page',
  );
  t.is(edgeLabel({ edge_state: 'pending', data_passing_ref: '', dependency_kind: 'success_only', condition: null }), 'pending');
  t.is(
    edgeLabel({ edge_state: 'impossible', data_passing_ref: '', dependency_kind: 'failure_only', condition: null }),
    'impossible · failure_only',
  );
  t.is(
    edgeLabel({ edge_state: 'applied', data_passing_ref: 'rows', dependency_kind: 'success_only', condition: '$.rows > 0' }),
    'applied · rows · if $.rows > 0',
  );
});

test('a group is shown as its policy, then its decision and counts', (t) => {
  t.is(
    groupText({ group_policy: null, group_decision: null, success_count: null, fail_count: null, skip_count: null }),
    'all_of',
  );
  t.is(
    groupText({
      group_policy: { kind: 'any_of', on_satisfied: 'cancel_remaining' },
      group_decision: 'satisfied',
      success_count: 1,
      fail_count: 2,
      skip_count: 0,
    }),
    'any_of, cancel_remaining: satisfied (1 ok, 2 failed/cancelled)',
  );
  t.is(
    groupText({
      group_policy: { kind: 'quorum', k: 2, on_satisfied: 'let_run' },
      group_decision: 'pending',
      success_count: 0,
      fail_count: 0,
      skip_count: 0,
    }),
    'quorum 2, let_run: pending',
  );
});

inChromium(
  'edges are labelled with their state and data_passing_ref, and a child of several parents with its group policy',
  async (t) => {
    const db = await testDatabase(t);
    const plan = new FlowPlan('2f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', {
      a: { payload: { name: 'a' } },
      b: { payload: { name: 'b' } },
      c: { payload: { name: 'c' } },
      rates: { inputs: { rate: ['a', 'b', 'c'] }, group: { kind: 'any_of', onSatisfied: 'let_run' }, payload: { name: 'rates' } },
      report: { after: ['rates'], payload: { name: 'report' } },
    });
    const { ids } = await plan.submit(db, { start: true });
    await completeExecution(db, { executionId: ids.a, outcome: 'failed', result: null });
    await completeExecution(db, { executionId: ids.b, outcome: 'failed', result: null });
    await completeExecution(db, { executionId: ids.c, outcome: 'success', result: { rate: 1.1 } });
    const dir = await tempDir(t);
    const file = await exportHtml(t, connectionStringOf(db), plan.flowId, dir);
    const dom = await chromium(dir, ['--dump-dom', pathToFileURL(file).href]);
    const edgeTexts = [
      ...dom.matchAll(/<g class="edge [^"]+" data-edge-id="[^"]+"[^>]*><path[^>]*><\/path><text[^>]*>([^<]*)<\/text>/g),
    ]
      .map((m) => m[1])
      .sort();
    t.deepEqual(edgeTexts, ['applied', 'impossible · rate', 'impossible · rate', 'satisfied · rate']);
    const groups = [...dom.matchAll(/<text x="14" y="53" class="group">([^<]*)<\/text>/g)].map((m) => m[1]);
    t.deepEqual(groups, ['any_of, let_run: satisfied (1 ok, 2 failed/cancelled)']); // only rates has more than one parent
  },
);

inChromium('a small flow is drawn larger than its layout, a large one at its size', async (t) => {
  const db = await testDatabase(t);
  const small = new FlowPlan('3f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', { only: { task: 'x' } });
  await small.submit(db);
  const wide = new FlowPlan(
    '4f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
    Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`step_${i}`, { task: 'x' }])),
  );
  await wide.submit(db);
  const dir = await tempDir(t);
  const widths: number[] = [];
  for (const flowId of [small.flowId, wide.flowId]) {
    const file = await exportHtml(t, connectionStringOf(db), flowId, dir);
    const dom = await chromium(dir, ['--dump-dom', pathToFileURL(file).href]);
    const [, width, viewWidth] = /<svg width="(\d+)" height="\d+" role="img" viewBox="0 0 (\d+) \d+"/.exec(dom)!;
    widths.push(Number(width) / Number(viewWidth));
  }
  t.true(widths[0] > 1.5, `small flow scale ${widths[0]}`);
  t.is(widths[1], 1);
});
