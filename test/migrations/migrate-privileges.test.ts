// migrate() as a real login that is not a superuser: what the installing role needs, and the
// refusal that says what is missing and how to grant it (docs/operations.md#the-installing-role).
import test from 'ava';
import { MigratePermissionError, migrate } from '../../src/migrate.js';
import { emptyDatabase, queryUrl } from '../helpers/fixtures.js';
import { createLogin } from '../helpers/logins.js';

const databaseName = (url: string) => new URL(url).pathname.slice(1);

const serverVersion = Number(
  (await queryUrl(process.env.FLOWSTAGE_TEST_SERVER_URL!, `SHOW server_version_num`))[0].server_version_num,
);

test('a login with CREATE on the database and membership in flowstage_owner installs flowstage, and everything it made belongs to flowstage_owner', async (t) => {
  const login = await createLogin(t, ['flowstage_owner']);
  const url = await emptyDatabase(t);
  await queryUrl(url, `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name}`);
  await migrate(login.urlFor(url));
  const owners = await queryUrl(
    url,
    `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace
    UNION SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace`,
  );
  t.deepEqual(owners, [{ owner: 'flowstage_owner' }]);
  await t.notThrowsAsync(migrate(login.urlFor(url)), 'a second run');
});

test('migrate as a login without CREATE on the database names what is missing and the GRANT that gives it, and installs nothing', async (t) => {
  const login = await createLogin(t, ['flowstage_owner']);
  const url = await emptyDatabase(t);
  const error = await t.throwsAsync(migrate(login.urlFor(url)), { instanceOf: MigratePermissionError });
  t.is(error!.code, '42501');
  t.deepEqual(error!.fix, [
    `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name};`,
    'or run flowstage migrate as a superuser',
  ]);
  t.true(error!.message.includes(`Role ${login.name} cannot install flowstage here`), error!.message);
  t.deepEqual(await queryUrl(url, `SELECT nspname FROM pg_namespace WHERE nspname IN ('flowfabric', 'graphile_worker')`), []);
});

test('migrate as a login without rights on an installed graphile_worker schema says whose it is instead of a bare permission denied', async (t) => {
  const login = await createLogin(t, ['flowstage_owner']);
  const url = await emptyDatabase(t);
  await migrate(url); // as the superuser: both schemas belong to it
  const {
    rows: [{ owner }],
  } = {
    rows: await queryUrl(url, `SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'graphile_worker'`),
  };
  await queryUrl(url, `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name}`);
  const error = await t.throwsAsync(migrate(login.urlFor(url)), { instanceOf: MigratePermissionError });
  t.is(error!.code, '42501');
  t.deepEqual(error!.missing, [`the rights of role ${owner}, which owns schemas flowfabric and graphile_worker`]);
  t.deepEqual(error!.fix, [
    `run flowstage migrate as ${owner} (a superuser owns schemas flowfabric and graphile_worker)`,
    'or run flowstage migrate as a superuser',
  ]);
});

test('migrate as a login that is not a member of flowstage_owner asks for GRANT flowstage_owner and applies no migration', async (t) => {
  const login = await createLogin(t, []);
  const url = await emptyDatabase(t);
  await queryUrl(url, `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name}`);
  const error = await t.throwsAsync(migrate(login.urlFor(url)), { instanceOf: MigratePermissionError });
  t.true(error!.message.includes('must be a member of flowstage_owner'), error!.message);
  t.deepEqual(error!.fix, [`GRANT flowstage_owner TO ${login.name};`, 'or run flowstage migrate as a superuser']);
  // node-pg-migrate made the schema and its bookkeeping table before the migrations, which rolled back.
  t.deepEqual(await queryUrl(url, `SELECT name FROM flowfabric.ff_schema_migrations`), []);
});

// The roles exist already on a test server (the template's migration made them), so this login did
// not create them: what CREATEROLE allows then differs between PostgreSQL versions.
if (serverVersion < 160000) {
  test('before PostgreSQL 16, a CREATEROLE login makes itself a member of flowstage_owner and installs', async (t) => {
    const login = await createLogin(t, [], 'CREATEROLE');
    const url = await emptyDatabase(t);
    await queryUrl(url, `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name}`);
    await migrate(login.urlFor(url));
    t.deepEqual(await queryUrl(url, `SELECT pg_has_role($1, 'flowstage_owner', 'USAGE') AS member`, [login.name]), [
      { member: true },
    ]);
  });
} else {
  test('from PostgreSQL 16, a CREATEROLE login that did not create flowstage_owner is told to ask for GRANT flowstage_owner', async (t) => {
    const login = await createLogin(t, [], 'CREATEROLE');
    const url = await emptyDatabase(t);
    await queryUrl(url, `GRANT CREATE ON DATABASE ${databaseName(url)} TO ${login.name}`);
    const error = await t.throwsAsync(migrate(login.urlFor(url)), { instanceOf: MigratePermissionError });
    t.deepEqual(error!.fix, [`GRANT flowstage_owner TO ${login.name};`, 'or run flowstage migrate as a superuser']);
  });
}
