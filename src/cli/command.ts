// What a flowstage command is: its positional arguments, help texts and options (parsed by
// commander, src/cli/parse.ts), and a run function that returns the exit code. Each command is
// one file under src/cli/commands/ whose default export is a Command; the CLI finds them there.
import pg from 'pg';

/** A wrong invocation: printed as `error: <message>` with the command's usage, exit code 2. */
export class UsageError extends Error {}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (string options). */
  value?: string;
  help: string;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Context {
  url: string;
  args: string[];
  values: Values;
  io: Output;
}

export interface Command {
  /** Where the command stands in `flowstage --help`'s list (ascending). */
  order: number;
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

/** Options every command takes (an offline command only --help). */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  'database-url': { type: 'string', value: 'URL', help: 'the database (default: $DATABASE_URL)' },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
};

export const JSON_OPTION: OptionSpec = { type: 'boolean', help: 'print JSON instead of tables' };
export const LIMIT_OPTION: OptionSpec = { type: 'string', value: 'N', help: 'rows per page, 1..1000 (default 100)' };

/** Runs `body` on one connection to the command's database. */
export async function withClient(ctx: Context, body: (db: pg.Client) => Promise<number>): Promise<number> {
  const db = new pg.Client({ connectionString: ctx.url });
  await db.connect();
  try {
    return await body(db);
  } finally {
    await db.end();
  }
}

/** A string option's value, or undefined. */
export function str(ctx: Context, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An integer option's value, or undefined; anything else is a usage error. */
export function intOption(ctx: Context, name: string): number | undefined {
  const text = str(ctx, name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} must be an integer (got ${text})`);
  return Number(text);
}
