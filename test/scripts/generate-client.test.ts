// scripts/generate-client.ts: reads the catalogue (the result columns' domains included), writes
// src/generated/ deterministically, and refuses what it cannot type or what is undocumented.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as flowstage from '../../src/index.js';
import {
  GENERATED_DIR,
  checkValues,
  clientName,
  domainInfo,
  driftFrom,
  generateFromDatabase,
  readCatalogue,
  renderClient,
  unionName,
  writeClient,
  type Catalogue,
  type DomainInfo,
  type SqlFunction,
  type TypeInfo,
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
  t.deepEqual(
    Object.values(flowstage.sqlFunctionNames).slice().sort(),
    rows.map((r) => r.name),
  );
  for (const { name } of rows) {
    t.is(typeof (flowstage as Record<string, unknown>)[clientName(name)], 'function', `${name} -> ${clientName(name)}`);
  }
  for (const name of ['createFlow', 'addExecutionToFlow', 'stageDependencyEdge', 'applyDependencyToChild']) {
    t.is(typeof (flowstage as Record<string, unknown>)[name], 'function', name);
  }
});

test('a value set: the values of CHECK (VALUE IN (...)) as pg_get_constraintdef shows it, one value included', (t) => {
  t.deepEqual(checkValues("CHECK ((VALUE = ANY (ARRAY['open'::text, 'cancelled'::text, 'it''s'::text])))", 'd'), [
    'open',
    'cancelled',
    "it's",
  ]);
  t.deepEqual(checkValues("CHECK ((VALUE = 'reaped'::text))", 'd'), ['reaped']);
});

test('a CHECK that is no value set (a format, a range) leaves the type as it is', (t) => {
  t.is(checkValues('CHECK ((VALUE >= 0))', 'd'), null);
  t.is(checkValues("CHECK ((VALUE <> ''::text))", 'd'), null);
  t.is(checkValues("CHECK ((VALUE ~~ '{fp:%}:%'::text))", 'd'), null);
});

test('a value set in any other form fails the generation rather than being guessed', (t) => {
  t.throws(
    () => checkValues("CHECK (((VALUE = ANY (ARRAY['a'::text, 'b'::text])) OR (VALUE IS NULL)))", 'domain flowfabric.ff_x'),
    {
      message: /domain flowfabric\.ff_x: cannot read the value set/,
    },
  );
  t.throws(() => checkValues("CHECK ((VALUE = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[])))", 'd'), {
    message: /cannot read the value set/,
  });
  t.throws(() => checkValues("CHECK (((VALUE = 'a'::text) OR (VALUE = 'b'::text)))", 'd'), {
    message: /cannot read the value set/,
  });
});

test('a domain chain: NOT NULL from any level, the value set from the level that declares it', (t) => {
  const info = domainInfo([
    { root: 1, name: 'ff_state', not_null: true, comment: null, checks: [] },
    {
      root: 1,
      name: 'ff_state_or_null',
      not_null: false,
      comment: 'A state.',
      checks: ["CHECK ((VALUE = ANY (ARRAY['a'::text, 'b'::text])))"],
    },
  ]);
  t.deepEqual(info, {
    name: 'ff_state',
    notNull: true,
    values: ['a', 'b'],
    valuesDomain: 'ff_state_or_null',
    valuesComment: 'A state.',
  });
  t.is(unionName('ff_state_or_null'), 'State');
  t.is(unionName('ff_create_flow_status'), 'CreateFlowStatus');
});

test('a domain named *_or_null that is NOT NULL, or a chain with two value sets, fails the generation', (t) => {
  t.throws(() => domainInfo([{ root: 1, name: 'ff_state_or_null', not_null: true, comment: null, checks: [] }]), {
    message: /ff_state_or_null is NOT NULL/,
  });
  t.throws(
    () =>
      domainInfo([
        { root: 1, name: 'ff_b', not_null: true, comment: null, checks: ["CHECK ((VALUE = 'x'::text))"] },
        { root: 1, name: 'ff_a', not_null: false, comment: null, checks: ["CHECK ((VALUE = 'y'::text))"] },
      ]),
    { message: /two value sets/ },
  );
});

