// The base of the typed errors. The generated src/generated/errors.ts declares one subclass
// per row of flowfabric.ff_error; the runtime turns a pg error carrying one of those SQLSTATEs
// into its class and passes every other error through untouched.

/** The fields of a pg DatabaseError the typed errors keep. */
export interface PgErrorLike {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
}

/**
 * A refusal raised by a flowfabric function: `code` is the catalogue code (the PostgreSQL
 * MESSAGE, e.g. `stale_graph_revision`), `sqlstate` its SQLSTATE (`FF006`), `retryable` whether
 * the same call can succeed after re-reading, `detail` the values that caused it, `hint` what
 * the caller can do. `message` is the code, as in the database; `cause` is the pg error.
 */
export class FlowstageError extends Error {
  readonly code: string;
  readonly sqlstate: string;
  readonly retryable: boolean;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(code: string, sqlstate: string, retryable: boolean, error: PgErrorLike) {
    super(code, { cause: error });
    this.name = new.target.name;
    this.code = code;
    this.sqlstate = sqlstate;
    this.retryable = retryable;
    this.detail = error.detail;
    this.hint = error.hint;
  }
}

/** The DETAIL of cycle_detected, split: the listed ids and how many were left out. */
export interface CyclePath {
  /** Canonical `{fp:N}:<uuid>` ids, upstream first and last (up -> down -> ... -> up). */
  path: string[];
  /** Entries left out between path[9] and path[10] when the cycle has more than 20 entries, else 0. */
  omitted: number;
}

const OMITTED = /^… \((\d+) more\) …$/;

/** Parses the DETAIL of cycle_detected (`a -> b -> … (N more) … -> a`). */
export function parseCyclePath(detail: string | undefined): CyclePath {
  const path: string[] = [];
  let omitted = 0;
  for (const entry of (detail ?? '').split(' -> ')) {
    const marker = OMITTED.exec(entry);
    if (marker) omitted = Number(marker[1]);
    else if (entry !== '') path.push(entry);
  }
  return { path, omitted };
}

/** The edge carried in the DETAIL of dependency_already_exists (ff_edge and its policy, canonical ids). */
export interface StagedEdge {
  flow_id: string;
  edge_id: string;
  upstream_execution_id: string;
  downstream_execution_id: string;
  policy_version: number;
  dependency_kind: string;
  satisfaction_condition?: string;
  data_passing_ref?: string;
  edge_state: string;
  created_at_ms?: number;
  created_by?: string;
  staged_at_ms?: number;
  staged_graph_revision?: number;
  applied_at_ms?: number | null;
  resolved_at_ms?: number | null;
  upstream_outcome?: string | null;
  [field: string]: unknown;
}

/** Parses the DETAIL of dependency_already_exists; null when it is not a JSON object. */
export function parseStagedEdge(detail: string | undefined): StagedEdge | null {
  if (detail === undefined) return null;
  try {
    const value: unknown = JSON.parse(detail);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as StagedEdge) : null;
  } catch {
    return null;
  }
}
