#!/usr/bin/env node
// flowstage: the command line over the read surface, plan submission, waiting, export, migrate and
// the worker. Every database call goes through the generated client (src/generated/) or the
// client helpers built on it (waitForFlow, flowToHtml); this file only parses arguments and formats
// results. Tables for people, --json for scripts. Each command declares its own options: an option
// it does not take is a usage error, and `flowstage <command> --help` prints them.
//
// Exit codes: 0 done; 1 a refusal from the database (printed as `error: <code>: <detail>`
// and `hint: <hint>`, no stack trace) or another runtime error; 2 a usage error.
import { randomUUID } from 'node:crypto';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FlowstageError } from './client/errors.js';
import { flowToHtml } from './client/html.js';
import { FlowWaitAbortedError, FlowWaitTimeoutError, waitForFlow } from './client/wait.js';
import {
  describeFlow,
  explainExecution,
  flowToDot,
  flowToMermaid,
  listEdges,
  listFlows,
  listMembers,
  submitFlow,
} from './generated/index.js';
import { migrate } from './migrate.js';
import type { TaskList } from './worker/index.js';

class UsageError extends Error {}

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (string options). */
  value?: string;
  help: string;
}

interface Command {
  /** Positional arguments, in order. */
  args: string[];
  /** One line for the command list. */
  summary: string;
  /** What the command's --help says after the usage line. */
  description: string;
  options: Record<string, OptionSpec>;
  /** Needs no database. */
  offline?: boolean;
  run: (ctx: Context) => Promise<number>;
}

type Values = Record<string, string | boolean | undefined>;

interface Context {
  url: string;
  args: string[];
  values: Values;
  io: Output;
}

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  'database-url': { type: 'string', value: 'URL', help: 'the database (default: $DATABASE_URL)' },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
};

const JSON_OPTION: OptionSpec = { type: 'boolean', help: 'print JSON instead of tables' };
const LIMIT_OPTION: OptionSpec = { type: 'string', value: 'N', help: 'rows per page, 1..1000 (default 100)' };

