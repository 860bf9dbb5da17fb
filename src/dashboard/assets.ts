// What the dashboard serves to the browser, all from the package: the page shell (one HTML file for
// both views), its style sheet and script (./app.ts, kept as strings here so `tsc` puts them in dist
// with the rest of the code), and the browser build of @dagrejs/dagre read from the installed
// dependency (as the static HTML export does). No CDN and no network at run time.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EDGE_STYLES, NODE_STYLES } from '../client/html.js';
import { APP_CSS, APP_JS } from './app.js';

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flowstage dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/dagre.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<header><a href="/" class="brand">flowstage</a> <span id="session"></span></header>
<main id="main"><p class="muted">Loading…</p></main>
</body>
</html>
`;

/** Node and edge colours: the palette of the export (ff_flow_to_mermaid's); `active` drawn as running. */
function stateCss(): string {
  const lines: string[] = [];
  const states: Record<string, string> = {
    waiting: 'waiting',
    waiting_children: 'waiting_children',
    active: 'running',
    completed: 'completed',
    failed: 'failed',
    cancelled: 'cancelled',
    expired: 'expired',
    skipped: 'skipped',
  };
  lines.push(`.node rect, rect.node { fill: ${NODE_STYLES.other.fill}; stroke: ${NODE_STYLES.other.stroke}; }`);
  for (const [state, style] of Object.entries(states)) {
    const s = NODE_STYLES[style];
    lines.push(`.node[data-state="${state}"] rect, rect.node[data-state="${state}"] { fill: ${s.fill}; stroke: ${s.stroke}; }`);
    lines.push(`.chip.state-${state}, .bar .state-${state} { background: ${s.fill}; border-color: ${s.stroke}; }`);
  }
  for (const [state, stroke] of Object.entries(EDGE_STYLES)) {
    lines.push(`.edge.edge-${state} { stroke: ${stroke}; }`);
  }
  return lines.join('\n');
}

let dagre: Promise<string> | undefined;
function dagreSource(): Promise<string> {
  dagre ??= (async () => {
    const manifest = createRequire(import.meta.url).resolve('@dagrejs/dagre/package.json');
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    const source = await readFile(join(dirname(manifest), 'dist', 'dagre.min.js'), 'utf8');
    return `/* dagre ${version} (MIT, https://github.com/dagrejs/dagre), from the @dagrejs/dagre package */\n${source.replace(
      /\/\/# sourceMappingURL=\S+\s*$/,
      '',
    )}`;
  })();
  return dagre;
}

export const assets = {
  page: PAGE,
  async file(name: string): Promise<string> {
    if (name === 'app.js') return APP_JS;
    if (name === 'app.css') return `${APP_CSS}\n${stateCss()}\n`;
    if (name === 'dagre.js') return dagreSource();
    throw new Error(`no asset ${name}`);
  },
};
