// scripts/generate-client.ts: reads the catalogue, writes src/generated/ deterministically, and
// refuses what it cannot type or what is undocumented.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as flowstage from '../../src/index.js';
import {
  GENERATED_DIR, clientName, documentedValues, driftFrom, generateFromDatabase, renderClient, writeClient,
  type Catalogue, type SqlFunction,
} from '../../scripts/generate-client.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

test('the generator is deterministic: two runs on two databases are byte-identical', async (t) => {
  const first = await generateFromDatabase(connectionStringOf(await testDatabase(t)));
  const second = await generateFromDatabase(connectionStringOf(await testDatabase(t)));
  t.deepEqual([...first.keys()].sort(), ['errors.ts', 'functions.ts', 'index.ts']);
  for (const [name, content] of first) t.true(content === second.get(name), name);
});

test('the committed src/generated/ matches the catalogue (else run npm run generate)', async (t) => {
  const files = await generateFromDatabase(connectionStringOf(await testDatabase(t)));
  t.deepEqual(await driftFrom(files, GENERATED_DIR), []);
});

test('no public flowfabric function is missing from the client, and nothing else is in it', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'flowfabric' AND p.prokind = 'f' AND left(p.proname, 1) <> '_' ORDER BY 1`);
  t.true(rows.length >= 8);
  t.deepEqual(Object.values(flowstage.sqlFunctionNames).slice().sort(), rows.map((r) => r.name));
  for (const { name } of rows) {
    t.is(typeof (flowstage as Record<string, unknown>)[clientName(name)], 'function', `${name} -> ${clientName(name)}`);
  }
  for (const name of ['createFlow', 'addExecutionToFlow', 'stageDependencyEdge', 'applyDependencyToChild']) {
    t.is(typeof (flowstage as Record<string, unknown>)[name], 'function', name);
  }
});

test('documented values: the words of "status: a (...) | b", parentheses skipped, a second label on the line kept apart', (t) => {
  const comment = 'Returns (status, edge_id, decision); status: resolved | already_resolved (nothing changes; decision is stored); decision: pending | satisfied | impossible.\nMore.';
  t.deepEqual(documentedValues(comment, 'status', 1), ['resolved', 'already_resolved']);
  t.deepEqual(documentedValues(comment, 'decision', 2), ['pending', 'satisfied', 'impossible']);
});

test('documented values: a label inside a longer name, or a single word where two are required, is no union', (t) => {
  t.is(documentedValues('p_execution_id: {fp:N}:<uuid> or <uuid>', 'execution_id', 2), null);
  t.is(documentedValues('reason: one line', 'reason', 2), null);
  t.deepEqual(documentedValues('status: done.', 'status', 1), ['done']);
});

const text = { oid: 25, sqlName: 'text', typname: 'text', category: 'S', elementTypname: null, typtype: 'b', relid: 0 };
const uuid = { oid: 2950, sqlName: 'uuid', typname: 'uuid', category: 'U', elementTypname: null, typtype: 'b', relid: 0 };
const point = { oid: 600, sqlName: 'point', typname: 'point', category: 'G', elementTypname: null, typtype: 'b', relid: 0 };

function fn(overrides: Partial<SqlFunction>): SqlFunction {
  return {
    name: 'ff_thing', identity: 'p_flow_id uuid', arguments: 'p_flow_id uuid', result: 'TABLE(status text)',
    returnsSet: true, returnType: text, defaults: 0, compositeColumns: [],
    args: [{ name: 'p_flow_id', mode: 'i', type: uuid }, { name: 'status', mode: 't', type: text }],
    comment: 'Does a thing.\nReturns (status); status: done | skipped.',
    ...overrides,
  };
}

const catalogue = (...functions: SqlFunction[]): Catalogue => ({ functions, errors: [] });

test('a function with a status column and no "status:" line in its COMMENT fails the generation', (t) => {
  t.notThrows(() => renderClient(catalogue(fn({}))));
  t.throws(() => renderClient(catalogue(fn({ comment: 'Does a thing. Returns (status).' }))), {
    message: /ff_thing.*status column.*"status: a \| b \| \.\.\." line/,
  });
});

test('a public function without COMMENT ON FUNCTION fails the generation', (t) => {
  t.throws(() => renderClient(catalogue(fn({ comment: null }))), { message: /has no COMMENT ON FUNCTION/ });
});

test('a type the client cannot map, or overloads mapping to one name, fail the generation', (t) => {
  t.throws(() => renderClient(catalogue(fn({ args: [{ name: 'p_at', mode: 'i', type: point }, { name: 'status', mode: 't', type: text }] }))), {
    message: /no TypeScript mapping for SQL type point/,
  });
  t.throws(() => renderClient(catalogue(fn({}), fn({ identity: 'p_flow_id text' }))), { message: /overloads are not supported/ });
});

test('the generated function: documented status union, optional parameters exactly the defaulted ones, the SQL COMMENT as doc', (t) => {
  const files = renderClient(catalogue(fn({
    identity: 'p_flow_id uuid, p_note text', arguments: "p_flow_id uuid, p_note text DEFAULT 'x'::text", defaults: 1,
    args: [
      { name: 'p_flow_id', mode: 'i', type: uuid }, { name: 'p_note', mode: 'i', type: text },
      { name: 'status', mode: 't', type: text },
    ],
  })));
  const source = files.get('functions.ts')!;
  t.true(source.startsWith('// DO NOT EDIT.'));
  t.true(source.includes("export const thingStatusValues = ['done', 'skipped'] as const;"));
  t.true(source.includes('  flowId: string;\n'));
  t.true(source.includes('  note?: string | null;\n'));
  t.true(source.includes(' * Does a thing.\n * Returns (status); status: done | skipped.\n'));
  t.true(source.includes("{ name: 'p_note', cast: 'text', value: params.note, required: false }"));
});

test('a COMMENT containing */ cannot end the doc comment early', (t) => {
  const source = renderClient(catalogue(fn({ comment: 'Globs like a/*/b.\nReturns (status); status: done.' }))).get('functions.ts')!;
  t.true(source.includes(' * Globs like a/*\\/b.\n'));
});

test('drift: a changed, a missing and a stale generated file are reported; writeClient fixes them and keeps other files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-drift-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = renderClient(catalogue(fn({})));
  await writeClient(files, dir);
  t.deepEqual(await driftFrom(files, dir), []);
  await writeFile(join(dir, 'functions.ts'), files.get('functions.ts') + '// edited\n');
  await rm(join(dir, 'errors.ts'));
  await writeFile(join(dir, 'old.ts'), files.get('index.ts')!);
  await writeFile(join(dir, 'handwritten.ts'), 'export {};\n');
  t.deepEqual(await driftFrom(files, dir), ['errors.ts', 'functions.ts', 'handwritten.ts', 'old.ts']);
  await writeClient(files, dir);
  t.deepEqual(await driftFrom(files, dir), ['handwritten.ts']);
});
