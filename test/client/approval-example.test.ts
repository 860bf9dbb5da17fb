// The approval example of docs/branches.md (scripts/approval-example.ts, copied into the page by
// scripts/generate-docs.ts): run as psql would run it on a fresh database, and check each step did
// what the page says.
import test from 'ava';
import type pg from 'pg';
import { testDatabase } from '../helpers/database.js';
import { APPROVAL_IDS, PSQL_APPROVAL } from '../../scripts/approval-example.js';

/** Runs psql-style statements (\set, :'name', a trailing \gset); returns each statement's rows. */
async function runPsql(db: pg.Pool, statements: readonly { sql: string }[]): Promise<Record<string, unknown>[][]> {
  const variables = new Map<string, string>();
  const results: Record<string, unknown>[][] = [];
  for (const { sql } of statements) {
    const set = /^\\set (\w+) (\S+)$/.exec(sql);
    if (set) {
      variables.set(set[1]!, set[2]!);
      results.push([]);
      continue;
    }
    const gset = /\s*\\gset$/.test(sql);
    const text = sql.replace(/\s*\\gset$/, '').replace(/:'(\w+)'/g, (_whole, name: string) => {
      const value = variables.get(name);
      if (value === undefined) throw new Error(`:'${name}' is not set`);
      return `'${value.replaceAll("'", "''")}'`;
    });
    const { rows } = await db.query(text);
    if (gset) for (const [name, value] of Object.entries(rows[0] ?? {})) variables.set(name, String(value));
    results.push(rows);
  }
  return results;
}

test('the approval example runs in psql as docs/branches.md says: suspend, signal (once), a branch chosen by a condition', async (t) => {
  const db = await testDatabase(t);
  const rows = await runPsql(db, PSQL_APPROVAL);
  const byStatement = (fragment: string, nth = 0) =>
    rows[PSQL_APPROVAL.map((s, i) => [s.sql, i] as const).filter(([sql]) => sql.includes(fragment))[nth]![1]]!;
  t.like(byStatement('ff_submit_flow')[0], { status: 'submitted', edges_staged: 3, started: true });
  t.like(byStatement('ff_explain_execution')[0], { public_state: 'suspended', blocking_reason: 'waiting_for_signal' });
  t.is(byStatement('ff_deliver_signal', 0)[0]!.status, 'resumed');
  t.is(byStatement('ff_deliver_signal', 1)[0]!.status, 'duplicate');
  t.deepEqual(byStatement('payload->', 0)[0], { status: 'started', signal: { by: 'ann' } });
  const members = new Map(byStatement('ff_list_members').map((r) => [String(r.execution_id).slice(-36), r.public_state]));
  t.is(members.get(APPROVAL_IDS.PUBLISH), 'waiting');
  t.is(members.get(APPROVAL_IDS.REJECTED), 'skipped');
  t.regex(
    String(byStatement(`ff_explain_execution(:'flow', :'rejected')`)[0]!.reason),
    /condition `\$\.approved == false` was false/,
  );
  t.deepEqual(byStatement('ff_describe_flow')[0], { public_flow_state: 'failed' });
});
