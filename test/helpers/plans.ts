// The plans a call runs, statement by statement (auto_explain with nested statements, on one
// connection, as the superuser the suite runs as): for tests that check a plan's shape, never its time.
import type pg from 'pg';

/**
 * Runs `sql` on `client` and returns the text of every plan auto_explain logged meanwhile (with
 * `analyze`, each node's actual rows and loops).
 */
export async function plansOf(client: pg.PoolClient, sql: string, values: unknown[] = [], analyze = false): Promise<string[]> {
  const plans: string[] = [];
  const listen = (notice: { message?: string }) => {
    if (notice.message?.includes('Query Text:')) plans.push(notice.message);
  };
  await client.query(`LOAD 'auto_explain'`);
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
    SET auto_explain.log_level = notice; SET client_min_messages = notice;
    SET auto_explain.log_analyze = ${analyze ? 'on' : 'off'}; SET auto_explain.log_timing = off`);
  client.on('notice', listen);
  try {
    await client.query(sql, values);
  } finally {
    client.off('notice', listen);
    await client.query('SET auto_explain.log_min_duration = -1');
  }
  return plans;
}

/**
 * The plan nodes that read the flow once per step: run more than `maxLoops` times, each time
 * returning more than `maxRows` rows on average (a probe per node that reads the whole flow, not
 * one node's edges). Needs plans taken with `analyze`.
 */
export function repeatedScans(plans: string[], maxLoops = 100, maxRows = 100): string[] {
  const found: string[] = [];
  for (const plan of plans) {
    for (const line of plan.split('\n')) {
      const m = /actual rows=(\d+) loops=(\d+)/.exec(line);
      if (m && Number(m[2]) > maxLoops && Number(m[1]) > maxRows) found.push(line.trim());
    }
  }
  return found;
}
