// The generated regions of the hand-written pages: examples run on the scratch database (a psql
// session, `flowstage` command output, the TypeScript quickstart) and the code that replaces each
// region of a page. Part of scripts/generate-docs.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { main as cli } from '../../src/cli/index.js';
import { PSQL_APPROVAL } from '../approval-example.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The pinned clock of the examples whose output shows times: 2025-11-26T00:00:00Z. */
export const NOW = 1_764_115_200_000;
export const FLOW = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
export const EXTRACT = '0a0a0a0a-0000-4000-8000-000000000001';
export const TRANSFORM = '0a0a0a0a-0000-4000-8000-000000000002';
export const LOAD = '0a0a0a0a-0000-4000-8000-000000000003';
export const EDGE_1 = 'e0000000-0000-4000-8000-000000000001';
export const EDGE_2 = 'e0000000-0000-4000-8000-000000000002';
export const EDGE_3 = 'e0000000-0000-4000-8000-000000000003';

/**
 * The psql quickstart, run in order: statements, each with an optional comment line shown above it,
 * and psql's `\set name value` (then `:'name'` in a statement is that value as a literal, as in psql).
 */
export const PSQL_QUICKSTART: readonly { comment?: string; sql: string }[] = [
  { comment: 'Ids are yours to choose (uuids); psql variables keep the statements short.', sql: `\\set flow ${FLOW}` },
  { sql: `\\set extract ${EXTRACT}` },
  { sql: `\\set transform ${TRANSFORM}` },
  { sql: `\\set load ${LOAD}` },
  { comment: 'A flow. Its id picks its partition (238), where its executions will live.',
    sql: `SELECT * FROM flowfabric.ff_create_flow(:'flow', p_namespace => 'quickstart');` },
  { comment: 'Three executions on the flow\'s partition, each naming the Graphile Worker task that will run it.',
    sql: `SELECT * FROM flowfabric.ff_create_execution(:'extract', p_flow_id => :'flow', p_task_identifier => 'extract');` },
  { sql: `SELECT * FROM flowfabric.ff_create_execution(:'transform', p_flow_id => :'flow', p_task_identifier => 'transform');` },
  { sql: `SELECT * FROM flowfabric.ff_create_execution(:'load', p_flow_id => :'flow', p_task_identifier => 'load');` },
  { comment: 'Membership. Each add changes the graph, so it raises the flow\'s graph_revision.',
    sql: `SELECT * FROM flowfabric.ff_add_execution_to_flow(:'flow', :'extract');` },
  { sql: `SELECT * FROM flowfabric.ff_add_execution_to_flow(:'flow', :'transform');` },
  { sql: `SELECT * FROM flowfabric.ff_add_execution_to_flow(:'flow', :'load');` },
  { comment: 'Two edges, staged against the revision just read (3): all or nothing.',
    sql: `SELECT * FROM flowfabric.ff_stage_dependency_edges(:'flow', 3, jsonb_build_array(
  jsonb_build_object('edge_id', '${EDGE_1}', 'upstream_execution_id', :'extract', 'downstream_execution_id', :'transform'),
  jsonb_build_object('edge_id', '${EDGE_2}', 'upstream_execution_id', :'transform', 'downstream_execution_id', :'load')));` },
  { comment: 'An edge load -> extract would close a cycle: refused with the cycle, and nothing is written.',
    sql: `SELECT * FROM flowfabric.ff_stage_dependency_edge(:'flow', '${EDGE_3}', :'load', :'extract', p_expected_graph_revision => 5);` },
  { comment: 'A revision that is no longer current is refused too (FF006, the one retryable error).',
    sql: `SELECT * FROM flowfabric.ff_stage_dependency_edge(:'flow', '${EDGE_3}', :'extract', :'load', p_expected_graph_revision => 3);` },
  { comment: 'Applying an edge makes its child wait for it.',
    sql: `SELECT * FROM flowfabric.ff_apply_dependency_to_child(:'flow', '${EDGE_1}');` },
  { sql: `SELECT * FROM flowfabric.ff_apply_dependency_to_child(:'flow', '${EDGE_2}');` },
  { comment: 'Start it: extract depends on nothing, so its Graphile Worker job is enqueued now.',
    sql: `SELECT status, enqueued_count FROM flowfabric.ff_start_flow(:'flow');` },
  { sql: `SELECT execution_id, task_identifier, public_state, blocking_reason FROM flowfabric.ff_list_members(:'flow');` },
];

// psql right-aligns these types (int2, int4, int8, oid, float4, float8, numeric, money).
export const RIGHT_ALIGNED = new Set([21, 23, 20, 26, 700, 701, 1700, 790]);
export const width = (s: string) => [...s].length;

