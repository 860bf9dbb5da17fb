// The installed catalogue: every function documented and search_path-pinned (docs/semantics.md §3, docs/conventions.md 3-4),
// ff_error holding exactly the codes of docs/semantics.md §3, and the result columns' domains
// (db/schema/190_result_types.sql): what they declare, and that a function cannot return a value
// its declared type does not allow.
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { SQLSTATE } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const PINNED = 'search_path=flowfabric, pg_catalog, pg_temp';

async function functions(t: ExecutionContext) {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.oid::regprocedure::text AS signature, p.proname AS name, p.proconfig AS config,
           obj_description(p.oid, 'pg_proc') AS comment, p.prokind AS kind
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace ORDER BY 1`);
  return rows as Array<{ signature: string; name: string; config: string[] | null; comment: string | null; kind: string }>;
}

test('the schema holds the public staging functions of docs/semantics.md §2-4', async (t) => {
  const names = new Set((await functions(t)).map((f) => f.name));
  for (const name of [
    'ff_flow_partition',
    'ff_create_flow',
    'ff_create_execution',
    'ff_add_execution_to_flow',
    'ff_stage_dependency_edge',
    'ff_apply_dependency_to_child',
    'ff_complete_execution',
  ]) {
    t.true(names.has(name), name);
  }
});

test('db/functions holds one file per installed function, named after it and defining it alone', async (t) => {
  const installed = [...new Set((await functions(t)).map((f) => f.name))].sort();
  const directory = new URL('../../db/functions/', import.meta.url);
  const files = (await readdir(directory, { recursive: true })).filter((f) => f.endsWith('.sql'));
  const name = (file: string) => basename(file, '.sql');
  t.deepEqual(files.map(name).sort(), installed);
  for (const file of files) {
    const defined = [
      ...(await readFile(new URL(file, directory), 'utf8')).matchAll(/^CREATE OR REPLACE FUNCTION flowfabric\.(\w+)\(/gm),
    ].map((m) => m[1]);
    t.deepEqual(defined, [name(file)], file);
  }
});

test('every function in schema flowfabric, public and private, has a COMMENT ON FUNCTION', async (t) => {
  const missing = (await functions(t)).filter((f) => !f.comment?.trim()).map((f) => f.signature);
  t.deepEqual(missing, []);
});

test(`every function in schema flowfabric pins ${PINNED}`, async (t) => {
  const unpinned = (await functions(t))
    .filter((f) => !(f.config ?? []).includes(PINNED))
    .map((f) => `${f.signature}: ${JSON.stringify(f.config)}`);
  t.deepEqual(unpinned, []);
});

test('every function in schema flowfabric is named ff_* (public) or _* (private)', async (t) => {
  const odd = (await functions(t)).filter((f) => !/^(ff_|_)/.test(f.name)).map((f) => f.signature);
  t.deepEqual(odd, []);
});

test('every mutating (VOLATILE) public function takes p_now_ms bigint DEFAULT NULL: one clock rule, pinnable', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname LIKE 'ff\\_%' AND p.provolatile = 'v'
      AND pg_get_function_arguments(p.oid) !~ '(^|, )p_now_ms bigint DEFAULT NULL::bigint(,|$)'
    ORDER BY 1`);
  t.deepEqual(
    rows.map((r) => r.signature),
    [],
  );
});

const spec: Array<[string, string]> = Object.entries(SQLSTATE);

test('ff_error holds exactly the 16 codes of docs/semantics.md §3 and §9.4 with their SQLSTATEs', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT code, sqlstate FROM flowfabric.ff_error ORDER BY sqlstate`);
  t.is(rows.length, 16);
  t.deepEqual(
    rows.map((r) => [r.code, r.sqlstate]),
    [...spec].sort((a, b) => a[1].localeCompare(b[1])),
  );
});

test('only stale_graph_revision is retryable', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT code FROM flowfabric.ff_error WHERE retryable ORDER BY code`);
  t.deepEqual(
    rows.map((r) => r.code),
    ['stale_graph_revision'],
  );
});

