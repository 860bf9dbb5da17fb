// Real LOGIN roles for the privilege tests: each test makes its own (unique name, a password, since
// the embedded server authenticates with scram) and drops it after its database is gone.
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import pg from 'pg';

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
