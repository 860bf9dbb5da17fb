// What the client runs on: anything with pg's `query`: a pg.Pool (each call its own transaction),
// a pg.PoolClient or pg.Client (calls join whatever transaction the caller opened), Graphile
// Worker's job helpers. The client keeps no state of its own; it sends each call as a named
// prepared statement (pg's `{ name, text, values }` form), which pg prepares once per connection.

/** The part of a pg result the client reads. */
export interface QueryResultLike {
  rows: any[];
}

/** pg's query config: a named statement is parsed and planned once per connection, then only bound and executed. */
export interface QueryConfigLike {
  name?: string;
  text: string;
  values?: any[];
}

/** A pg.Pool, pg.PoolClient or pg.Client — or anything else whose `query` takes pg's query config. */
export interface Queryable {
  query(config: QueryConfigLike | string, values?: any[]): Promise<QueryResultLike>;
}

/**
 * A JSON value as pg parses `json`/`jsonb` results. jsonb parameters accept anything
 * `JSON.stringify` accepts; the client stringifies them itself (pg would turn a JS array
 * into a PostgreSQL array literal).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
