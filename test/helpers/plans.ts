// The plans a call runs, statement by statement (auto_explain with nested statements, on one
// connection, as the superuser the suite runs as): for tests that check a plan's shape, never its time.
import type pg from 'pg';

/** Runs `sql` on `client` and returns the text of every plan auto_explain logged meanwhile. */
export async function plansOf(client: pg.PoolClient, sql: string, values: unknown[] = []): Promise<string[]> {
  const plans: string[] = [];
  const listen = (notice: { message?: string }) => { if (notice.message?.includes('Query Text:')) plans.push(notice.message); };
  await client.query(`LOAD 'auto_explain'`);
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
    SET auto_explain.log_level = notice; SET client_min_messages = notice`);
  client.on('notice', listen);
  try {
    await client.query(sql, values);
  } finally {
    client.off('notice', listen);
    await client.query('SET auto_explain.log_min_duration = -1');
  }
  return plans;
}
