#!/usr/bin/env node
// flowstage: the command line over the read surface, export, migrate and the worker.
// Every database call goes through the generated client (src/generated/); this file only
// parses arguments and formats results. Tables for people, --json for scripts.
//
// Exit codes: 0 done; 1 a refusal from the database (printed as `error: <code>: <detail>`
// and `hint: <hint>`, no stack trace) or another runtime error; 2 a usage error.
import { readFile, realpath } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FlowstageError } from './client/errors.js';
import {
  describeFlow,
  explainExecution,
  flowToDot,
  flowToMermaid,
  listEdges,
  listFlows,
  listMembers,
} from './generated/index.js';
import { migrate } from './migrate.js';
import type { TaskList } from './worker/index.js';

const USAGE = `usage: flowstage <command> [options]

commands:
  describe <flow_id>                      the flow, its members and its edge groups
  list [--namespace NS] [--state STATE]   flows, a page at a time (--after FLOW_ID, --limit N)
  members <flow_id>                       the flow's members (--after EXECUTION_ID, --limit N)
  edges <flow_id> [--execution ID] [--direction in|out|both]
                                          the flow's edges (--after EDGE_ID, --limit N)
  explain <flow_id> <execution_id>        why an execution is where it is
  export <flow_id> --format mermaid|dot   the DAG as Mermaid or Graphviz DOT text
  migrate                                 install or upgrade flowstage in the database
  sql                                     print the psql install file (no database needed):
                                          flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"
  worker [--concurrency N] [--tasks FILE] run the cascade (and FILE's tasks) on Graphile Worker

options:
  --json        print JSON instead of tables (describe, list, members, edges, explain)
  -h, --help    print this help

The database is $DATABASE_URL.`;

/** Commands that do not connect to a database. */
const OFFLINE = new Set(['sql']);

class UsageError extends Error {}

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  namespace: { type: 'string' },
  state: { type: 'string' },
  after: { type: 'string' },
  limit: { type: 'string' },
  execution: { type: 'string' },
  direction: { type: 'string' },
  format: { type: 'string' },
  concurrency: { type: 'string' },
  tasks: { type: 'string' },
} as const;