test('every catalogued error has a description and a default hint', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT code FROM flowfabric.ff_error
    WHERE coalesce(btrim(description), '') = '' OR coalesce(btrim(hint), '') = ''`);
  t.deepEqual(rows, []);
});

for (const [code, sqlstate] of spec) {
  test(`_raise('${code}') raises SQLSTATE ${sqlstate}, MESSAGE ${code}, the DETAIL given and the catalogue's hint`, async (t) => {
    const db = await testDatabase(t);
    const { rows } = await db.query(`SELECT hint FROM flowfabric.ff_error WHERE code = $1`, [code]);
    const error = (await t.throwsAsync(db.query(`SELECT flowfabric._raise($1, 'p_x: detail')`, [code]))) as unknown as {
      code: string;
      message: string;
      detail: string;
      hint: string;
    };
    t.is(error.code, sqlstate);
    t.is(error.message, code);
    t.is(error.detail, 'p_x: detail');
    t.is(error.hint, rows[0].hint);
  });
}

test('_raise with an explicit hint uses it instead of the default', async (t) => {
  const db = await testDatabase(t);
  const error = (await t.throwsAsync(
    db.query(`SELECT flowfabric._raise('invalid_input', 'p_x: bad', 'do this')`),
  )) as unknown as { hint: string };
  t.is(error.hint, 'do this');
});

// ---------------------------------------------------------------------------------------------
// Result types: the domains of db/schema/190_result_types.sql

async function columnsOfResults(t: ExecutionContext) {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.proname AS function, a.name AS column, a.mode, t.typname AS type, t.typtype,
           t.typnotnull OR coalesce(b.typnotnull, false) AS not_null
    FROM pg_proc p
    CROSS JOIN LATERAL unnest(coalesce(p.proargnames, '{}'), coalesce(p.proargmodes::text[], '{}'),
                              coalesce(p.proallargtypes, p.proargtypes::oid[])) AS a(name, mode, type)
    JOIN pg_type t ON t.oid = a.type
    LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND left(p.proname, 1) <> '_'
    ORDER BY 1, 2`);
  return rows as Array<{ function: string; column: string; mode: string; type: string; typtype: string; not_null: boolean }>;
}

test("no public function takes a domain parameter: a bad argument is the function's invalid_input, never a raw 23514", async (t) => {
  const domainInputs = (await columnsOfResults(t)).filter((c) => c.mode === 'i' && c.typtype === 'd');
  t.deepEqual(domainInputs, []);
});

test('every status result column is a NOT NULL domain of its own value set', async (t) => {
  const statuses = (await columnsOfResults(t)).filter((c) => c.mode === 't' && c.column === 'status');
  t.true(statuses.length >= 19);
  for (const status of statuses) {
    t.true(status.typtype === 'd' && status.not_null, `${status.function}.status is ${status.type}`);
  }
});

test('every flowfabric domain is NOT NULL unless its name ends in _or_null', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT typname AS name, typnotnull AS not_null FROM pg_type
    WHERE typnamespace = 'flowfabric'::regnamespace AND typtype = 'd' ORDER BY 1`);
  t.true(rows.length >= 30);
  t.deepEqual(
    rows.filter((d) => d.not_null === d.name.endsWith('_or_null')).map((d) => d.name),
    [],
  );
});

test('the value sets of the state domains are those the tables allow', async (t) => {
  const db = await testDatabase(t);
  // A value the table takes but the domain refuses would make a read fail; the reverse is a dead value.
  const values = async (sql: string) => (await db.query(sql)).rows.map((r) => r.v).sort();
  const domainValues = (domain: string) =>
    values(`
    SELECT unnest(regexp_matches(pg_get_constraintdef(k.oid), '''([a-z_]+)''::text', 'g')) AS v
    FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid
    WHERE t.typnamespace = 'flowfabric'::regnamespace AND t.typname = '${domain}'`);
  const columnValues = (table: string, column: string) =>
    values(`
    SELECT unnest(regexp_matches(pg_get_constraintdef(k.oid), '''([a-z_]+)''::text', 'g')) AS v
    FROM pg_constraint k
    WHERE k.conrelid = 'flowfabric.${table}'::regclass AND k.contype = 'c'
      AND pg_get_constraintdef(k.oid) LIKE '%${column}%'`);
  t.deepEqual(await domainValues('ff_public_flow_state_or_null'), await columnValues('ff_flow_core', 'public_flow_state'));
  t.deepEqual(await domainValues('ff_lifecycle_phase'), await columnValues('ff_exec_core', 'lifecycle_phase'));
  t.deepEqual(await domainValues('ff_terminal_outcome'), await columnValues('ff_exec_core', 'terminal_outcome'));
  t.deepEqual(await domainValues('ff_outcome_or_null'), await columnValues('ff_completion_outbox', 'outcome'));
  t.deepEqual(await domainValues('ff_group_decision_or_null'), await columnValues('ff_edge_group', 'decision'));
});

