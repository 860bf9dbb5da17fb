// `flowstage citus distribute` (src/cli/commands/citus.ts, db/citus/distribute.sql) on plain
// PostgreSQL: without the citus extension it refuses clearly and changes nothing. (On a Citus
// cluster it was tried by hand: docs/scale-out.md.)
import test from 'ava';
import { flowstage } from './bin.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';

test('citus distribute without the citus extension exits 1, says so with a hint, and changes nothing', async (t) => {
  const db = await testDatabase(t);
  const before = await db.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'flowstage_owner'");
  const run = await flowstage(['citus', 'distribute'], { DATABASE_URL: connectionStringOf(db) });
  t.is(run.code, 1, run.stderr);
  t.is(run.stdout, '');
  t.regex(run.stderr, /^error: flowstage citus distribute: the citus extension is not installed in database \S+\n/);
  t.regex(run.stderr, /\nhint: .*CREATE EXTENSION citus.*docs\/scale-out\.md/);
  const after = await db.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'flowstage_owner'");
  t.deepEqual(after.rows, before.rows);
});

test('citus with an action other than distribute is a usage error (exit 2)', async (t) => {
  const run = await flowstage(['citus', 'spread'], { DATABASE_URL: 'postgres://127.0.0.1:1/none' });
  t.is(run.code, 2);
  t.regex(run.stderr, /unknown action spread/);
});
