#!/usr/bin/env node
// flowstage: the command line over the read surface, plan submission, waiting, cancelling, export,
// migrate and the worker. Every database call goes through the generated client (src/generated/)
// or the client helpers built on it (waitForFlow, flowToHtml); the commands only parse arguments
// and format results. Tables for people, --json for scripts. Each command is one file under
// src/cli/commands/ (its default export a Command, found there at start: adding a command adds
// one file) and declares its own options: an option it does not take is a usage error, and
// `flowstage <command> --help` prints them.
//
// Exit codes: 0 done; 1 a refusal from the database (printed as `error: <code>: <detail>`
// and `hint: <hint>`, no stack trace) or another runtime error; 2 a usage error.
import { readdir, readFile, realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GLOBAL_OPTIONS, UsageError, type Command, type Output } from './command.js';
import { commandHelp, usage, type Commands } from './help.js';
import { parseCommand } from './parse.js';
import { report } from './report.js';

/** Every command under ./commands/ (a .ts file from the sources, .js from the build), by order. */
async function loadCommands(): Promise<Commands> {
  const dir = new URL('./commands/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => /\.[jt]s$/.test(f) && !f.endsWith('.d.ts')).sort();
  const loaded = await Promise.all(
    files.map(async (file) => {
      const module = (await import(new URL(file, dir).href)) as { default: Command };
      return [file.replace(/\.[jt]s$/, ''), module.default] as const;
    }),
  );
  return new Map(loaded.sort(([, a], [, b]) => a.order - b.order));
}

/** The version in package.json (two folders up from src/cli/ and from dist/cli/). */
async function version(): Promise<string> {
  return JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

/** The command: the first argument that is not a global option (or its value). */
function findCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--database-url') {
      i++;
      continue;
    }
    if (arg.startsWith('--database-url=') || arg === '--help' || arg === '-h') continue;
    if (arg.startsWith('-')) return { name: undefined, rest: argv }; // an option before any command
    return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

/** Runs the CLI; returns the exit code. */
export async function main(
  argv: string[],
  io: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  const commands = await loadCommands();
  const { name, rest } = findCommand(argv);
  if (name === 'help') {
    const [topic] = rest.filter((a) => !a.startsWith('-'));
    if (topic !== undefined && !commands.has(topic)) return usageError(io, `unknown command ${topic}`, usage(commands));
    io.out(`${topic === undefined ? usage(commands) : commandHelp(commands, topic)}\n`);
    return 0;
  }
  if (name === undefined) {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
      io.out(`${await version()}\n`);
      return 0;
    }
    let values;
    try {
      values = parseCommand(GLOBAL_OPTIONS, argv).values;
    } catch (error) {
      return usageError(io, (error as Error).message, usage(commands));
    }
    if (values.help) {
      io.out(`${usage(commands)}\n`);
      return 0;
    }
    io.err(`${usage(commands)}\n`);
    return 2;
  }
  const command = commands.get(name);
  if (command === undefined) return usageError(io, `unknown command ${name}`, usage(commands));
  let parsed;
  try {
    parsed = parseCommand({ ...GLOBAL_OPTIONS, ...command.options }, rest);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, commandHelp(commands, name));
    throw error;
  }
  const { values, args } = parsed;
  if (values.help) {
    io.out(`${commandHelp(commands, name)}\n`);
    return 0;
  }
  if (args.length !== command.args.length) {
    const message =
      command.args.length === 0
        ? `unexpected argument ${args[0]}`
        : `expected ${command.args.map((a) => `<${a}>`).join(' ')}, got ${args.length} argument(s)`;
    return usageError(io, message, commandHelp(commands, name));
  }
  const url = (values['database-url'] as string | undefined) || process.env.DATABASE_URL || '';
  if (!url && !command.offline) {
    return usageError(
      io,
      'DATABASE_URL is not set and no --database-url was given (e.g. --database-url postgres://user@host:5432/db)',
      commandHelp(commands, name),
    );
  }
  try {
    return await command.run({ url, args, values, io });
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, commandHelp(commands, name));
    return report(error, io);
  }
}

function usageError(io: Output, message: string, help: string): number {
  io.err(`error: ${message}\n\n${help}\n`);
  return 2;
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

/** Whether this module is the program (`tsx src/cli/index.ts`, `node dist/cli/index.js`). */
async function isMain(): Promise<boolean> {
  if (!process.argv[1]) return false;
  const program = await realpath(process.argv[1]).catch(() => process.argv[1]);
  return program === fileURLToPath(import.meta.url);
}

if (await isMain()) {
  await runFromProcess();
}
