// docs/semantics.md §8: the three roles, SECURITY DEFINER functions owned by flowstage_owner, and what a real
// login granted flowstage_writer, flowstage_reader or neither may do (db/privileges/).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import type pg from 'pg';
import { flowToHtml } from '../../src/client/html.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createLogin, poolAs, type Login } from '../helpers/logins.js';

const INSUFFICIENT_PRIVILEGE = '42501';

/** A migrated database and a login granted `roles`, connected to it. */
async function databaseWithLogin(t: ExecutionContext, roles: string[]): Promise<{ db: pg.Pool; as: pg.Pool; login: Login }> {
  const login = await createLogin(t, roles);
  const db = await testDatabase(t);
  return { db, as: poolAs(t, login, connectionStringOf(db)), login };
}

/** A flow a -> b built through the functions; returns its ids. */
async function submitFlow(db: pg.Pool | pg.PoolClient) {
  const flowId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)`, [
    flowId,
    {
      executions: [{ execution_id: a }, { execution_id: b }],
      edges: [{ edge_id: randomUUID(), upstream_execution_id: a, downstream_execution_id: b }],
    },
  ]);
  return { flowId, a, b };
}

async function refused(t: ExecutionContext, promise: Promise<unknown>, what: string) {
  const error = (await t.throwsAsync(promise, undefined, what)) as { code?: string } | undefined;
  t.is(error?.code, INSUFFICIENT_PRIVILEGE, what);
}

// ---- the installed catalogue ----------------------------------------------------------------

test('the three roles exist and cannot log in', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT rolname, rolcanlogin, rolsuper, rolbypassrls FROM pg_roles
    WHERE rolname IN ('flowstage_owner', 'flowstage_reader', 'flowstage_writer') ORDER BY 1`);
  t.deepEqual(
    rows,
    ['flowstage_owner', 'flowstage_reader', 'flowstage_writer'].map((rolname) => ({
      rolname,
      rolcanlogin: false,
      rolsuper: false,
      rolbypassrls: false,
    })),
  );
});

test('every table, sequence and function of schema flowfabric is owned by flowstage_owner', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT c.oid::regclass::text AS object FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relowner <> 'flowstage_owner'::regrole
    UNION ALL
    SELECT p.oid::regprocedure::text FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proowner <> 'flowstage_owner'::regrole`);
  t.deepEqual(rows, []);
});

test('every public function runs SECURITY DEFINER; PUBLIC may execute no function of flowfabric', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.oid::regprocedure::text AS signature, p.prosecdef AS definer,
           has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace
      AND ((p.proname LIKE 'ff\\_%' AND NOT p.prosecdef) OR has_function_privilege('public', p.oid, 'EXECUTE'))`);
  t.deepEqual(rows, []);
});

test('every public function is classified: reader functions (STABLE, IMMUTABLE) for both roles, mutating ones (VOLATILE) for flowstage_writer only', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.proname AS name, p.provolatile AS volatility,
           has_function_privilege('flowstage_reader', p.oid, 'EXECUTE') AS reader,
           has_function_privilege('flowstage_writer', p.oid, 'EXECUTE') AS writer
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname LIKE 'ff\\_%' ORDER BY 1`);
  // Granted to neither role (db/privileges/030_function_access.sql, v_neither): retention, which
  // deletes flows and their log, is the DBA's to run or to grant.
  const neither = ['ff_prune_flows'];
  const misclassified = rows.filter((f) =>
    neither.includes(f.name) ? f.reader || f.writer : f.writer !== true || f.reader !== (f.volatility !== 'v'),
  );
  t.deepEqual(misclassified, []);
  t.true(rows.length >= 29);
});

test('every private helper is executable by flowstage_owner alone', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.oid::regprocedure::text AS signature, p.proacl::text AS acl FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname NOT LIKE 'ff\\_%'
      AND EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                  WHERE a.grantee <> 'flowstage_owner'::regrole)`);
  t.deepEqual(rows, []);
});

