// scripts/generate-docs.ts: the SQL reference covers the whole public catalogue of a migrated
// database, deterministically; the examples in the pages are rendered from real runs, and the
// committed pages match them.
import test from 'ava';
import * as flowstage from '../../src/index.js';
import {
  FUNCTION_GROUPS,
  applyRegions,
  docsDrift,
  errorClassName,
  groupFunctions,
  markdownText,
  psqlTable,
  readDocCatalogue,
  renderDocs,
  renderSqlReference,
  unescapeMarkdown,
  type DocCatalogue,
  type DocFunction,
} from '../../scripts/generate-docs.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

test('the reference has every public flowfabric function, its signature and its COMMENT text, and no private one', async (t) => {
  const db = await testDatabase(t);
  const reference = renderSqlReference(await readDocCatalogue(db));
  const { rows } = await db.query(`
    SELECT p.proname AS name, pg_get_function_result(p.oid) AS result, obj_description(p.oid, 'pg_proc') AS comment,
           left(p.proname, 1) = '_' AS private
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.prokind = 'f'`);
  const publics = rows.filter((r) => !r.private);
  t.true(publics.length >= 25);
  for (const fn of publics) {
    t.true(reference.includes(`\n### ${fn.name}\n`), `${fn.name}: heading`);
    t.true(reference.includes(`\nFUNCTION flowfabric.${fn.name}(`), `${fn.name}: signature`);
    for (const line of (fn.comment as string).split('\n').filter((l) => l.trim() !== '')) {
      t.true(reference.includes(`\n${markdownText(line.trim())}\n`), `${fn.name}: COMMENT line ${line.slice(0, 60)}`);
    }
  }
  for (const fn of rows.filter((r) => r.private)) {
    t.false(reference.includes(`### ${fn.name}\n`), `${fn.name} is private`);
  }
});

test('the reference has every error code of ff_error with its SQLSTATE, and the client exports each class it names', async (t) => {
  const db = await testDatabase(t);
  const reference = renderSqlReference(await readDocCatalogue(db));
  const { rows } = await db.query('SELECT code, sqlstate, retryable FROM flowfabric.ff_error');
  t.is(rows.length, 16);
  for (const error of rows) {
    t.true(reference.includes(`| ${error.sqlstate} | \`${error.code}\` | ${error.retryable ? 'yes' : 'no'} |`), error.code);
    const className = errorClassName(error.code);
    t.true(reference.includes(`\`${className}\``), className);
    t.is(typeof (flowstage as Record<string, unknown>)[className], 'function', `${className} is exported`);
  }
});

test('the reference has every flowfabric table with its columns', async (t) => {
  const db = await testDatabase(t);
  const reference = renderSqlReference(await readDocCatalogue(db));
  const { rows } = await db.query(`
    SELECT c.relname AS table, a.attname AS column FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind = 'r'`);
  t.true(rows.length > 0);
  for (const { table, column } of rows) {
    t.true(reference.includes(`\n### ${table}\n`), table);
    t.true(new RegExp(`### ${table}\\n[^#]*\\n\\| \`${column}\` \\|`).test(reference), `${table}.${column}`);
  }
});

test('the reference has every flowfabric domain: NOT NULL or not, its values or constraint, its TypeScript union', async (t) => {
  const db = await testDatabase(t);
  const reference = renderSqlReference(await readDocCatalogue(db));
  const { rows } = await db.query(`SELECT typname AS name, typnotnull AS not_null FROM pg_type
    WHERE typnamespace = 'flowfabric'::regnamespace AND typtype = 'd'`);
  t.true(rows.length >= 30);
  for (const domain of rows) {
    t.regex(
      reference,
      new RegExp(`\\n\\| \`${domain.name}\` \\| [^|]+ \\| ${domain.not_null ? 'not null' : 'null'} \\|`),
      domain.name,
    );
  }
  t.true(
    reference.includes(
      '| `ff_public_state` | `text` | not null | `waiting`, `waiting_children`, `active`, `completed`, `failed`, `cancelled`, `expired`, `skipped`, `delayed`, `suspended` ',
    ),
  );
  t.regex(
    reference,
    /\| `ff_public_flow_state` \| `flowfabric\.ff_public_flow_state_or_null` \| not null \| the values of `ff_public_flow_state_or_null` \| `PublicFlowState` \|/,
  );
  t.regex(reference, /\| `ff_revision` \| `bigint` \| not null \| `CHECK \(\(VALUE >= 0\)\)` \| +\|/);
});

