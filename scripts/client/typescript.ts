// Mapping SQL to TypeScript for the generated client: types, names, and a plan of each function's
// call (its inputs, result columns and shape). Part of scripts/generate-client.ts.
import type { SqlFunction, TypeInfo } from '../lib/catalogue.js';

export interface TsType {
  /** The type of a result column. */
  out: string;
  /** The type a parameter accepts. */
  in: string;
  json?: boolean;
}

// bigint and numeric stay strings (pg's default parsing: no precision is lost); see the README.
export const SCALAR_TYPES: Record<string, TsType> = {
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

export function tsType(type: TypeInfo, where: string): TsType {
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
  throw new Error(
    `${where}: no TypeScript mapping for SQL type ${type.sqlName}; add it to SCALAR_TYPES in scripts/generate-client.ts`,
  );
}

export function camel(snake: string): string {
  return snake.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function pascal(snake: string): string {
  const c = camel(snake);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** `ff_create_flow` -> `createFlow`. */
export function clientName(sqlName: string): string {
  return camel(sqlName.replace(/^ff_/, ''));
}

/** `p_flow_id` -> `flowId`. */
export function parameterName(sqlName: string): string {
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

export function docComment(lines: string[], indent = ''): string {
  const body = lines
    .join('\n')
    .replaceAll('*/', '*\\/')
    .split('\n')
    .map((line) => (line.trimEnd() === '' ? `${indent} *` : `${indent} * ${line.trimEnd()}`));
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

export const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export interface Column {
  name: string;
  /** The TypeScript type of a value (a union's name for a value set), without `| null`. */
  type: string;
  /** The column's type is a NOT NULL domain: the function always fills it. */
  notNull: boolean;
}

/** A value set of a domain, exported as a runtime list and a union type. */
export interface ValueSet {
  domain: string;
  values: string[];
  comment: string | null;
}

export interface PlannedFunction {
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

export function planFunction(fn: SqlFunction): PlannedFunction {
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
      sql: arg.name,
      ts,
      type: tsType(arg.type, `${where} argument ${arg.name}`),
      cast: arg.type.sqlName,
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
      throw new Error(
        `${where} returns a status column of type ${type.sqlName}; declare its statuses as a NOT NULL text domain with CHECK (VALUE IN (...)) (db/schema/190_result_types.sql)`,
      );
    }
    if (domain?.values) {
      if (type.category === 'A' || type.typname !== 'text') {
        throw new Error(
          `${where} result column ${column}: the value set of ${domain.valuesDomain} is on a ${type.sqlName}; value sets are text domains`,
        );
      }
      valueSets.push({ domain: domain.valuesDomain!, values: domain.values, comment: domain.valuesComment });
      return { name: column, type: unionName(domain.valuesDomain!), notNull: domain.notNull };
    }
    return { name: column, type: ts.out, notNull: domain?.notNull ?? false };
  };
  const rawColumns = outputArgs.length > 0 ? outputArgs.map((a) => ({ name: a.name, type: a.type })) : fn.compositeColumns;
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
      throw new Error(
        `${where} returns the value set of ${fn.returnType.domain.valuesDomain} as a scalar; return it as a column`,
      );
    }
  }
  const client = clientName(fn.name);
  return {
    fn,
    client,
    typeBase: pascal(client),
    inputs,
    columns,
    shape,
    scalar,
    scalarNotNull: fn.returnType.domain?.notNull ?? false,
    valueSets,
  };
}