test('the privilege step refuses an unclassified public function (FFM02 naming it), so none is installed granted to nobody by accident', async (t) => {
  const db = await testDatabase(t);
  await db.query(`CREATE FUNCTION flowfabric.ff_unclassified_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
  const step = await readFile(new URL('../../db/privileges/030_function_access.sql', import.meta.url), 'utf8');
  const error = (await t.throwsAsync(db.query(step))) as unknown as { code: string; detail: string };
  t.is(error.code, 'FFM02');
  t.true(error.detail.startsWith('Not classified: ff_unclassified_probe.'), error.detail);
});

test('flowstage_owner may use exactly the Graphile Worker functions and tables the definer functions call', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT c.relname AS object, array_to_string(ARRAY(
             SELECT DISTINCT a.privilege_type FROM aclexplode(c.relacl) a
             WHERE a.grantee = 'flowstage_owner'::regrole ORDER BY 1), ',') AS privileges
    FROM pg_class c WHERE c.relnamespace = 'graphile_worker'::regnamespace AND c.relkind IN ('r', 'v', 'S')
      AND c.relacl IS NOT NULL AND 'flowstage_owner'::regrole IN (SELECT grantee FROM aclexplode(c.relacl))
    ORDER BY 1`);
  t.deepEqual(rows, [
    { object: '_private_job_queues', privileges: 'INSERT,SELECT,UPDATE' },
    { object: '_private_jobs', privileges: 'DELETE,INSERT,SELECT,UPDATE' },
    { object: '_private_tasks', privileges: 'INSERT,SELECT' },
    { object: 'job_queues_id_seq', privileges: 'USAGE' },
    { object: 'jobs', privileges: 'SELECT' },
    { object: 'jobs_id_seq1', privileges: 'USAGE' },
    { object: 'tasks_id_seq', privileges: 'USAGE' },
  ]);
});

// ---- a login granted flowstage_writer -------------------------------------------------------

test('a flowstage_writer login builds, starts and completes a flow through the functions', async (t) => {
  const { db, as } = await databaseWithLogin(t, ['flowstage_writer']);
  const flowId = randomUUID();
  await as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)`, [flowId]);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { rows } = await as.query(`SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid)`, [flowId]);
    await as.query(`SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1::uuid, p_execution_id => $2::text)`, [
      flowId,
      rows[0].execution_id,
    ]);
    ids.push(rows[0].execution_id);
  }
  const {
    rows: [flow],
  } = await as.query(`SELECT graph_revision FROM flowfabric.ff_describe_flow($1::uuid)`, [flowId]);
  const edgeId = randomUUID();
  await as.query(
    `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1::uuid, p_edge_id => $2::uuid,
    p_upstream_execution_id => $3::text, p_downstream_execution_id => $4::text, p_expected_graph_revision => $5::bigint)`,
    [flowId, edgeId, ids[0], ids[1], flow.graph_revision],
  );
  await as.query(`SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1::uuid, p_edge_id => $2::uuid)`, [
    flowId,
    edgeId,
  ]);
  await as.query(`SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid)`, [flowId]);
  for (const id of ids) {
    await as.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1::text, p_outcome => 'success')`, [id]);
  }
  const submitted = await submitFlow(as);
  const { rows } = await db.query(
    `SELECT flow_id::text, public_flow_state FROM flowfabric.ff_flow_core ORDER BY public_flow_state`,
  );
  t.deepEqual(rows, [
    { flow_id: flowId, public_flow_state: 'completed' },
    { flow_id: submitted.flowId, public_flow_state: 'open' },
  ]);
});

test('a flowstage_writer login cannot INSERT, UPDATE, DELETE or TRUNCATE any table of flowfabric', async (t) => {
  const { db, as } = await databaseWithLogin(t, ['flowstage_writer']);
  await submitFlow(db);
  // UPDATE sets a plain column (an identity or generated one is refused before privileges are checked).
  const { rows: tables } = await db.query(`SELECT c.oid::regclass::text AS name,
      (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum LIMIT 1) AS first_column
    FROM pg_class c WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind = 'r' ORDER BY 1`);
  t.true(tables.length >= 10);
  for (const { name, first_column: column } of tables) {
    await refused(t, as.query(`INSERT INTO ${name} DEFAULT VALUES`), `INSERT INTO ${name}`);
    await refused(t, as.query(`UPDATE ${name} SET ${column} = ${column}`), `UPDATE ${name}`);
    await refused(t, as.query(`DELETE FROM ${name}`), `DELETE FROM ${name}`);
    await refused(t, as.query(`TRUNCATE ${name}`), `TRUNCATE ${name}`);
  }
});

test("a flowstage_writer login cannot disable the mutation log's append-only triggers", async (t) => {
  const { as } = await databaseWithLogin(t, ['flowstage_writer']);
  await refused(t, as.query(`ALTER TABLE flowfabric.ff_flow_event DISABLE TRIGGER ff_flow_event_append_only`), 'DISABLE TRIGGER');
  await refused(t, as.query(`ALTER TABLE flowfabric.ff_flow_event DISABLE TRIGGER ALL`), 'DISABLE TRIGGER ALL');
  await refused(t, as.query(`DROP TRIGGER ff_flow_event_append_only ON flowfabric.ff_flow_event`), 'DROP TRIGGER');
});

