// Every test checks the result types: a `SELECT * FROM flowfabric.ff_<fn>(...)` that returns NULL
// in a column whose type is a NOT NULL domain fails the query that returned it.
//
// PostgreSQL checks a domain when a function assigns an OUT column or casts in RETURN QUERY, but
// RETURN NEXT emits the OUT columns as they stand: a NOT NULL column that a path never assigns
// would come back NULL unchecked. This wraps pg's Client#query (so pool queries, the generated
// client and Graphile Worker's calls are all seen) and holds every result row of such a call to
// the catalogue's NOT NULL columns, so the whole suite verifies every path it takes.
import pg from 'pg';

const CALL = /^\s*SELECT \* FROM flowfabric\.(ff_[a-z_]+)\(/;
let notNullColumns: Map<string, Set<string>> | undefined;

/** Reads which result columns are NOT NULL (from a migrated database) and starts checking. */
export async function checkResultTypes(db: pg.Pool): Promise<void> {
  if (notNullColumns) return;
  const { rows } = await db.query(`
    WITH RECURSIVE columns AS (
      SELECT p.proname::text AS fn, a.name, a.type AS oid
      FROM pg_proc p
      CROSS JOIN LATERAL unnest(p.proargnames, p.proargmodes::text[], p.proallargtypes) AS a(name, mode, type)
      WHERE p.pronamespace = 'flowfabric'::regnamespace AND a.mode = 't'
      UNION ALL
      SELECT c.fn, c.name, t.typbasetype FROM columns c JOIN pg_type t ON t.oid = c.oid WHERE t.typtype = 'd'
    )
    SELECT DISTINCT c.fn, c.name FROM columns c JOIN pg_type t ON t.oid = c.oid WHERE t.typnotnull`);
  const columns = new Map<string, Set<string>>();
  for (const { fn, name } of rows) {
    if (!columns.has(fn)) columns.set(fn, new Set());
    columns.get(fn)!.add(name);
  }
  notNullColumns = columns;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function checkedQuery(this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: unknown; submit?: unknown } | undefined;
    const text = typeof config === 'string' ? config : typeof config?.submit === 'function' ? undefined : config?.text;
    const fn = typeof text === 'string' ? CALL.exec(text)?.[1] : undefined;
    const required = fn === undefined ? undefined : notNullColumns!.get(fn);
    if (fn === undefined || required === undefined) return query.apply(this, args);
    const callbackAt = args.findIndex((arg, i) => i > 0 && typeof arg === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (error: unknown, result?: unknown) => void;
      args[callbackAt] = (error: unknown, result: unknown) => {
        if (error) return callback(error, result);
        try {
          holdToNotNull(fn, required, result);
        } catch (violation) {
          return callback(violation);
        }
        return callback(null, result);
      };
      return query.apply(this, args);
    }
    return (query.apply(this, args) as Promise<unknown>).then((result) => {
      holdToNotNull(fn, required, result);
      return result;
    });
  } as typeof pg.Client.prototype.query;
}

function holdToNotNull(fn: string, required: Set<string>, result: unknown): void {
  const rows = (result as { rows?: unknown } | undefined)?.rows;
  if (!Array.isArray(rows)) return;
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) continue;
    for (const column of required) {
      if (column in row && (row as Record<string, unknown>)[column] === null) {
        throw new Error(
          `flowfabric.${fn} returned NULL in ${column}, whose type is NOT NULL (a RETURN NEXT path that never assigns it?)`,
        );
      }
    }
  }
}