const COMMANDS: Record<string, Command> = {
  describe: {
    args: ['flow_id'],
    summary: 'the flow, its members and its edge groups',
    description: 'Prints the flow\'s fields (ff_describe_flow), every member (ff_list_members) and its edge groups.',
    options: { json: JSON_OPTION },
    run: (ctx) => withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const [flow] = await describeFlow(db, { flowId });
      const members = await allPages((after) => listMembers(db, { flowId, after, limit: 1000 }), (m) => m.execution_id);
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
  },

  list: {
    args: [],
    summary: 'flows, a page at a time',
    description: 'Lists flows in flow_id order (ff_list_flows), one page at a time; a full page says on stderr how to ask for the next.',
    options: {
      namespace: { type: 'string', value: 'NS', help: 'only this namespace' },
      state: { type: 'string', value: 'STATE', help: 'only flows in this state: open | cancelled | completed | failed' },
      after: { type: 'string', value: 'FLOW_ID', help: 'the page after this flow_id' },
      limit: LIMIT_OPTION,
      json: JSON_OPTION,
    },
    run: (ctx) => withClient(ctx, async (db) => {
      const limit = intOption(ctx, 'limit');
      const rows = await listFlows(db, { namespace: str(ctx, 'namespace'), state: str(ctx, 'state'), after: str(ctx, 'after'), limit });
      if (ctx.values.json) return json(ctx, rows);
      ctx.io.out(table(rows, ['flow_id', 'namespace', 'public_flow_state', 'graph_revision', 'node_count', 'edge_count', 'last_mutation_at_ms']));
      nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.flow_id);
      return 0;
    }),
  },

  members: {
    args: ['flow_id'],
    summary: 'the flow\'s members, a page at a time',
    description: 'Lists the flow\'s members in execution uuid order (ff_list_members).',
    options: {
      after: { type: 'string', value: 'EXECUTION_ID', help: 'the page after this execution' },
      limit: LIMIT_OPTION,
      json: JSON_OPTION,
    },
    run: (ctx) => withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const limit = intOption(ctx, 'limit');
      const rows = await listMembers(db, { flowId, after: str(ctx, 'after'), limit });
      if (ctx.values.json) return json(ctx, rows);
      ctx.io.out(table(rows, ['execution_id', 'task_identifier', 'lifecycle_phase', 'public_state', 'eligibility_state', 'terminal_outcome']));
      nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.execution_id);
      return 0;
    }),
  },

  edges: {
    args: ['flow_id'],
    summary: 'the flow\'s edges, a page at a time',
    description: 'Lists the flow\'s edges, or one member\'s, in edge_id order (ff_list_edges).',
    options: {
      execution: { type: 'string', value: 'ID', help: 'only the edges of this member' },
      direction: { type: 'string', value: 'in|out|both', help: 'with --execution: its inbound, outbound or all edges (default both)' },
      after: { type: 'string', value: 'EDGE_ID', help: 'the page after this edge' },
      limit: LIMIT_OPTION,
      json: JSON_OPTION,
    },
    run: (ctx) => withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const limit = intOption(ctx, 'limit');
      const rows = await listEdges(db, {
        flowId, executionId: str(ctx, 'execution'), direction: str(ctx, 'direction'), after: str(ctx, 'after'), limit,
      });
      if (ctx.values.json) return json(ctx, rows);
      ctx.io.out(table(rows, ['edge_id', 'upstream_execution_id', 'downstream_execution_id', 'edge_state', 'upstream_outcome']));
      nextPage(ctx, rows.length, limit ?? 100, rows.at(-1)?.edge_id);
      return 0;
    }),
  },

  explain: {
    args: ['flow_id', 'execution_id'],
    summary: 'why an execution is where it is',
    description: 'Prints one line saying why the execution is where it is (ff_explain_execution), then its state, group and inbound edges.',
    options: { json: JSON_OPTION },
    run: (ctx) => withClient(ctx, async (db) => {
      const [flowId, executionId] = ctx.args;
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
  },

  export: {
    args: ['flow_id'],
    summary: 'the DAG as Mermaid, Graphviz DOT or an HTML picture',
    description: 'Prints the DAG as Mermaid text (ff_flow_to_mermaid), Graphviz DOT text (ff_flow_to_dot), or a self-contained\n' +
      'HTML page that draws it coloured by state (nodes labelled with their payload\'s label or name key when present;\n' +
      'the page loads nothing from the network).',
    options: {
      format: { type: 'string', value: 'mermaid|dot|html', help: 'the format (required)' },
      output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE instead of stdout' },
    },
    run: async (ctx) => {
      const [flowId] = ctx.args;
      const format = ctx.values.format;
      if (format !== 'mermaid' && format !== 'dot' && format !== 'html') {
        throw new UsageError('export needs --format mermaid, --format dot or --format html');
      }
      return withClient(ctx, async (db) => {
        const text = format === 'mermaid' ? await flowToMermaid(db, { flowId })
          : format === 'dot' ? await flowToDot(db, { flowId })
            : await flowToHtml(db, flowId);
        const output = str(ctx, 'output');
        if (output === undefined) ctx.io.out(text ?? '');
        else {
          await writeFile(output, text ?? '');
          ctx.io.err(`wrote ${output}\n`);
        }
        return 0;
      });
    },
  },

  submit: {
    args: ['plan.json'],
    summary: 'build or extend a flow from a plan file in one call',
    description: 'Submits a plan file with ff_submit_flow: {"flow_id"?, "executions": [...], "edges": [...], "groups": [...]}\n' +
      '(SPEC 4.7; - reads stdin). The flow is created if new; a resubmission is already_submitted. The flow id is\n' +
      '--flow-id, else the file\'s flow_id, else a new uuid (printed).',
    options: {
      start: { type: 'boolean', help: 'start the flow in the same transaction' },
      'flow-id': { type: 'string', value: 'ID', help: 'the flow (overrides the file\'s flow_id)' },
      namespace: { type: 'string', value: 'NS', help: 'the namespace of a new flow (default: default)' },
      'dry-run': { type: 'boolean', help: 'check and count, write nothing' },
      json: JSON_OPTION,
    },
    run: async (ctx) => {
      const [file] = ctx.args;
      const { flow_id: fileFlowId, ...plan } = await readPlan(file);
      if (fileFlowId !== undefined && typeof fileFlowId !== 'string') throw new UsageError(`${file}: flow_id must be a string`);
      // Everything but flow_id is the plan, checked by ff_submit_flow (a misspelt section is refused there).
      const flowId = str(ctx, 'flow-id') ?? (fileFlowId as string | undefined) ?? randomUUID();
      return withClient(ctx, async (db) => {
        const [row] = await submitFlow(db, {
          flowId, plan, start: ctx.values.start === true, dryRun: ctx.values['dry-run'] === true, namespace: str(ctx, 'namespace'),
        });
        if (ctx.values.json) return json(ctx, { flow_id: flowId, ...row });
        ctx.io.out(keyValues({ flow_id: flowId, ...row }));
        return 0;
      });
    },
  },

  wait: {
    args: ['flow_id'],
    summary: 'wait until the flow completes, fails or is cancelled',
    description: 'Waits until the flow leaves open (waitForFlow: polls ff_describe_flow with backoff, and LISTENs on\n' +
      'flowstage:<namespace>, which wakes it at once when the namespace\'s notifications are on), then prints its state.\n' +
      'Exit 0 when it completed; 1 when it failed or was cancelled, or at the timeout.',
    options: {
      timeout: { type: 'string', value: 'SECONDS', help: 'give up after this many seconds (default: wait as long as it takes)' },
      json: { type: 'boolean', help: 'print the final description as JSON' },
    },
    run: async (ctx) => {
      const [flowId] = ctx.args;
      const timeout = str(ctx, 'timeout');
      if (timeout !== undefined && !(/^\d+(\.\d+)?$/.test(timeout))) throw new UsageError(`--timeout must be a number of seconds (got ${timeout})`);
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once('SIGINT', interrupt);
      try {
        let announced = false;
        const flow = await waitForFlow(ctx.url, flowId, {
          timeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
          signal: controller.signal,
          onCheck: (row) => {
            if (announced || row.public_flow_state !== 'open') return;
            announced = true;
            ctx.io.err(`waiting for flow ${flowId} (open)\n`);
          },
        });
        if (ctx.values.json) json(ctx, flow);
        else ctx.io.out(`${flowId} ${flow.public_flow_state}\n`);
        return flow.public_flow_state === 'completed' ? 0 : 1;
      } catch (error) {
        if (error instanceof FlowWaitTimeoutError) {
          ctx.io.err(`error: flow ${flowId} is still ${error.flow?.public_flow_state ?? 'open'} after ${timeout} s\n`);
          return 1;
        }
        if (error instanceof FlowWaitAbortedError) {
          ctx.io.err('interrupted\n');
          return 130;
        }
        throw error;
      } finally {
        process.off('SIGINT', interrupt);
      }
    },
  },

  migrate: {
    args: [],
    summary: 'install or upgrade flowstage in the database',
    description: 'Installs or upgrades flowstage (and Graphile Worker\'s schema) in the database; running it again is a no-op.',
    options: {},
    run: async (ctx) => {
      await migrate(ctx.url, { log: (line) => ctx.io.err(`${line}\n`) });
      ctx.io.out('flowstage is installed and up to date.\n');
      return 0;
    },
  },

  sql: {
    args: [],
    summary: 'print the psql install file (no database needed)',
    description: 'Prints the psql install file (every migration in order), for databases installed by a DBA:\n' +
      '  flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"',
    options: {},
    offline: true,
    run: async (ctx) => {
      ctx.io.out(await installSql());
      return 0;
    },
  },

  worker: {
    args: [],
    summary: 'run the cascade (and FILE\'s tasks) on Graphile Worker',
    description: 'Runs flowstage\'s tasks and the user\'s tasks on Graphile Worker until SIGINT or SIGTERM.',
    options: {
      concurrency: { type: 'string', value: 'N', help: 'jobs at once (default 4)' },
      tasks: { type: 'string', value: 'FILE', help: 'a module exporting a task list (export const taskList = { name: async (payload, helpers) => ... })' },
    },
    run: async (ctx) => {
      const concurrency = intOption(ctx, 'concurrency');
      const { run } = await import('./worker/index.js');
      let taskList: TaskList | undefined;
      const tasks = str(ctx, 'tasks');
      if (tasks) {
        const loaded = await loadTaskList(tasks);
        if (!loaded || typeof loaded !== 'object') {
          throw new UsageError(`--tasks ${tasks} must export a task list (export const taskList = { name: async (payload, helpers) => ... })`);
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
  },
};

/** `describe <flow_id>`, `list`, ...: a command's name with its positional arguments. */
function synopsis(name: string): string {
  return [name, ...COMMANDS[name].args.map((a) => `<${a}>`)].join(' ');
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => synopsis(name).length)) + 2;
  return `usage: flowstage <command> [options]

commands:
${Object.keys(COMMANDS).map((name) => `  ${synopsis(name).padEnd(width)}${COMMANDS[name].summary}`).join('\n')}

options (every command):
${optionLines(GLOBAL_OPTIONS)}

flowstage <command> --help lists the command's own options.`;
}

function commandHelp(name: string): string {
  const command = COMMANDS[name];
  const global = command.offline ? { help: GLOBAL_OPTIONS.help } : GLOBAL_OPTIONS;
  return `usage: flowstage ${synopsis(name)} [options]

${command.description}

options:
${optionLines({ ...command.options, ...global })}`;
}

function optionLines(options: Record<string, OptionSpec>): string {
  const left = Object.entries(options).map(([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return Object.values(options).map((o, i) => `  ${left[i].padEnd(width)}${o.help}`).join('\n');
}

/** The command: the first argument that is not a global option (or its value). */
function findCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--database-url') { i++; continue; }
    if (arg.startsWith('--database-url=') || arg === '--help' || arg === '-h') continue;
    if (arg.startsWith('-')) return { name: undefined, rest: argv };  // an option before any command
    return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

/** Turns node:util's parse errors into one short line. */
function parseError(error: Error & { code?: string }): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  return error.message.replace(/\.$/, '');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const { name, rest } = findCommand(argv);
  if (name === 'help') {
    const [topic] = rest.filter((a) => !a.startsWith('-'));
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) return usageError(io, `unknown command ${topic}`, usage());
    io.out(`${topic === undefined ? usage() : commandHelp(topic)}\n`);
    return 0;
  }
  if (name === undefined) {
    let values: Values;
    try {
      values = parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: true }).values as Values;
    } catch (error) {
      return usageError(io, parseError(error as Error), usage());
    }
    if (values.help) {
      io.out(`${usage()}\n`);
      return 0;
    }
    io.err(`${usage()}\n`);
    return 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) return usageError(io, `unknown command ${name}`, usage());
  const command = COMMANDS[name];
  let values: Values;
  let args: string[];
  try {
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    values = parsed.values as Values;
    args = parsed.positionals;
  } catch (error) {
    return usageError(io, parseError(error as Error), commandHelp(name));
  }
  if (values.help) {
    io.out(`${commandHelp(name)}\n`);
    return 0;
  }
  if (args.length !== command.args.length) {
    const message = command.args.length === 0 ? `unexpected argument ${args[0]}`
      : `expected ${command.args.map((a) => `<${a}>`).join(' ')}, got ${args.length} argument(s)`;
    return usageError(io, message, commandHelp(name));
  }
  const url = (values['database-url'] as string | undefined) || process.env.DATABASE_URL || '';
  if (!url && !command.offline) {
    return usageError(io, 'DATABASE_URL is not set and no --database-url was given (e.g. --database-url postgres://user@host:5432/db)',
      commandHelp(name));
  }
  try {
    return await command.run({ url, args, values, io });
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, commandHelp(name));
    return report(error, io);
  }
}

