// Rendering docs/reference/sql.md from the catalogue: the functions grouped by what they are for,
// the domains, the tables and the error catalogue. Part of scripts/generate-docs.ts.
import { checkValues, type DocCatalogue, type DocDomain, type DocFunction } from '../lib/catalogue.js';
import { clientName, splitArguments, unionName } from '../client/typescript.js';

export const SQL_REFERENCE = 'docs/reference/sql.md';
const SCHEMA = 'flowfabric';

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
export const OTHER_GROUP = { title: 'Other', about: 'Functions not yet placed in a group (FUNCTION_GROUPS in scripts/generate-docs.ts).' };

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
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const ALNUM = /[A-Za-z0-9]/;

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

export const VOLATILITY: Record<string, string> = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' };

export function signature(fn: DocFunction): string {
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
export function paragraphs(comment: string | null): string {
  if (!comment || comment.trim() === '') return '_No COMMENT ON._\n';
  return comment.split('\n').filter((l) => l.trim() !== '').map((l) => `${markdownText(l.trim())}\n`).join('\n');
}

/** A cell of a Markdown table: escaped, on one line, `|` escaped so it stays in its cell. */
export function cell(text: string | null): string {
  return text === null ? '' : markdownText(text.replace(/\s*\n\s*/g, ' ')).replaceAll('|', '\\|');
}

/** A code span in a table cell (`|` escaped so it stays in its cell). */
export function codeCell(text: string | null): string {
  return text === null ? '' : `\`${text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|')}\``;
}

/** The GitHub anchor of a heading made only of [a-z0-9_ ] characters. */
export function anchor(heading: string): string {
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
export function renderTypes(domains: readonly DocDomain[]): string {
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