/** A result as psql prints it by default (aligned, border 1): header centred, numbers right-aligned, NULL empty. */
export function psqlTable(columns: { name: string; typeOid: number }[], rows: (string | null)[][]): string {
  const widths = columns.map((c, i) => Math.max(width(c.name), ...rows.map((r) => width(r[i] ?? ''))));
  const header = columns.map((c, i) => {
    const space = widths[i] - width(c.name);
    return `${' '.repeat(Math.floor(space / 2))}${c.name}${' '.repeat(Math.ceil(space / 2))}`;
  });
  const lines = [` ${header.join(' | ')} `, widths.map((w) => '-'.repeat(w + 2)).join('+')];
  for (const row of rows) {
    const cells = row.map((value, i) => {
      const text = value ?? '';
      const pad = ' '.repeat(widths[i] - width(text));
      if (RIGHT_ALIGNED.has(columns[i].typeOid)) return pad + text;
      return i === columns.length - 1 ? text : text + pad;
    });
    lines.push(` ${cells.join(' | ')}`);
  }
  lines.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs statements one by one and writes what psql -e would show (with \set SHOW_CONTEXT never).
 * `\set name value` lines define variables, used in later statements as :'name'.
 */
export async function psqlTranscript(db: pg.ClientBase, statements: readonly { comment?: string; sql: string }[]): Promise<string> {
  const variables = new Map<string, string>();
  const blocks: string[] = [];
  for (const { comment, sql } of statements) {
    let out = comment ? `-- ${comment}\n${sql}\n` : `${sql}\n`;
    const set = /^\\set (\w+) (\S+)$/.exec(sql);
    if (set) {
      variables.set(set[1], set[2]);
      blocks.push(out);
      continue;
    }
    const text = sql.replace(/:'(\w+)'/g, (_whole, name: string) => {
      const value = variables.get(name);
      if (value === undefined) throw new Error(`psql transcript: :'${name}' is not set`);
      return `'${value.replaceAll("'", "''")}'`;
    });
    try {
      // Every value as the server's text, as psql prints it.
      const result = await db.query({ text, rowMode: 'array', types: { getTypeParser: () => (value: string) => value } });
      out += psqlTable(result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })), result.rows);
    } catch (error) {
      const e = error as pg.DatabaseError;
      if (typeof e.severity !== 'string') throw error;
      out += `ERROR:  ${e.message}\n`;
      if (e.detail) out += `DETAIL:  ${e.detail}\n`;
      if (e.hint) out += `HINT:  ${e.hint}\n`;
    }
    blocks.push(`${out}\n`);
  }
  return blocks.join('').trimEnd() + '\n';
}

/**
 * The flow the `flowstage` command examples read: the quickstart's three steps, started, with
 * extract completed by hand, everything at the pinned clock. Returns nothing; ids are the constants above.
 */
export async function buildCliFlow(db: pg.ClientBase): Promise<void> {
  const q = (sql: string, values: unknown[]) => db.query(sql, [...values, NOW]);
  await q(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_namespace => 'quickstart', p_now_ms => $2)`, [FLOW]);
  for (const [id, task] of [[EXTRACT, 'extract'], [TRANSFORM, 'transform'], [LOAD, 'load']]) {
    await q('SELECT * FROM flowfabric.ff_create_execution(p_execution_id => $1, p_flow_id => $2, p_task_identifier => $3, p_now_ms => $4)', [id, FLOW, task]);
    await q('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2, p_now_ms => $3)', [FLOW, id]);
  }
  let revision = 3;
  for (const [edge, up, down] of [[EDGE_1, EXTRACT, TRANSFORM], [EDGE_2, TRANSFORM, LOAD]]) {
    await q(`SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3,
               p_downstream_execution_id => $4, p_expected_graph_revision => $5, p_now_ms => $6)`, [FLOW, edge, up, down, revision++]);
    await q('SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2, p_now_ms => $3)', [FLOW, edge]);
  }
  await q('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1, p_now_ms => $2)', [FLOW]);
  await q(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success',
             p_result => '{"rows": 1200}', p_now_ms => $2)`, [EXTRACT]);
}

let cliLock: Promise<unknown> = Promise.resolve();

