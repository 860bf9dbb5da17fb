// What every generated function does: one `SELECT * FROM flowfabric.<fn>(p_x => $1::type, ...)`
// with named arguments and explicit casts, sent as a named prepared statement, and errors with a
// flowfabric SQLSTATE turned into their typed class. No business logic lives here: the rules are
// in the SQL functions.
import { errorClassesBySqlstate } from '../generated/errors.js';
import type { Queryable } from './queryable.js';

/** One argument of a call, as the generated code describes it. */
export interface Argument {
  /** The SQL parameter name (p_...). */
  readonly name: string;
  /** The SQL type the value is cast to. */
  readonly cast: string;
  readonly value: unknown;
  /** Required arguments are always sent (undefined as NULL, so the function's own check refuses it); optional ones are left out when undefined, so the SQL default applies. */
  readonly required: boolean;
  /** json/jsonb: the value is sent as JSON text. */
  readonly json?: boolean;
}

/**
 * The statement a call sends: exported so tests and callers can see exactly what runs. `name`
 * identifies the statement text (one per function and set of arguments sent): pg prepares it on
 * the first call on each connection and then only binds and executes it, which halves a call's
 * cost next to an unnamed statement parsed every time.
 */
export function buildCall(fn: string, args: readonly Argument[]): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [];
  const named: string[] = [];
  for (const arg of args) {
    if (arg.value === undefined && !arg.required) continue;
    let value = arg.value ?? null;
    if (arg.json && value !== null) value = JSON.stringify(value);
    else if (value !== null) checkScalar(fn, arg, value);
    values.push(value);
    named.push(`${arg.name} => $${values.length}::${arg.cast}`);
  }
  const text = `SELECT * FROM flowfabric.${fn}(${named.join(', ')})`;
  return { name: statementName(text), text, values };
}

/**
 * Refuses a value pg would silently turn into something else: pg sends an object or an array as
 * JSON (or as an array literal), so `executionId: { id }` would reach a text parameter as the text
 * '{"id":...}'. A text parameter takes a string only; the other scalar types take a string, a
 * number, a bigint or a boolean (pg's own conversions).
 */
function checkScalar(fn: string, arg: Argument, value: unknown): void {
  // An array parameter (text[], uuid[]) takes an array of such scalars (pg sends it as an array literal).
  if (arg.cast.endsWith('[]')) {
    const element = { ...arg, cast: arg.cast.slice(0, -2) };
    if (!Array.isArray(value))
      throw new TypeError(`${fn}: ${arg.name} must be an array of ${element.cast} values (got ${describe(value)})`);
    for (const item of value) if (item !== null) checkScalar(fn, element, item);
    return;
  }
  const type = typeof value;
  const ok = arg.cast === 'text' ? type === 'string' : ['string', 'number', 'bigint', 'boolean'].includes(type);
  if (!ok) {
    throw new TypeError(
      `${fn}: ${arg.name} must be ${arg.cast === 'text' ? 'a string' : `a ${arg.cast} value`} (got ${describe(value)})`,
    );
  }
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const statementNames = new Map<string, string>();

/** A stable name for a statement text, within PostgreSQL's 63-byte limit: `flowstage_` + FNV-1a 64-bit hex. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    let hash = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
    name = `flowstage_${hash.toString(16).padStart(16, '0')}`;
    statementNames.set(text, name);
  }
  return name;
}

/** A pg error with a flowfabric SQLSTATE as its typed class; anything else unchanged. */
export function toFlowstageError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const sqlstate = (error as { code?: unknown }).code;
  if (typeof sqlstate !== 'string' || !Object.hasOwn(errorClassesBySqlstate, sqlstate)) return error;
  const ErrorClass = errorClassesBySqlstate[sqlstate as keyof typeof errorClassesBySqlstate];
  return new ErrorClass(error as ConstructorParameters<typeof ErrorClass>[0]);
}

async function run(db: Queryable, fn: string, args: readonly Argument[]): Promise<any[]> {
  try {
    return (await db.query(buildCall(fn, args))).rows;
  } catch (error) {
    throw toFlowstageError(error);
  }
}

/** A function returning rows (RETURNS TABLE / SETOF): every row. */
export async function callRows<Row>(db: Queryable, fn: string, args: readonly Argument[]): Promise<Row[]> {
  return run(db, fn, args);
}

/** A function returning one composite row (OUT parameters, not SETOF). */
export async function callRow<Row>(db: Queryable, fn: string, args: readonly Argument[]): Promise<Row> {
  return (await run(db, fn, args))[0];
}

/** A function returning one scalar: the value of its single column (named after the function). */
export async function callValue<Value>(db: Queryable, fn: string, args: readonly Argument[]): Promise<Value> {
  const rows = await run(db, fn, args);
  return rows[0]?.[fn] ?? null;
}

/** A function returning SETOF a scalar: the values in order. */
export async function callValues<Value>(db: Queryable, fn: string, args: readonly Argument[]): Promise<Value[]> {
  return (await run(db, fn, args)).map((row) => row[fn]);
}

/** A function returning void. */
export async function callVoid(db: Queryable, fn: string, args: readonly Argument[]): Promise<void> {
  await run(db, fn, args);
}