test('a declared NOT NULL result cannot come back NULL: a row edited by hand to lack one makes the read fail (23502)', async (t) => {
  const db = await testDatabase(t);
  const flowId = '11111111-1111-1111-1111-111111111111';
  await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [flowId]);
  await db.query(`UPDATE flowfabric.ff_flow_core SET raw_fields = raw_fields - 'flow_kind' WHERE flow_id = $1`, [flowId]);
  const error = (await t.throwsAsync(db.query(`SELECT * FROM flowfabric.ff_describe_flow($1)`, [flowId]))) as unknown as {
    code: string;
  };
  t.is(error.code, '23502');
  const list = (await t.throwsAsync(db.query(`SELECT * FROM flowfabric.ff_list_flows()`))) as unknown as { code: string };
  t.is(list.code, '23502');
});

test('a declared value set cannot be left: a state edited by hand to another value makes the read fail (23514)', async (t) => {
  const db = await testDatabase(t);
  const flowId = '11111111-1111-1111-1111-111111111111';
  await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [flowId]);
  const {
    rows: [created],
  } = await db.query(`SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)`, [flowId]);
  await db.query(`SELECT * FROM flowfabric.ff_add_execution_to_flow($1, $2)`, [flowId, created.execution_id]);
  await db.query(`UPDATE flowfabric.ff_exec_core SET public_state = 'complted' WHERE flow_id = $1`, [flowId]);
  const error = (await t.throwsAsync(db.query(`SELECT * FROM flowfabric.ff_list_members($1)`, [flowId]))) as unknown as {
    code: string;
  };
  t.is(error.code, '23514');
});

test('results compare with text as text does (SQL callers keep their text variables)', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT c.status = 'created'::text AS created, c.status IN ('created', 'x') AS listed, c.status || '!' AS appended,
           pg_typeof(c.status)::text AS type
    FROM flowfabric.ff_create_flow(p_flow_id => '11111111-1111-1111-1111-111111111111') c`);
  t.deepEqual(rows, [{ created: true, listed: true, appended: 'created!', type: 'flowfabric.ff_create_flow_status' }]);
});

test("a RETURN NEXT that leaves a NOT NULL column unassigned is caught by the suite's result check (test/helpers/result-types.ts)", async (t) => {
  const db = await testDatabase(t);
  // PostgreSQL itself lets this through (RETURN NEXT does not check the OUT columns' domains):
  // the check every test database runs is what catches such a path.
  await db.query(`
    CREATE OR REPLACE FUNCTION flowfabric.ff_worker_heartbeat(
      p_worker_id text, p_lease_ms bigint DEFAULT 30000, p_info jsonb DEFAULT NULL, p_now_ms bigint DEFAULT NULL)
    RETURNS TABLE (status flowfabric.ff_worker_heartbeat_status, worker_id flowfabric.ff_name, expires_at_ms flowfabric.ff_time_ms)
    LANGUAGE plpgsql AS $$
    BEGIN
      status := 'alive';
      expires_at_ms := 1;
      RETURN NEXT;  -- worker_id never assigned
    END;
    $$`);
  const { rows } = await db.query(`SELECT worker_id FROM flowfabric.ff_worker_heartbeat('w')`);
  t.deepEqual(rows, [{ worker_id: null }]);
  await t.throwsAsync(db.query(`SELECT * FROM flowfabric.ff_worker_heartbeat('w')`), {
    message: /flowfabric\.ff_worker_heartbeat returned NULL in worker_id, whose type is NOT NULL/,
  });
});
