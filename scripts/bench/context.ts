// What every section gets: the scratch databases, the templates, the sizes of this run, and
// where its figures go.
import type { Results } from './results.js';
import type { Scratch } from './common.js';

export interface Sizes {
  rounds: number;
  /** A: the DAG built in one call. */
  submit: { layers: number; width: number; fanIn: number };
  /** B: concurrent single-edge staging. */
  staging: { connections: number[]; windowMs: number; warmCalls: number; side: number };
  /** C: per-call latency. */
  latency: { calls: number; warmCalls: number };
  /** D: running a DAG. */
  run: { layers: number; width: number; fanIn: number; concurrencies: number[]; timeoutMs: number };
  /** E: a chain through the runner. */
  chain: { length: number; concurrency: number; timeoutMs: number };
}

export const FULL: Sizes = {
  rounds: 5,
  submit: { layers: 100, width: 100, fanIn: 3 },
  // side: each connection's flow has side x side upstream/downstream members: room for side^2 edges.
  staging: { connections: [1, 4, 16], windowMs: 2_000, warmCalls: 20, side: 200 },
  latency: { calls: 2_000, warmCalls: 200 },
  run: { layers: 20, width: 100, fanIn: 3, concurrencies: [8, 16], timeoutMs: 300_000 },
  chain: { length: 200, concurrency: 4, timeoutMs: 120_000 },
};

export const QUICK: Sizes = {
  rounds: 1,
  submit: { layers: 6, width: 10, fanIn: 3 },
  staging: { connections: [1, 4, 16], windowMs: 150, warmCalls: 2, side: 30 },
  latency: { calls: 30, warmCalls: 5 },
  run: { layers: 3, width: 10, fanIn: 3, concurrencies: [8, 16], timeoutMs: 60_000 },
  chain: { length: 12, concurrency: 4, timeoutMs: 60_000 },
};

export interface Templates {
  /** flowstage migrated (with Graphile Worker's schema, which flowstage installs first). */
  flowstage: string;
  /** Graphile Worker's schema only. */
  graphile: string;
  /** pg-boss's schema (pgboss) with the queue `bench`. */
  pgboss: string;
}

export interface Context {
  scratch: Scratch;
  templates: Templates;
  sizes: Sizes;
  quick: boolean;
  results: Results;
  log: (line: string) => void;
}

export const PG_BOSS_QUEUE = 'bench';
export const NOOP_TASK = 'noop';