test('the reference is deterministic: two databases give byte-identical text', async (t) => {
  const first = renderSqlReference(await readDocCatalogue(await testDatabase(t)));
  const second = renderSqlReference(await readDocCatalogue(await testDatabase(t)));
  t.true(first === second);
  t.true(first.startsWith('<!-- DO NOT EDIT.'));
});

const fn = (name: string): DocFunction => ({
  name,
  identity: '',
  arguments: '',
  result: 'void',
  language: 'plpgsql',
  volatility: 'v',
  securityDefiner: true,
  executableBy: ['flowstage_writer'],
  comment: `Does ${name}.`,
});

test('functions are grouped by the group map, alphabetical within a group; an unknown one goes to Other, empty groups are left out', (t) => {
  const groups = groupFunctions([fn('ff_stage_dependency_edge'), fn('ff_brand_new'), fn('ff_create_flow'), fn('ff_list_flows')]);
  t.deepEqual(
    groups.map((g) => [g.title, g.functions.map((f) => f.name)]),
    [
      ['Staging', ['ff_create_flow', 'ff_stage_dependency_edge']],
      ['Reads', ['ff_list_flows']],
      ['Other', ['ff_brand_new']],
    ],
  );
  const catalogue: DocCatalogue = { functions: [fn('ff_brand_new')], domains: [], tables: [], errors: [] };
  t.regex(renderSqlReference(catalogue), /\n## Other\n[\s\S]*\n### ff_brand_new\n/);
});

test('no function is in two groups', (t) => {
  const names = FUNCTION_GROUPS.flatMap((g) => g.functions);
  t.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
  );
});

test('catalogue text becomes Markdown that renders as the same text', (t) => {
  t.is(markdownText('ids: {fp:N}:<uuid> or <uuid>'), 'ids: {fp:N}:\\<uuid> or \\<uuid>');
  t.is(markdownText('p_flow_id and _raise and a_'), 'p_flow_id and \\_raise and a\\_');
  t.is(markdownText('# not a heading'), '\\# not a heading');
  t.is(markdownText('1. not a list'), '1\\. not a list');
  t.is(markdownText('a*b `c` [d] $e ~f &amp; a & b'), 'a\\*b \\`c\\` \\[d\\] \\$e \\~f \\&amp; a & b');
  for (const line of ['status: a | b (x_y; _z_)', '-> up -> down', '> quoted', '"{\\"k\\": 1}"', '3) three']) {
    t.is(unescapeMarkdown(markdownText(line)), line);
  }
});

test('a generated region is replaced and the rest of the page kept; unknown or unterminated regions are errors', (t) => {
  const page = 'intro\n<!-- BEGIN GENERATED demo (do not edit) -->\nstale\n<!-- END GENERATED demo -->\noutro\n';
  const regions = new Map([['demo', '```\nfresh\n```\n']]);
  t.is(
    applyRegions(page, regions),
    'intro\n<!-- BEGIN GENERATED demo (do not edit) -->\n```\nfresh\n```\n<!-- END GENERATED demo -->\noutro\n',
  );
  t.is(applyRegions(applyRegions(page, regions), regions), applyRegions(page, regions));
  t.throws(() => applyRegions(page.replaceAll('demo', 'other'), regions), { message: /unknown generated region "other"/ });
  t.throws(() => applyRegions('<!-- BEGIN GENERATED demo x -->\nno end\n', regions), {
    message: /has no "<!-- END GENERATED demo -->"/,
  });
});

test('results print as psql prints them: centred headers, numbers right-aligned, the last text column unpadded', (t) => {
  const columns = [
    { name: 'status', typeOid: 25 },
    { name: 'node_count', typeOid: 20 },
    { name: 'execution_id', typeOid: 25 },
  ];
  t.is(
    psqlTable(columns, [
      ['added', '1', '{fp:238}:x'],
      ['already_member', '12', null],
    ]),
    [
      '     status     | node_count | execution_id ',
      '----------------+------------+--------------',
      ' added          |          1 | {fp:238}:x',
      ' already_member |         12 | ',
      '(2 rows)',
      '',
    ].join('\n'),
  );
  t.is(psqlTable([{ name: 'n', typeOid: 23 }], []), ' n \n---\n(0 rows)\n');
});

test('the committed docs match the catalogue and the examples run now (else run npm run generate:docs)', async (t) => {
  const files = await renderDocs(connectionStringOf(await testDatabase(t)), connectionStringOf(await testDatabase(t)));
  t.true(files.has('docs/reference/sql.md'));
  t.true(files.has('docs/quickstart.md'));
  t.true(files.has('README.md'));
  t.deepEqual(await docsDrift(files), []);
});
