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
import { EDGE_STYLES, NODE_STYLES, nodeClass } from '../../src/client/html.js';
import { FlowPlan, flowToMermaid, listEdges, listMembers } from '../../src/index.js';
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
    const child = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${join(dir, 'profile')}`,
      ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`chromium exited ${code}: ${stderr}`))));
  });
}

/** The drawn nodes (g.node) and edges (g.edge) of a rendered DOM: id -> style class. */
function drawn(dom: string) {
  const nodes = new Map([...dom.matchAll(/<g class="node state-([a-z_]+)" data-execution-id="([^"]+)"/g)].map((m) => [m[2], m[1]]));
  const edges = new Map([...dom.matchAll(/<g class="edge edge-([a-z_]+)" data-edge-id="([^"]+)"/g)].map((m) => [m[2], m[1]]));
  return { nodes, edges };
}

inChromium('the page draws one node per member, coloured by its state, and one edge per edge, in headless Chromium', async (t) => {
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
});

inChromium('a screenshot of the page is a picture of the window\'s size', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const dir = await tempDir(t);
  const file = await exportHtml(t, connectionStringOf(db), FIXED.flowId, dir);
  const png = join(dir, 'flow.png');
  await chromium(dir, [`--screenshot=${png}`, '--window-size=900,700', pathToFileURL(file).href]);
  const bytes = await readFile(png);
  t.is(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  t.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [900, 700]);  // IHDR width, height
  t.true((await stat(png)).size > 10_000, 'a drawn page, not a blank one');
});

inChromium('nodes are labelled with their payload\'s label or name key, else the short id and task', async (t) => {
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
  const classDefs = Object.fromEntries([...mermaid.matchAll(/classDef (\w+) fill:(#\w+),stroke:(#\w+)/g)]
    .map((m) => [m[1], { fill: m[2], stroke: m[3] }]));
  t.deepEqual(classDefs, NODE_STYLES);
  const edgeStates = [...mermaid.matchAll(/ (?:-->|-\.->|==>)\|(\w+)\| /g)].map((m) => m[1]);
  const strokes = [...mermaid.matchAll(/linkStyle (\d+) stroke:(#\w+)/g)].map((m) => m[2]);
  t.is(edgeStates.length, 4);
  t.deepEqual(strokes, edgeStates.map((state) => EDGE_STYLES[state]));
});