test("the catalogue: every public function's status column has a NOT NULL value set, and the list functions' ids are NOT NULL", async (t) => {
  const db = await testDatabase(t);
  const { functions } = await readCatalogue(db);
  for (const fn of functions) {
    for (const arg of fn.args.filter((a) => a.name === 'status' && a.mode === 't')) {
      t.true(arg.type.domain?.notNull === true && arg.type.domain.values !== null, `${fn.name}.status`);
    }
  }
  const members = functions.find((f) => f.name === 'ff_list_members')!;
  const column = (name: string) => members.args.find((a) => a.name === name && a.mode === 't')!.type.domain;
  t.like(column('public_state'), { name: 'ff_public_state', notNull: true, valuesDomain: 'ff_public_state' });
  t.like(column('execution_id'), { name: 'ff_execution_id', notNull: true, values: null });
  t.is(column('terminal_at_ms'), null);
  t.is(members.args.find((a) => a.name === 'p_after')!.type.domain, null, 'parameters stay plain types');
});

const text: TypeInfo = {
  oid: 25,
  sqlName: 'text',
  typname: 'text',
  category: 'S',
  elementTypname: null,
  typtype: 'b',
  relid: 0,
  domain: null,
};
const uuid: TypeInfo = {
  oid: 2950,
  sqlName: 'uuid',
  typname: 'uuid',
  category: 'U',
  elementTypname: null,
  typtype: 'b',
  relid: 0,
  domain: null,
};
const point: TypeInfo = {
  oid: 600,
  sqlName: 'point',
  typname: 'point',
  category: 'G',
  elementTypname: null,
  typtype: 'b',
  relid: 0,
  domain: null,
};
/** A text domain as the catalogue reads it. */
const textDomain = (oid: number, domain: DomainInfo): TypeInfo => ({
  ...text,
  oid,
  sqlName: `flowfabric.${domain.name}`,
  typtype: 'd',
  domain,
});
const thingStatus = textDomain(9001, {
  name: 'ff_thing_status',
  notNull: true,
  values: ['done', 'skipped'],
  valuesDomain: 'ff_thing_status',
  valuesComment: 'The statuses of ff_thing.',
});

function fn(overrides: Partial<SqlFunction>): SqlFunction {
  return {
    name: 'ff_thing',
    identity: 'p_flow_id uuid',
    arguments: 'p_flow_id uuid',
    result: 'TABLE(status text)',
    returnsSet: true,
    returnType: text,
    defaults: 0,
    compositeColumns: [],
    args: [
      { name: 'p_flow_id', mode: 'i', type: uuid },
      { name: 'status', mode: 't', type: thingStatus },
    ],
    comment: 'Does a thing.\nReturns (status).',
    ...overrides,
  };
}

const catalogue = (...functions: SqlFunction[]): Catalogue => ({ functions, errors: [] });

test('a status column that is not a NOT NULL domain with a value set fails the generation', (t) => {
  t.notThrows(() => renderClient(catalogue(fn({}))));
  const statusOf = (type: TypeInfo) =>
    fn({
      args: [
        { name: 'p_flow_id', mode: 'i', type: uuid },
        { name: 'status', mode: 't', type },
      ],
    });
  t.throws(() => renderClient(catalogue(statusOf(text))), {
    message: /ff_thing.*status column of type text; declare its statuses as a NOT NULL text domain/,
  });
  const nullable = textDomain(9002, {
    ...thingStatus.domain!,
    name: 'ff_thing_status_or_null',
    notNull: false,
    valuesDomain: 'ff_thing_status_or_null',
  });
  t.throws(() => renderClient(catalogue(statusOf(nullable))), { message: /declare its statuses as a NOT NULL text domain/ });
});

