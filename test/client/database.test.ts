// src/database.ts: the embedded PostgreSQL started when DATABASE_URL is not set. It runs from any
// checkout (as root too: then as the postgres OS user), and a failed start says why in
// PostgreSQL's own words and leaves nothing behind. TMPDIR is a directory of this test file's
// own, so what a start leaves there can be seen.
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import pg from 'pg';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/database.js';

const tmp = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'flowstage-database-test-'));
await chmod(tmp, 0o755); // reachable by the postgres OS user when the tests run as root
process.env.TMPDIR = tmp;
test.after.always(() => rm(tmp, { recursive: true, force: true }));

/** What starts leave in TMPDIR (the cached copy of the binaries, made for root, is not theirs). */
const leftovers = async () => (await readdir(tmp)).filter((name) => name.startsWith('flowstage-pg-'));

test.serial('an embedded server serves SQL, and stop() removes its data directory', async (t) => {
  const server = await startEmbeddedPostgres();
  t.is((await leftovers()).length, 1);
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  const { rows } = await client.query("SELECT current_setting('server_encoding') AS encoding, current_setting('fsync') AS fsync");
  await client.end();
  await server.stop();
  t.deepEqual(rows, [{ encoding: 'UTF8', fsync: 'off' }]);
  t.deepEqual(await leftovers(), []);
});

test.serial(
  "a failed start throws PostgreSQL's own FATAL line and the DATABASE_URL alternative, and leaves nothing behind",
  async (t) => {
    const error = await t.throwsAsync(startEmbeddedPostgres({ settings: { max_connections: 'many' } }), {
      instanceOf: EmbeddedPostgresError,
    });
    t.regex(error!.message, /FATAL: .*"max_connections"/);
    t.regex(error!.message, /DATABASE_URL/);
    t.deepEqual(await leftovers(), []);
  },
);
