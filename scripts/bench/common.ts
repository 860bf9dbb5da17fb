// Shared pieces of `npm run bench`: statistics, timing, the seeded PRNG, and scratch databases
// (every contender of every round runs on a fresh database cloned from a migrated template).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { withDatabaseName } from '../../src/database.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile (p in 0..1). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}

export const now = () => performance.now();

/** The server's WAL insert position in bytes: the difference of two readings is the WAL written between them (by every database of the server). */
export async function walPosition(db: pg.ClientBase | pg.Pool): Promise<number> {
  const { rows } = await db.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS bytes`);
  return Number(rows[0].bytes);
}
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds an async call takes. */
export async function timeMs(call: () => Promise<unknown>): Promise<number> {
  const start = now();
  await call();
  return now() - start;
}

/** Polls `done` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  done: () => Promise<boolean>,
  intervalMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    if (now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** mulberry32: a small seeded PRNG, so every contender builds the same graph. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pool whose connection errors after teardown (DROP DATABASE ... WITH (FORCE)) are ignored. */
export function pool(connectionString: string, max: number): pg.Pool {
  const p = new pg.Pool({ connectionString, max });
  const ignore = () => {};
  p.on('error', ignore);
  p.on('connect', (client) => client.on('error', ignore));
  return p;
}

export async function client(connectionString: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/**
 * Scratch databases on one server: templates built once per run, and a fresh clone of one for
 * each contender of each round, dropped right after its measurement.
 */
export class Scratch {
  private counter = 0;
  private readonly created = new Set<string>();
  private readonly prefix = `flowstage_bench_${process.pid}`;

  constructor(
    private readonly admin: pg.Client,
    private readonly serverUrl: string,
  ) {}

  url(database: string): string {
    return withDatabaseName(this.serverUrl, database);
  }

  /** A new database, empty or cloned from `template`; returns its name. */
  async create(template?: string): Promise<string> {
    const name = `${this.prefix}_${++this.counter}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
        break;
      } catch (error) {
        // 55006: a session of the template is still closing (a pool just ended).
        if ((error as { code?: string }).code !== '55006' || attempt === 50) throw error;
        await sleep(100);
      }
    }
    this.created.add(name);
    return name;
  }

  /** A template: a new database prepared by `setup` (which must close its connections). */
  async template(setup: (url: string) => Promise<void>): Promise<string> {
    const name = await this.create();
    await setup(this.url(name));
    return name;
  }

  async drop(name: string): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    this.created.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) await this.drop(name).catch(() => {});
  }

  /** Runs `body` on a fresh clone of `template` (or an empty database) and drops it after. */
  async with<T>(template: string | undefined, body: (url: string) => Promise<T>): Promise<T> {
    const name = await this.create(template);
    try {
      return await body(this.url(name));
    } finally {
      await this.drop(name);
    }
  }
}

/** Rotates the contenders' order by round, so none always runs first. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