test('result columns: a NOT NULL domain is never | null, a value set is its union, anything else stays | null', (t) => {
  const executionId = textDomain(9003, {
    name: 'ff_execution_id',
    notNull: true,
    values: null,
    valuesDomain: null,
    valuesComment: null,
  });
  const outcome = textDomain(9004, {
    name: 'ff_outcome_or_null',
    notNull: false,
    values: ['success', 'failed'],
    valuesDomain: 'ff_outcome_or_null',
    valuesComment: null,
  });
  const source = renderClient(
    catalogue(
      fn({
        args: [
          { name: 'p_flow_id', mode: 'i', type: uuid },
          { name: 'status', mode: 't', type: thingStatus },
          { name: 'execution_id', mode: 't', type: executionId },
          { name: 'outcome', mode: 't', type: outcome },
          { name: 'note', mode: 't', type: text },
        ],
      }),
    ),
  ).get('functions.ts')!;
  t.true(
    source.includes(
      'export interface ThingRow {\n  status: ThingStatus;\n  execution_id: string;\n  outcome: Outcome | null;\n  note: string | null;\n}\n',
    ),
  );
  t.true(
    source.includes(
      " * The statuses of ff_thing.\n * SQL: domain flowfabric.ff_thing_status.\n */\nexport const thingStatusValues = ['done', 'skipped'] as const;\n" +
        'export type ThingStatus = (typeof thingStatusValues)[number];\n',
    ),
  );
  t.true(
    source.includes(
      "export const outcomeValues = ['success', 'failed'] as const;\nexport type Outcome = (typeof outcomeValues)[number];\n",
    ),
  );
});

test('two domains whose unions would share a name fail the generation', (t) => {
  const a = textDomain(9005, { name: 'ff_state', notNull: true, values: ['a'], valuesDomain: 'ff_state', valuesComment: null });
  const b = textDomain(9006, {
    name: 'ff_state_or_null',
    notNull: false,
    values: ['b'],
    valuesDomain: 'ff_state_or_null',
    valuesComment: null,
  });
  t.throws(
    () =>
      renderClient(
        catalogue(
          fn({
            args: [
              { name: 'p_flow_id', mode: 'i', type: uuid },
              { name: 'status', mode: 't', type: thingStatus },
              { name: 'a', mode: 't', type: a },
              { name: 'b', mode: 't', type: b },
            ],
          }),
        ),
      ),
    { message: /ff_state and flowfabric\.ff_state_or_null both map to the union State/ },
  );
});

test('a public function without COMMENT ON FUNCTION fails the generation', (t) => {
  t.throws(() => renderClient(catalogue(fn({ comment: null }))), { message: /has no COMMENT ON FUNCTION/ });
});

test('a type the client cannot map, or overloads mapping to one name, fail the generation', (t) => {
  t.throws(
    () =>
      renderClient(
        catalogue(
          fn({
            args: [
              { name: 'p_at', mode: 'i', type: point },
              { name: 'status', mode: 't', type: text },
            ],
          }),
        ),
      ),
    {
      message: /no TypeScript mapping for SQL type point/,
    },
  );
  t.throws(() => renderClient(catalogue(fn({}), fn({ identity: 'p_flow_id text' }))), { message: /overloads are not supported/ });
});

test('the generated function: status union, optional parameters exactly the defaulted ones, the SQL COMMENT as doc', (t) => {
  const files = renderClient(
    catalogue(
      fn({
        identity: 'p_flow_id uuid, p_note text',
        arguments: "p_flow_id uuid, p_note text DEFAULT 'x'::text",
        defaults: 1,
        args: [
          { name: 'p_flow_id', mode: 'i', type: uuid },
          { name: 'p_note', mode: 'i', type: text },
          { name: 'status', mode: 't', type: thingStatus },
        ],
      }),
    ),
  );
  const source = files.get('functions.ts')!;
  t.true(source.startsWith('// DO NOT EDIT.'));
  t.true(source.includes("export const thingStatusValues = ['done', 'skipped'] as const;"));
  t.true(source.includes('  flowId: string;\n'));
  t.true(source.includes('  note?: string | null;\n'));
  t.true(source.includes(' * Does a thing.\n * Returns (status).\n'));
  t.true(source.includes("{ name: 'p_note', cast: 'text', value: params.note, required: false }"));
});

test('a COMMENT containing */ cannot end the doc comment early', (t) => {
  const source = renderClient(catalogue(fn({ comment: 'Globs like a/*/b.\nReturns (status).' }))).get('functions.ts')!;
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