test('a flowstage_writer login cannot call a private helper', async (t) => {
  const { as } = await databaseWithLogin(t, ['flowstage_writer']);
  await refused(t, as.query(`SELECT flowfabric._now_ms(NULL)`), '_now_ms');
  await refused(t, as.query(`SELECT flowfabric._raise('invalid_input', 'x')`), '_raise');
  await refused(t, as.query(`SELECT flowfabric._notify_namespace('default')`), '_notify_namespace');
});

test('the mutation log records the calling login as actor, not flowstage_owner', async (t) => {
  const { db, as, login } = await databaseWithLogin(t, ['flowstage_writer']);
  const { flowId } = await submitFlow(as);
  const { rows } = await db.query(`SELECT DISTINCT actor FROM flowfabric.ff_flow_event WHERE flow_id = $1::uuid`, [flowId]);
  t.deepEqual(rows, [{ actor: login.name }]);
});

// ---- a login granted flowstage_reader, and one granted neither ------------------------------

test('a flowstage_reader login reads and exports a flow', async (t) => {
  const { db, as } = await databaseWithLogin(t, ['flowstage_reader']);
  const { flowId } = await submitFlow(db);
  t.is((await as.query(`SELECT node_count FROM flowfabric.ff_describe_flow($1::uuid)`, [flowId])).rows[0].node_count, '2');
  t.is((await as.query(`SELECT * FROM flowfabric.ff_list_members($1::uuid)`, [flowId])).rows.length, 2);
  t.is((await as.query(`SELECT * FROM flowfabric.ff_list_edges($1::uuid)`, [flowId])).rows.length, 1);
  t.is((await as.query(`SELECT * FROM flowfabric.ff_list_flows()`)).rows.length, 1);
  t.regex((await as.query(`SELECT flowfabric.ff_flow_to_dot($1::uuid) AS dot`, [flowId])).rows[0].dot, /^digraph/);
  t.regex((await as.query(`SELECT flowfabric.ff_flow_to_mermaid($1::uuid) AS m`, [flowId])).rows[0].m, /^flowchart/);
});

test("a flowstage_reader login's HTML export labels nodes from their payloads, read through ff_list_members", async (t) => {
  const { db, as } = await databaseWithLogin(t, ['flowstage_reader']);
  const flowId = randomUUID();
  await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)`, [
    flowId,
    {
      executions: [{ execution_id: randomUUID(), payload: { label: 'fetch_orders' } }],
    },
  ]);
  t.true((await flowToHtml(as, flowId)).includes('"label":"fetch_orders"'));
});

test('a flowstage_reader login cannot change anything, through the functions or the tables', async (t) => {
  const { db, as } = await databaseWithLogin(t, ['flowstage_reader']);
  const { flowId, a } = await submitFlow(db);
  await refused(t, as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)`, [randomUUID()]), 'ff_create_flow');
  await refused(t, as.query(`SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid)`, [flowId]), 'ff_start_flow');
  await refused(
    t,
    as.query(`SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1::uuid, p_reason => 'test')`, [flowId]),
    'ff_cancel_flow',
  );
  await refused(
    t,
    as.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1::text, p_outcome => 'success')`, [a]),
    'ff_complete_execution',
  );
  await refused(t, as.query(`DELETE FROM flowfabric.ff_flow_core`), 'DELETE FROM ff_flow_core');
  t.is(
    (await db.query(`SELECT count(*)::int AS n FROM flowfabric.ff_flow_event WHERE flow_id = $1::uuid`, [flowId])).rows[0].n,
    2,
  );
});

test('a login granted neither role can call no function of flowfabric', async (t) => {
  const { db, as, login } = await databaseWithLogin(t, []);
  const { flowId } = await submitFlow(db);
  await refused(t, as.query(`SELECT flowfabric.ff_flow_partition($1::uuid)`, [flowId]), 'ff_flow_partition');
  await refused(t, as.query(`SELECT * FROM flowfabric.ff_describe_flow($1::uuid)`, [flowId]), 'ff_describe_flow');
  await refused(t, as.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1::uuid)`, [randomUUID()]), 'ff_create_flow');
  const { rows } = await db.query(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND has_function_privilege($1, p.oid, 'EXECUTE')`,
    [login.name],
  );
  t.deepEqual(rows, []);
});