/** Runs `flowstage <argv>` in this process with DATABASE_URL = url; stdout and stderr interleaved, as a terminal shows them. */
export async function runCli(url: string, argv: string[]): Promise<{ code: number; output: string }> {
  const run = cliLock.then(async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    let output = '';
    try {
      const code = await cli(argv, { out: (s) => { output += s; }, err: (s) => { output += s; } });
      return { code, output };
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
  cliLock = run.catch(() => {});
  return run;
}

/** A shell session of `flowstage` commands: each command, its output, and `echo $?` after a failure. */
export async function cliSession(url: string, commands: string[][]): Promise<string> {
  let out = '';
  for (const argv of commands) {
    const shown = argv.map((a) => (/^[\w./=-]+$/.test(a) ? a : `'${a}'`)).join(' ');
    const { code, output } = await runCli(url, argv);
    out += `$ flowstage ${shown}\n${output}`;
    if (!output.endsWith('\n')) out += '\n';
    if (code !== 0) out += `$ echo $?\n${code}\n`;
    out += '\n';
  }
  return out.trimEnd() + '\n';
}

export const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\`\n`;

/**
 * The generated regions, by name. `transcriptUrl` is a migrated database the psql quickstart runs
 * in; `cliUrl` another one (so the quickstart flow there can be built with a pinned clock).
 */
export async function renderRegions(transcriptUrl: string, cliUrl: string): Promise<Map<string, string>> {
  const regions = new Map<string, string>();
  const sqlOnly = PSQL_QUICKSTART.map(({ comment, sql }) => `${comment ? `-- ${comment}\n` : ''}${sql}\n`).join('');
  regions.set('psql-quickstart-sql', fence('sql', sqlOnly));
  // docs/branches.md: run by test/client/approval-example.test.ts
  regions.set('psql-approval-sql', fence('sql', PSQL_APPROVAL.map(({ comment, sql }) => `${comment ? `-- ${comment}\n` : ''}${sql}\n`).join('')));
  const client = new pg.Client({ connectionString: transcriptUrl });
  await client.connect();
  try {
    regions.set('psql-quickstart', fence('', await psqlTranscript(client, PSQL_QUICKSTART)));
  } finally {
    await client.end();
  }

  const cliDb = new pg.Client({ connectionString: cliUrl });
  await cliDb.connect();
  try {
    await buildCliFlow(cliDb);
  } finally {
    await cliDb.end();
  }
  regions.set('cli-help', fence('', await cliSession(cliUrl, [['--help']])));
  regions.set('cli-session', fence('', await cliSession(cliUrl, [
    ['list', '--namespace', 'quickstart'],
    ['describe', FLOW],
    ['edges', FLOW],
    ['explain', FLOW, `{fp:238}:${TRANSFORM}`],
    ['describe', '00000000-0000-4000-8000-000000000000'],
  ])));
  regions.set('cli-export', fence('', await cliSession(cliUrl, [['export', FLOW, '--format', 'mermaid']])));
  regions.set('cli-cancel', fence('', await cliSession(cliUrl, [['cancel', '--help']])));
  regions.set('cli-pause', fence('', await cliSession(cliUrl, [['pause', '--help']])));
  regions.set('cli-resume', fence('', await cliSession(cliUrl, [['resume', '--help']])));
  regions.set('cli-signal', fence('', await cliSession(cliUrl, [['signal', '--help']])));
  regions.set('cli-replay', fence('', await cliSession(cliUrl, [['replay', '--help']])));
  regions.set('cli-fail', fence('', await cliSession(cliUrl, [['fail', '--help']])));
  regions.set('cli-delay', fence('', await cliSession(cliUrl, [['delay', '--help']])));
  regions.set('cli-priority', fence('', await cliSession(cliUrl, [['priority', '--help']])));
  regions.set('cli-dashboard', fence('', await cliSession(cliUrl, [['dashboard', '--help']])));

  regions.set('quickstart-ts', fence('ts', await readFile(join(ROOT, 'scripts/quickstart.ts'), 'utf8')));
  regions.set('quickstart-ts-output', fence('', await readFile(join(ROOT, 'test/client/fixtures/quickstart.out.txt'), 'utf8')));
  // examples/ and their outputs (test/client/examples.test.ts checks them; check-package runs them).
  regions.set('example-ts', fence('ts', await readFile(join(ROOT, 'examples/quickstart.mts'), 'utf8')));
  regions.set('example-ts-output', fence('', await readFile(join(ROOT, 'test/client/fixtures/example-ts.out.txt'), 'utf8')));
  regions.set('example-sql', fence('sql', await readFile(join(ROOT, 'examples/quickstart.sql'), 'utf8')));
  regions.set('example-sql-output', fence('', await readFile(join(ROOT, 'test/client/fixtures/example-sql.out.txt'), 'utf8')));
  // docs/failures.md's worked example (test/client/failures-example.test.ts checks its output).
  regions.set('failures-example-ts', fence('ts', await readFile(join(ROOT, 'scripts/failures-example.ts'), 'utf8')));
  regions.set('failures-example-ts-output', fence('', await readFile(join(ROOT, 'test/client/fixtures/failures-example.out.txt'), 'utf8')));
  regions.set('worker-tasks', fence('ts', await readFile(join(ROOT, 'test/cli/fixtures/tasks.ts'), 'utf8')));
  return regions;
}

export const BEGIN = /^<!-- BEGIN GENERATED ([a-z0-9-]+) .*-->$/;

/** The page with every generated region replaced by its content; unknown or unterminated regions throw. */
export function applyRegions(page: string, regions: ReadonlyMap<string, string>, where = 'page'): string {
  const lines = page.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const begin = BEGIN.exec(lines[i]);
    if (!begin) continue;
    const name = begin[1];
    const content = regions.get(name);
    if (content === undefined) throw new Error(`${where}:${i + 1}: unknown generated region "${name}" (known: ${[...regions.keys()].join(', ')})`);
    const end = lines.indexOf(`<!-- END GENERATED ${name} -->`, i + 1);
    if (end < 0) throw new Error(`${where}:${i + 1}: generated region "${name}" has no "<!-- END GENERATED ${name} -->" line`);
    out.push(...content.replace(/\n$/, '').split('\n'));
    out.push(lines[end]);
    i = end;
  }
  return out.join('\n');
}
