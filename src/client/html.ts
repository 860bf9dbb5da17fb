// flowToHtml: a flow's DAG as one self-contained HTML page, drawn in the browser by dagre (the
// @dagrejs/dagre package's browser build, inlined: the page loads nothing from the network) and
// coloured by state with the palette of ff_flow_to_mermaid and ff_flow_to_dot.
//
// The flow, its members and its edges come from the read functions (ff_describe_flow,
// ff_list_members, ff_list_edges; ff_explain_execution for the fan-in group of each member with more
// than one inbound edge), so a flowstage_reader login can draw it. A node is labelled with its
// payload's `label` or `name` key when it has one, else `<first 8 hex of the id> <task>`; an edge
// with its state, data_passing_ref and (when not the default success_only) dependency kind. The
// legend is built from NODE_STYLES and EDGE_STYLES, so a state added there gets its entry.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  describeFlow,
  explainExecution,
  listEdges,
  listMembers,
  type DescribeFlowRow,
  type ExplainExecutionRow,
  type ListEdgesRow,
  type ListMembersRow,
  type PublicState,
} from '../generated/functions.js';
import type { Queryable } from './queryable.js';

export interface FlowHtmlOptions {
  /** A label per execution id (canonical or bare uuid); overrides the payload's label/name. */
  labels?: Record<string, string>;
  /** The page title; default `flow <flow_id>`. */
  title?: string;
}

/**
 * Node colours by public_state and edge colours by edge_state: the palette of ff_flow_to_mermaid and
 * ff_flow_to_dot (flowfabric._export_style; test/cli/flowstage.test.ts checks that they agree).
 * `active` is drawn as running. `other` is _export_style's fallback, kept so the palettes stay
 * equal; every state the read functions return has its own colour.
 */
export const NODE_STYLES: Record<string, { fill: string; stroke: string }> = {
  waiting: { fill: '#f5f5f5', stroke: '#9e9e9e' },
  waiting_children: { fill: '#fff8e1', stroke: '#ffa000' },
  delayed: { fill: '#ede7f6', stroke: '#7e57c2' },
  running: { fill: '#e3f2fd', stroke: '#1e88e5' },
  completed: { fill: '#e8f5e9', stroke: '#43a047' },
  failed: { fill: '#ffebee', stroke: '#e53935' },
  cancelled: { fill: '#eceff1', stroke: '#546e7a' },
  expired: { fill: '#fce4ec', stroke: '#d81b60' },
  skipped: { fill: '#fafafa', stroke: '#bdbdbd' },
  other: { fill: '#ffffff', stroke: '#000000' },
};
export const EDGE_STYLES: Record<string, string> = {
  pending: '#9e9e9e',
  applied: '#ffa000',
  satisfied: '#43a047',
  impossible: '#e53935',
  other: '#000000',
};

/** The style class of a node state (as _export_style names it). */
export function nodeClass(state: PublicState): string {
  return state === 'active' ? 'running' : state;
}

/** What the page draws (embedded as JSON). */
interface PageData {
  flow: Pick<DescribeFlowRow, 'flow_id' | 'namespace' | 'public_flow_state' | 'graph_revision' | 'node_count' | 'edge_count'>;
  /** group: the fan-in policy and decision of a member with more than one inbound edge, else null. */
  nodes: { id: string; label: string; detail: string; state: string; style: string; group: string | null }[];
  /** label: what the edge shows next to it (state, data_passing_ref, a kind other than success_only). */
  edges: {
    id: string;
    from: string;
    to: string;
    state: string;
    style: string;
    ref: string | null;
    kind: string;
    label: string;
  }[];
}

/** The default dependency kind, not repeated on every edge's label. */
const DEFAULT_KIND = 'success_only';

/** An edge's label: `<state>[ · <data_passing_ref>][ · <kind>][ · if <condition>]` (docs/semantics.md §10.1). */
export function edgeLabel(edge: Pick<ListEdgesRow, 'edge_state' | 'data_passing_ref' | 'dependency_kind' | 'condition'>): string {
  return [
    edge.edge_state,
    edge.data_passing_ref || null,
    edge.dependency_kind !== DEFAULT_KIND ? edge.dependency_kind : null,
    edge.condition ? `if ${edge.condition}` : null,
  ]
    .filter((part) => part !== null)
    .join(' · ');
}