function usageError(io: Output, message: string, help: string): number {
  io.err(`error: ${message}\n\n${help}\n`);
  return 2;
}

/** A runtime error as `error: ...` (and `hint: ...`); exit code 1. */
function report(error: unknown, io: Output): number {
  if (error instanceof FlowstageError) {
    io.err(`error: ${error.code}: ${error.detail ?? ''}\n`);
    if (error.hint) io.err(`hint: ${error.hint}\n`);
    return 1;
  }
  const pgError = error as { code?: string; message?: string };
  if (pgError.code === '3F000' && /"flowfabric"/.test(pgError.message ?? '')) {
    io.err('error: flowstage is not installed in this database (schema "flowfabric" does not exist)\n');
    io.err('hint: install it with `flowstage migrate`, or have a DBA run `flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"`\n');
    return 1;
  }
  if (pgError.code === '42501' && /(function ff_|schema flowfabric\b)/.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err('hint: this login has not been granted flowstage\'s roles: a DBA runs GRANT flowstage_writer TO <login> ' +
      '(or flowstage_reader for reading only); see docs/operations.md#roles-and-privileges\n');
    return 1;
  }
  if (pgError.code === '42501' && /graphile_worker\b/.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err('hint: a worker\'s login needs flowstage_writer and rights on Graphile Worker\'s tables; the GRANT lines are in ' +
      'docs/operations.md#roles-and-privileges\n');
    return 1;
  }
  if (pgError.code === '42883' && /flowfabric\./.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err('hint: this database has another version of flowstage: upgrade it with `flowstage migrate` (or `flowstage sql | psql ...`)\n');
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${message}\n`);
  if (process.env.FLOWSTAGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return 1;
}

/** A plan file (or stdin for `-`) as a JSON object. */
async function readPlan(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
    throw new UsageError(`${file} must hold a JSON object {"flow_id"?, "executions": [...], "edges": [...], "groups": [...]}`);
  }
  return plan as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

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

function str(ctx: Context, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' ? value : undefined;
}

function intOption(ctx: Context, name: 'limit' | 'concurrency'): number | undefined {
  const text = str(ctx, name);
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