type Values = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  let command: string | undefined;
  let args: string[];
  let values: Values;
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    values = parsed.values as Values;
    [command, ...args] = parsed.positionals;
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help || command === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (!command) {
    io.err(`${USAGE}\n`);
    return 2;
  }

  const url = process.env.DATABASE_URL;
  try {
    if (!COMMANDS[command]) throw new UsageError(`unknown command ${command}`);
    if (!url && !OFFLINE.has(command)) throw new UsageError('DATABASE_URL is not set (e.g. DATABASE_URL=postgres://user@host:5432/db flowstage ...)');
    return await COMMANDS[command]({ url: url ?? '', args, values, io });
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Output): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof FlowstageError) {
    io.err(`error: ${error.code}: ${error.detail ?? ''}\n`);
    if (error.hint) io.err(`hint: ${error.hint}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${message}\n`);
  if (process.env.FLOWSTAGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return 1;
}

interface Context {
  url: string;
  args: string[];
  values: Values;
  io: Output;
}

const COMMANDS: Record<string, (ctx: Context) => Promise<number>> = {
  describe: (ctx) => withClient(ctx, async (db) => {
    const [flowId] = positionals(ctx, 'flow_id');
    const [flow] = await describeFlow(db, { flowId });
    const members = await allPages((after) => listMembers(db, { flowId, after, limit: 1000 }), (m) => m.execution_id!);
    if (ctx.values.json) return json(ctx, { ...flow, members });
    const { edge_groups: groups, raw_fields: _raw, ...fields } = flow;
    ctx.io.out(keyValues(fields));
    ctx.io.out(`\nmembers (${members.length})\n`);
    ctx.io.out(table(members, ['execution_id', 'task_identifier', 'public_state', 'eligibility_state', 'terminal_outcome']));
    const groupRows = (groups as unknown as GroupJson[]).map((g) => ({
      downstream_execution_id: g.downstream_execution_id,
      policy: policyText(g.policy),
      decision: g.decision,
      success: g.success_count,
      fail: g.fail_count,
      skip: g.skip_count,
      running: g.running_count,
    }));
    ctx.io.out(`\nedge groups (${groupRows.length})\n`);
    ctx.io.out(table(groupRows, ['downstream_execution_id', 'policy', 'decision', 'success', 'fail', 'skip', 'running']));
    return 0;
  }),

  list: (ctx) => withClient(ctx, async (db) => {
    positionals(ctx);
    const limit = intOption(ctx, 'limit');
    const rows = await listFlows(db, { namespace: ctx.values.namespace, state: ctx.values.state, after: ctx.values.after, limit });
    if (ctx.values.json) return json(ctx, rows);
    ctx.io.out(table(rows, ['flow_id', 'namespace', 'public_flow_state', 'graph_revision', 'node_count', 'edge_count', 'last_mutation_at_ms']));
    nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.flow_id);
    return 0;
  }),

  members: (ctx) => withClient(ctx, async (db) => {
    const [flowId] = positionals(ctx, 'flow_id');
    const limit = intOption(ctx, 'limit');
    const rows = await listMembers(db, { flowId, after: ctx.values.after, limit });
    if (ctx.values.json) return json(ctx, rows);
    ctx.io.out(table(rows, ['execution_id', 'task_identifier', 'lifecycle_phase', 'public_state', 'eligibility_state', 'terminal_outcome']));
    nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.execution_id);
    return 0;
  }),

  edges: (ctx) => withClient(ctx, async (db) => {
    const [flowId] = positionals(ctx, 'flow_id');
    const limit = intOption(ctx, 'limit');
    const rows = await listEdges(db, {
      flowId, executionId: ctx.values.execution, direction: ctx.values.direction, after: ctx.values.after, limit,
    });
    if (ctx.values.json) return json(ctx, rows);
    ctx.io.out(table(rows, ['edge_id', 'upstream_execution_id', 'downstream_execution_id', 'edge_state', 'upstream_outcome']));
    nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.edge_id);
    return 0;
  }),

  explain: (ctx) => withClient(ctx, async (db) => {
    const [flowId, executionId] = positionals(ctx, 'flow_id', 'execution_id');
    const [row] = await explainExecution(db, { flowId, executionId });
    if (ctx.values.json) return json(ctx, row);
    ctx.io.out(`${row.reason}\n\n`);
    ctx.io.out(keyValues({
      execution_id: row.execution_id,
      lifecycle_phase: row.lifecycle_phase,
      public_state: row.public_state,
      eligibility_state: row.eligibility_state,
      blocking_reason: row.blocking_reason,
      terminal_outcome: row.terminal_outcome,
      group_policy: row.group_policy === null ? null : policyText(row.group_policy as GroupJson['policy']),
      group_decision: row.group_decision,
      group_counts: row.group_policy === null ? null
        : `success ${row.success_count}, fail ${row.fail_count}, skip ${row.skip_count}, running ${row.running_count}`,
    }));
    const edges = (row.inbound_edges ?? []) as Record<string, unknown>[];
    ctx.io.out(`\ninbound edges (${edges.length})\n`);
    ctx.io.out(table(edges, ['edge_id', 'upstream_execution_id', 'edge_state', 'upstream_public_state', 'upstream_outcome']));
    return 0;
  }),

  export: (ctx) => withClient(ctx, async (db) => {
    const [flowId] = positionals(ctx, 'flow_id');
    const format = ctx.values.format;
    if (format !== 'mermaid' && format !== 'dot') throw new UsageError('export needs --format mermaid or --format dot');
    const text = format === 'mermaid' ? await flowToMermaid(db, { flowId }) : await flowToDot(db, { flowId });
    ctx.io.out(text ?? '');
    return 0;
  }),

  migrate: async (ctx) => {
    positionals(ctx);
    await migrate(ctx.url, { log: (line) => ctx.io.err(`${line}\n`) });
    ctx.io.out('flowstage is installed and up to date.\n');
    return 0;
  },

  sql: async (ctx) => {
    positionals(ctx);
    ctx.io.out(await installSql());
    return 0;
  },

  worker: async (ctx) => {
    positionals(ctx);
    const concurrency = intOption(ctx, 'concurrency');
    const { run } = await import('./worker/index.js');
    let taskList: TaskList | undefined;
    if (ctx.values.tasks) {
      const loaded = await loadTaskList(ctx.values.tasks);
      if (!loaded || typeof loaded !== 'object') {
        throw new UsageError(`--tasks ${ctx.values.tasks} must export a task list (export const taskList = { name: async (payload, helpers) => ... })`);
      }
      taskList = loaded as TaskList;
    }
    // Signal handlers go first: a SIGTERM that lands before a listener exists kills the process.
    let worker: Awaited<ReturnType<typeof run>> | undefined;
    let stopRequested = false;
    const stop = () => {
      stopRequested = true;
      void worker?.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      worker = await run({ connectionString: ctx.url, taskList, concurrency, noHandleSignals: true });
      if (stopRequested) void worker.stop();
      ctx.io.err(`flowstage worker running (concurrency ${concurrency ?? 4}); Ctrl-C stops it\n`);
      await worker.promise;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    ctx.io.err('flowstage worker stopped\n');
    return 0;
  },
};

