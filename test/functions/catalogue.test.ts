// The installed catalogue: every function documented and search_path-pinned (SPEC 3, STYLE 3-4),
// and ff_error holding exactly the 14 codes of SPEC section 3.
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

test('the schema holds the public staging functions of SPEC 2-4', async (t) => {
  const names = new Set((await functions(t)).map((f) => f.name));
  for (const name of ['ff_flow_partition', 'ff_create_flow', 'ff_create_execution', 'ff_add_execution_to_flow',
    'ff_stage_dependency_edge', 'ff_apply_dependency_to_child', 'ff_complete_execution']) {
    t.true(names.has(name), name);
  }
});

test('every function in schema flowfabric, public and private, has a COMMENT ON FUNCTION', async (t) => {
  const missing = (await functions(t)).filter((f) => !f.comment?.trim()).map((f) => f.signature);
  t.deepEqual(missing, []);
});

test(`every function in schema flowfabric pins ${PINNED}`, async (t) => {
  const unpinned = (await functions(t)).filter((f) => !(f.config ?? []).includes(PINNED)).map((f) => `${f.signature}: ${JSON.stringify(f.config)}`);
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
  t.deepEqual(rows.map((r) => r.signature), []);
});

const spec: Array<[string, string]> = Object.entries(SQLSTATE);

test('ff_error holds exactly the 14 codes of SPEC section 3 with their SQLSTATEs', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT code, sqlstate FROM flowfabric.ff_error ORDER BY sqlstate`);
  t.is(rows.length, 14);
  t.deepEqual(rows.map((r) => [r.code, r.sqlstate]), [...spec].sort((a, b) => a[1].localeCompare(b[1])));
});

test('only stale_graph_revision is retryable', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT code FROM flowfabric.ff_error WHERE retryable ORDER BY code`);
  t.deepEqual(rows.map((r) => r.code), ['stale_graph_revision']);
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
    const error = await t.throwsAsync(db.query(`SELECT flowfabric._raise($1, 'p_x: detail')`, [code])) as unknown as { code: string; message: string; detail: string; hint: string };
    t.is(error.code, sqlstate);
    t.is(error.message, code);
    t.is(error.detail, 'p_x: detail');
    t.is(error.hint, rows[0].hint);
  });
}

test('_raise with an explicit hint uses it instead of the default', async (t) => {
  const db = await testDatabase(t);
  const error = await t.throwsAsync(db.query(`SELECT flowfabric._raise('invalid_input', 'p_x: bad', 'do this')`)) as unknown as { hint: string };
  t.is(error.hint, 'do this');
});
