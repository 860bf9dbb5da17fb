// What an upgrade must keep: every row of every table of flowfabric and graphile_worker.
import type { ExecutionContext } from 'ava';
import { shippedMigrations } from '../../src/migrate.js';
import { queryUrl } from './fixtures.js';

export type TableRows = Record<string, Record<string, unknown>[]>;

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** Every row of every table of flowfabric and graphile_worker, as JSON objects, by table. */
export async function tableRows(url: string): Promise<TableRows> {
  const tables = await queryUrl(
    url,
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
    WHERE schemaname IN ('flowfabric', 'graphile_worker') ORDER BY 1`,
  );
  const rows: TableRows = {};
  for (const { name } of tables) {
    rows[name] = (await queryUrl(url, `SELECT to_jsonb(t) AS row FROM ${name} t`)).map((r) => r.row).sort(byJson);
  }
  return rows;
}

/**
 * Columns a release moved, read back as the release before stored them: 0.3.0 holds ff_edge's
 * policy jsonb as columns, and the policy its reads rebuild (_edge_policy) must be the stored one.
 */
const MOVED: Record<string, { column: string; sql: string }> = {
  'flowfabric.ff_edge': {
    column: 'policy',
    sql: `SELECT to_jsonb(t) || jsonb_build_object('policy', flowfabric._edge_policy(t)) AS row FROM flowfabric.ff_edge t`,
  },
};

/**
 * Every row `before` held is still in the database at `url`, compared on the columns its table had
 * then (a release may add columns). The bookkeeping tables gain the new migrations' rows and the
 * error catalogue the release's new codes; every other table holds exactly the rows it held.
 */
export async function assertRowsKept(t: ExecutionContext, url: string, before: TableRows): Promise<void> {
  const after = await tableRows(url);
  for (const [table, moved] of Object.entries(MOVED)) {
    if (before[table]?.[0] && moved.column in before[table][0] && after[table]?.[0] && !(moved.column in after[table][0])) {
      after[table] = (await queryUrl(url, moved.sql)).map((r) => r.row).sort(byJson);
    }
  }
  const shipped = (await shippedMigrations()).length;
  for (const [table, rows] of Object.entries(before)) {
    const columns = Object.keys(rows[0] ?? after[table][0] ?? {});
    const project = (row: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c, row[c]]));
    const kept = after[table].map(project).sort(byJson);
    if (['flowfabric.ff_schema_migrations', 'flowfabric.ff_migration_checksum', 'flowfabric.ff_error'].includes(table)) {
      t.true(
        rows.every((row) => kept.some((k) => JSON.stringify(k) === JSON.stringify(row))),
        table,
      );
      if (table !== 'flowfabric.ff_error') t.is(kept.length, shipped, table);
    } else {
      t.deepEqual(kept, rows, table);
    }
  }
}