/**
 * A fan-in group as a node shows it: `all_of`, `any_of, cancel_remaining`, `quorum 2, let_run`, then
 * its decision and counts: `: satisfied (1 ok, 2 failed/cancelled)`. No group row: all_of, the default.
 */
export function groupText(
  row: Pick<ExplainExecutionRow, 'group_policy' | 'group_decision' | 'success_count' | 'fail_count' | 'skip_count'>,
): string {
  const policy = (row.group_policy ?? { kind: 'all_of' }) as { kind?: string; k?: number; on_satisfied?: string };
  let text = policy.kind === 'quorum' ? `quorum ${policy.k}` : String(policy.kind ?? 'all_of');
  if (policy.on_satisfied) text += `, ${policy.on_satisfied}`;
  if (row.group_decision) {
    // fail_count: upstreams that ended failed, cancelled or expired (not skipped).
    const counts = [
      [row.success_count, 'ok'],
      [row.fail_count, 'failed/cancelled'],
      [row.skip_count, 'skipped'],
    ]
      .filter(([n]) => Number(n) > 0)
      .map(([n, what]) => `${n} ${what}`);
    text += `: ${row.group_decision}${counts.length ? ` (${counts.join(', ')})` : ''}`;
  }
  return text;
}

const uuidOf = (id: string) => id.slice(id.lastIndexOf(':') + 1);

/** The flow as a self-contained HTML page (see the file header). */
export async function flowToHtml(db: Queryable, flowId: string, options: FlowHtmlOptions = {}): Promise<string> {
  const [flow] = await describeFlow(db, { flowId });
  const members = await allPages<ListMembersRow>(
    (after) => listMembers(db, { flowId, after, limit: 1000 }),
    (m) => m.execution_id,
  );
  const edges = await allPages<ListEdgesRow>(
    (after) => listEdges(db, { flowId, after, limit: 1000 }),
    (e) => e.edge_id,
  );
  const labels = new Map<string, string>();
  if (!options.labels) {
    for (const m of members) {
      const label = payloadLabel(m.payload);
      if (label !== undefined) labels.set(uuidOf(m.execution_id), label);
    }
  }
  for (const [id, label] of Object.entries(options.labels ?? {})) labels.set(uuidOf(id), label);
  const inbound = new Map<string, number>();
  for (const e of edges) inbound.set(e.downstream_execution_id, (inbound.get(e.downstream_execution_id) ?? 0) + 1);
  const groups = new Map<string, string>();
  for (const [executionId, count] of inbound) {
    if (count < 2) continue;
    const [row] = await explainExecution(db, { flowId, executionId });
    if (row) groups.set(executionId, groupText(row));
  }
  const data: PageData = {
    flow: {
      flow_id: flow.flow_id,
      namespace: flow.namespace,
      public_flow_state: flow.public_flow_state,
      graph_revision: flow.graph_revision,
      node_count: flow.node_count,
      edge_count: flow.edge_count,
    },
    nodes: members.map((m) => {
      const id = m.execution_id;
      const short = `${uuidOf(id).slice(0, 8)}${m.task_identifier ? ` ${m.task_identifier}` : ''}`;
      const label = labels.get(uuidOf(id));
      return {
        id,
        label: label ?? short,
        detail: label !== undefined ? `${short} · ${m.public_state}` : m.public_state,
        state: m.public_state,
        style: nodeClass(m.public_state),
        group: groups.get(id) ?? null,
      };
    }),
    edges: edges.map((e) => ({
      id: e.edge_id,
      from: e.upstream_execution_id,
      to: e.downstream_execution_id,
      state: e.edge_state,
      style: e.edge_state,
      ref: e.data_passing_ref,
      kind: e.dependency_kind,
      label: edgeLabel(e),
    })),
  };
  return page(options.title ?? `flow ${flowId}`, data, await dagreSource());
}

async function allPages<Row>(page: (after: string | undefined) => Promise<Row[]>, key: (row: Row) => string): Promise<Row[]> {
  const rows: Row[] = [];
  for (let after: string | undefined; ;) {
    const batch = await page(after);
    rows.push(...batch);
    if (batch.length === 0) return rows;
    after = key(batch[batch.length - 1]);
  }
}

/** A member's payload `label` (else `name`) when it is a string. */
function payloadLabel(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const { label, name } = payload as Record<string, unknown>;
  return typeof label === 'string' ? label : typeof name === 'string' ? name : undefined;
}

