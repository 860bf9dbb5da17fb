// Output of the commands: aligned tables and key/value lines for people, JSON for scripts.
import type { Context } from './command.js';

export interface GroupJson {
  downstream_execution_id: string;
  policy: { kind: string; k?: number; on_satisfied?: string };
  decision: string;
  success_count: number;
  fail_count: number;
  skip_count: number;
  running_count: number;
}

/** Every page of a keyset-paginated read, concatenated. */
export async function allPages<Row>(
  page: (after: string | undefined) => Promise<Row[]>,
  key: (row: Row) => string,
): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await page(after);
    rows.push(...batch);
    if (batch.length === 0) return rows;
    after = key(batch[batch.length - 1]);
  }
}

export function json(ctx: Context, value: unknown): number {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

/**
 * A page of a list command (`--limit`, `--after`): JSON with --json, else a table of `columns` and,
 * when the page is full (limit, default 100), on stderr how to ask for the next one.
 */
export function printPage<Row extends object>(
  ctx: Context,
  rows: readonly Row[],
  columns: (keyof Row & string)[],
  limit: number | undefined,
  key: keyof Row & string,
): number {
  if (ctx.values.json) return json(ctx, rows);
  ctx.io.out(table(rows, columns));
  const last = rows.at(-1)?.[key];
  if (rows.length === (limit ?? 100) && last) ctx.io.err(`(more may follow: --after ${String(last)})\n`);
  return 0;
}

export function policyText(policy: GroupJson['policy']): string {
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
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** An object as aligned "key  value" lines. */
export function keyValues(record: object): string {
  const entries = Object.entries(record);
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${cell(v, k)}`.trimEnd()).join('\n') + '\n';
}