/**
 * The psql install file: dist/flowstage.sql next to the compiled CLI (what the package ships),
 * else, run from the sources, built from them now (src/install-sql.ts).
 */
async function installSql(): Promise<string> {
  const built = await readFile(new URL('./flowstage.sql', import.meta.url), 'utf8').catch(() => undefined);
  if (built !== undefined) return built;
  const { buildInstallSql } = await import('./install-sql.js');
  return buildInstallSql();
}

/**
 * The task list a --tasks file exports (`taskList`, or its default export). JavaScript files are
 * imported; TypeScript files are loaded with tsx's tsImport when tsx is installed (it compiles
 * them wherever they live: a plain import would treat a .ts file outside an ESM package as CommonJS).
 */
async function loadTaskList(file: string): Promise<unknown> {
  const url = pathToFileURL(resolve(file)).href;
  let module;
  if (/\.[cm]?tsx?$/.test(file)) {
    const tsx = await import('tsx/esm/api').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new Error(`--tasks ${file} is TypeScript, which needs tsx to load: install it (npm install --save-dev tsx), ` +
        'or compile the file to JavaScript and pass the .js file');
    });
    module = await tsx.tsImport(url, import.meta.url);
  } else {
    module = await import(url);
  }
  return module.taskList ?? module.default?.taskList ?? module.default;
}

interface GroupJson {
  downstream_execution_id: string;
  policy: { kind: string; k?: number; on_satisfied?: string };
  decision: string;
  success_count: number;
  fail_count: number;
  skip_count: number;
  running_count: number;
}

async function withClient(ctx: Context, body: (db: pg.Client) => Promise<number>): Promise<number> {
  const db = new pg.Client({ connectionString: ctx.url });
  await db.connect();
  try {
    return await body(db);
  } finally {
    await db.end();
  }
}

/** The positional arguments, checking that exactly the named ones were given. */
function positionals(ctx: Context, ...names: string[]): string[] {
  if (ctx.args.length !== names.length) {
    throw new UsageError(names.length === 0
      ? `unexpected argument ${ctx.args[0]}`
      : `expected ${names.map((n) => `<${n}>`).join(' ')}, got ${ctx.args.length} argument(s)`);
  }
  return ctx.args;
}

function intOption(ctx: Context, name: 'limit' | 'concurrency'): number | undefined {
  const text = ctx.values[name];
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} must be an integer (got ${text})`);
  return Number(text);
}

async function allPages<Row>(page: (after: string | undefined) => Promise<Row[]>, key: (row: Row) => string): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await page(after);
    rows.push(...batch);
    if (batch.length === 0) return rows;
    after = key(batch[batch.length - 1]);
  }
}

function json(ctx: Context, value: unknown): number {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

function nextPage(ctx: Context, count: number, limit: number, last: string | null | undefined): void {
  if (count === limit && last) ctx.io.err(`(more may follow: --after ${last})\n`);
}

function policyText(policy: GroupJson['policy']): string {
  if (policy.kind === 'quorum') return `quorum k=${policy.k} ${policy.on_satisfied}`;
  if (policy.kind === 'any_of') return `any_of ${policy.on_satisfied}`;
  return policy.kind;
}

/** A value as table text; *_at_ms columns (epoch milliseconds) as UTC ISO times. */
function cell(value: unknown, column = ''): string {
  if (value === null || value === undefined) return '';
  if (column.endsWith('_at_ms') && /^\d+$/.test(String(value))) return new Date(Number(value)).toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows as an aligned text table with a header; "(none)" when empty. */
export function table(rows: readonly object[], columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((c) => cell((row as Record<string, unknown>)[c], c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** An object as aligned "key  value" lines. */
function keyValues(record: object): string {
  const entries = Object.entries(record);
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${cell(v, k)}`.trimEnd()).join('\n') + '\n';
}

/** Runs the CLI on this process's argv and streams; a closed pipe (`flowstage list | head`) ends it quietly. */
export async function runFromProcess(): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  process.exitCode = await main(process.argv.slice(2));
}

/** Whether this module is the program (the `flowstage` bin, possibly through npm's symlink, or `tsx src/cli.ts`). */
async function isMain(): Promise<boolean> {
  if (!process.argv[1]) return false;
  const main = await realpath(process.argv[1]).catch(() => process.argv[1]);
  return main === fileURLToPath(import.meta.url);
}

if (await isMain()) {
  await runFromProcess();
}