let dagre: Promise<{ version: string; source: string }> | undefined;

/** The browser build of @dagrejs/dagre (graphlib included), read from the installed package. */
function dagreSource(): Promise<{ version: string; source: string }> {
  dagre ??= (async () => {
    const manifest = createRequire(import.meta.url).resolve('@dagrejs/dagre/package.json');
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    const source = await readFile(join(dirname(manifest), 'dist', 'dagre.min.js'), 'utf8');
    return { version, source: source.replace(/\/\/# sourceMappingURL=\S+\s*$/, '') };
  })();
  return dagre;
}

/** Text for an inline <script>: nothing in it can end the element. */
function scriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The legend, from the style tables (`other`, the fallback, aside): every node style with its fill
 * and border and the number of members drawn with it, every edge style with its line and count.
 */
export function legendHtml(data: Pick<PageData, 'nodes' | 'edges'>): string {
  const count = (items: { style: string }[], style: string) => items.filter((i) => i.style === style).length;
  const nodes = Object.keys(NODE_STYLES)
    .filter((name) => name !== 'other')
    .map(
      (name) => `<span class="legend-node state-${name}" data-legend-node="${name}">${name} ${count(data.nodes, name)}</span>`,
    );
  const edges = Object.keys(EDGE_STYLES)
    .filter((name) => name !== 'other')
    .map(
      (name) =>
        `<span class="legend-edge edge-${name}" data-legend-edge="${name}"><svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5"/></svg>${name} ${count(data.edges, name)}</span>`,
    );
  return `<div class="legend" id="legend">
<div class="legend-row"><b>executions</b> ${nodes.join(' ')}</div>
<div class="legend-row"><b>edges</b> ${edges.join(' ')} <i>label: state · data_passing_ref; fan-in children show their group policy</i></div>
</div>`;
}

function page(title: string, data: PageData, dagreJs: { version: string; source: string }): string {
  const css = Object.entries(NODE_STYLES)
    .map(
      ([name, s]) =>
        `.node.state-${name} rect { fill: ${s.fill}; stroke: ${s.stroke}; }\n.legend .state-${name} { background: ${s.fill}; border-color: ${s.stroke}; }`,
    )
    .concat(
      Object.entries(EDGE_STYLES).map(
        ([name, stroke]) =>
          `.edge.edge-${name} path { stroke: ${stroke}; }\n#arrow-${name} path { fill: ${stroke}; }\n.legend .edge-${name} line { stroke: ${stroke}; }`,
      ),
    )
    .join('\n');
  const json = JSON.stringify({ ...data, edgeStyles: Object.keys(EDGE_STYLES) }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #212121; }
h1 { font-size: 18px; margin: 0 0 4px; font-weight: 600; }
.meta { color: #616161; margin-bottom: 8px; }
.legend { margin-bottom: 12px; font-size: 12px; }
.legend-row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-bottom: 4px; }
.legend-row b { width: 72px; font-weight: 600; }
.legend-row i { color: #616161; }
.legend-node { border: 2px solid; border-radius: 4px; padding: 1px 8px; }
.legend-edge { display: inline-flex; align-items: center; gap: 4px; padding: 1px 4px; }
.legend-edge line { stroke-width: 2px; }
.legend .edge-pending line { stroke-dasharray: 4 3; }
.node rect { stroke-width: 2px; }
.node text { font-size: 13px; fill: #212121; }
.node text.detail { font-size: 11px; fill: #616161; }
.node text.group { font-size: 11px; fill: #424242; font-style: italic; }
.edge path { fill: none; stroke-width: 1.5px; }
.edge.edge-pending path { stroke-dasharray: 5 4; }
.edge.edge-satisfied path { stroke-width: 2.5px; }
.edge[data-kind="failure_only"] path { stroke: #e53935; stroke-dasharray: 5 4; }
.edge text { font-size: 11px; fill: #616161; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; }
#error { color: #e53935; }
#graph svg { max-width: 100%; height: auto; }
${css}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta" id="meta"></div>
${legendHtml(data)}
<div id="error"></div>
<div id="graph"></div>
<script type="application/json" id="flow-data">${json}</script>
<!-- dagre ${escapeHtml(dagreJs.version)} (MIT, https://github.com/dagrejs/dagre), inlined from the @dagrejs/dagre package -->
<script>${scriptText(dagreJs.source)}</script>
<script>${scriptText(RENDER)}</script>
</body>
</html>
`;
}

/** Lays the graph out with dagre and draws it as SVG: g.node.state-<class> per member, g.edge.edge-<state> per edge. */
const RENDER = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('flow-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  var f = data.flow;
  document.getElementById('meta').textContent = f.public_flow_state + ' · namespace ' + f.namespace + ' · graph_revision ' +
    f.graph_revision + ' · ' + f.node_count + ' nodes, ' + f.edge_count + ' edges';
  if (typeof dagre === 'undefined') {
    document.getElementById('error').textContent = 'dagre did not load: the graph cannot be drawn.';
    return;
  }
  var measure = document.createElement('canvas').getContext('2d');
  function width(text, size) { measure.font = size + 'px system-ui, sans-serif'; return measure.measureText(text).width; }
  // A smooth path through dagre's bend points: straight to the first midpoint, quadratic curves around each bend.
  function curve(points) {
    function xy(p) { return p.x.toFixed(1) + ' ' + p.y.toFixed(1); }
    var d = 'M' + xy(points[0]);
    for (var i = 1; i < points.length - 1; i++) {
      var mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
      d += (i === 1 ? ' L' + xy({ x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2 }) : '') +
        ' Q' + xy(points[i]) + ' ' + xy(i === points.length - 2 ? points[i + 1] : mid);
    }
    return points.length === 2 ? d + ' L' + xy(points[1]) : d;
  }
  var g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 56, marginx: 12, marginy: 12 });
  data.nodes.forEach(function (n) {
    g.setNode(n.id, { node: n, width: Math.max(width(n.label, 13), width(n.detail, 11), n.group ? width(n.group, 11) : 0) + 28,
      height: n.group ? 62 : 46 });
  });
  data.edges.forEach(function (e) {
    if (!g.hasNode(e.from) || !g.hasNode(e.to)) return;
    var label = { width: width(e.label, 11) + 8, height: 14, labelpos: 'c' };
    label.edge = e;
    g.setEdge(e.from, e.to, label, e.id);
  });
  dagre.layout(g);
  var size = g.graph();
  // A small flow is drawn larger (up to twice its size, to about 480 px wide); a large one at its size.
  var scale = Math.min(2, Math.max(1, 480 / size.width));
  var svg = el('svg', { width: Math.ceil(size.width * scale), height: Math.ceil(size.height * scale), role: 'img',
    viewBox: '0 0 ' + Math.ceil(size.width) + ' ' + Math.ceil(size.height) }, document.getElementById('graph'));
  var defs = el('defs', {}, svg);
  data.edgeStyles.forEach(function (state) {
    var marker = el('marker', { id: 'arrow-' + state, viewBox: '0 0 10 10', refX: 9, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 10, markerHeight: 10, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M 0 0 L 10 5 L 0 10 z' }, marker);
  });
  g.edges().forEach(function (key) {
    var edge = g.edge(key);
    var e = edge.edge;
    var group = el('g', { 'class': 'edge edge-' + e.style, 'data-edge-id': e.id, 'data-kind': e.kind }, svg);
    el('path', { d: curve(edge.points), 'marker-end': 'url(#arrow-' + e.style + ')' }, group);
    el('text', { x: edge.x.toFixed(1), y: (edge.y + 4).toFixed(1), 'text-anchor': 'middle' }, group).textContent = e.label;
    el('title', {}, group).textContent = e.state + ' · ' + e.kind + (e.ref ? ' · passes result as ' + e.ref : '');
  });
  g.nodes().forEach(function (id) {
    var box = g.node(id);
    var n = box.node;
    var group = el('g', { 'class': 'node state-' + n.style, 'data-execution-id': n.id,
      transform: 'translate(' + (box.x - box.width / 2).toFixed(1) + ',' + (box.y - box.height / 2).toFixed(1) + ')' }, svg);
    el('rect', { width: box.width, height: box.height, rx: 6, ry: 6 }, group);
    el('text', { x: 14, y: 19 }, group).textContent = n.label;
    el('text', { x: 14, y: 36, 'class': 'detail' }, group).textContent = n.detail;
    if (n.group) el('text', { x: 14, y: 53, 'class': 'group' }, group).textContent = n.group;
    el('title', {}, group).textContent = n.id + ' · ' + n.state;
  });
  document.body.setAttribute('data-rendered', String(data.nodes.length));
})();
`;
