// Real LOGIN roles for the privilege tests: each test makes its own (unique name, a password, since
// the embedded server authenticates with scram) and drops it after its database is gone.
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import pg from 'pg';
import { connectionStringOf, testDatabase } from './database.js';

const serverUrl = () => {
  const url = process.env.FLOWSTAGE_TEST_SERVER_URL;
  if (!url) throw new Error('Run the tests with `npm test`.');
  return url;
};

let admin: pg.Pool | undefined;
function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: serverUrl(), max: 2 });
  return admin;
}

export interface Login {
  name: string;
  password: string;
  /** `connectionString` with this login's name and password. */
  urlFor(connectionString: string): string;
}

/**
 * A new LOGIN role granted `roles` (e.g. flowstage_writer), dropped when the test ends. Call it
 * before creating the test's database: teardowns run last-registered first, so the role is dropped
 * after the database that may hold grants to it.
 */
export async function createLogin(t: ExecutionContext, roles: string[] = [], attributes = ''): Promise<Login> {
  const name = `ff_login_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await adminPool().query(`CREATE ROLE ${name} LOGIN ${attributes} PASSWORD '${password}'`);
  t.teardown(async () => {
    await adminPool().query(`DROP ROLE ${name}`);
  });
  for (const role of roles) await adminPool().query(`GRANT ${role} TO ${name}`);
  return {
    name,
    password,
    urlFor(connectionString: string) {
      const url = new URL(connectionString);
      url.username = name;
      url.password = password;
      return url.toString();
    },
  };
}

/** A pool connected as `login` to `connectionString`'s database, ended before the database is dropped. */
export function poolAs(t: ExecutionContext, login: Login, connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: login.urlFor(connectionString), max: 2 });
  pool.on('error', () => {}); // a connection terminated by the database's DROP ... WITH (FORCE)
  t.teardown(() => pool.end());
  return pool;
}

/** The secret of the live worker `liveWorkerAnd` registers. */
export const LIVE_WORKER_SECRET = 'the-live-workers-own-secret-0123456789';

/**
 * A database where worker `pool-live` heartbeats (30 s lease, LIVE_WORKER_SECRET) and holds a running
 * job (key `running`), and a pool connected as a new login granted `roles`: the scene of the
 * trust-model attacks on a live worker.
 */
export async function liveWorkerAnd(t: ExecutionContext, roles: string[]) {
  const login = await createLogin(t, roles);
  const db = await testDatabase(t);
  await db.query(
    `SELECT * FROM flowfabric.ff_worker_heartbeat(p_worker_id => 'pool-live', p_secret => $1, p_lease_ms => 30000)`,
    [LIVE_WORKER_SECRET],
  );
  await db.query(`SELECT graphile_worker.add_job('work', '{}'::json, job_key => 'running')`);
  await db.query(
    `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-live', locked_at = now(), attempts = 1 WHERE key = 'running'`,
  );
  return { db, as: poolAs(t, login, connectionStringOf(db)) };
}
