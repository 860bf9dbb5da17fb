// What the client runs on: anything with pg's `query(text, values)`: a pg.Pool (each call its own
// transaction), a pg.PoolClient or pg.Client (calls join whatever transaction the caller opened).
// The client keeps no state of its own.

/** The part of a pg result the client reads. */
export interface QueryResultLike {
  rows: any[];
}

/** A pg.Pool, pg.PoolClient or pg.Client — or anything else with pg's `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: any[]): Promise<QueryResultLike>;
}

/**
 * A JSON value as pg parses `json`/`jsonb` results. jsonb parameters accept anything
 * `JSON.stringify` accepts; the client stringifies them itself (pg would turn a JS array
 * into a PostgreSQL array literal).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
