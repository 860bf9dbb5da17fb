// docs/semantics.md §10.2: the NOLOGIN role flowstage_signaler may call ff_deliver_signal only, and
// must present the waitpoint's token; tested with real LOGIN roles.
import test, { type ExecutionContext } from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createLogin, poolAs } from '../helpers/logins.js';
import { execution } from '../helpers/cascade.js';
import { activeMember, deliver, suspend } from '../helpers/signals.js';

const INSUFFICIENT_PRIVILEGE = '42501';

async function setup(t: ExecutionContext, roles: string[]) {
  const login = await createLogin(t, roles);
  const db = await testDatabase(t);
  const { flow, id } = await activeMember(db);
  const waitpoint = await suspend(db, id);
  return { db, as: poolAs(t, login, connectionStringOf(db)), flow, id, waitpoint };
}

test('flowstage_signaler exists and cannot log in', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'flowstage_signaler'`);
  t.deepEqual(rows, [{ rolcanlogin: false, rolsuper: false }]);
});

test('flowstage_signaler may execute ff_deliver_signal and no other function of flowfabric', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT p.proname AS name FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND has_function_privilege('flowstage_signaler', p.oid, 'EXECUTE') ORDER BY 1`);
  t.deepEqual(
    rows.map((r) => r.name),
    ['ff_deliver_signal'],
  );
});

test('a signaler login with the token resumes the execution', async (t) => {
  const { as, db, id, waitpoint } = await setup(t, ['flowstage_signaler']);
  const { rows } = await deliver(as, waitpoint.waitpoint_id, 'approved', { token: waitpoint.token, payload: { ok: true } });
  t.is(rows[0].status, 'resumed');
  t.is((await execution(db, id)).eligibility_state, 'eligible_now');
  const actor = await db.query('SELECT actor FROM flowfabric.ff_signal WHERE waitpoint_id = $1', [waitpoint.waitpoint_id]);
  t.is(actor.rows[0].actor, (await as.query('SELECT session_user AS u')).rows[0].u);
});

test('a signaler login without the token, or with a wrong one, is invalid_input; the DETAIL never echoes it', async (t) => {
  const { as, waitpoint } = await setup(t, ['flowstage_signaler']);
  const missing = (await t.throwsAsync(deliver(as, waitpoint.waitpoint_id, 'approved'))) as unknown as {
    code: string;
    detail: string;
  };
  t.is(missing.code, 'FF012');
  t.regex(missing.detail, /^p_token: missing/);
  const wrong = 'a'.repeat(64);
  const refused = (await t.throwsAsync(deliver(as, waitpoint.waitpoint_id, 'approved', { token: wrong }))) as unknown as {
    code: string;
    detail: string;
    hint: string;
  };
  t.is(refused.code, 'FF012');
  t.false(`${refused.detail} ${refused.hint}`.includes(wrong));
});

test('a signaler login cannot call any other function nor read the tables', async (t) => {
  const { as, flow } = await setup(t, ['flowstage_signaler']);
  for (const sql of [
    `SELECT * FROM flowfabric.ff_describe_flow(p_flow_id => '${flow.flowId}')`,
    `SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => '${flow.flowId}')`,
    `SELECT * FROM flowfabric.ff_waitpoint`,
    `SELECT * FROM flowfabric.ff_signal`,
  ]) {
    const error = (await t.throwsAsync(as.query(sql), undefined, sql)) as { code?: string };
    t.is(error?.code, INSUFFICIENT_PRIVILEGE, sql);
  }
});

test('a flowstage_writer login may deliver without the token', async (t) => {
  const { as, waitpoint } = await setup(t, ['flowstage_writer']);
  t.is((await deliver(as, waitpoint.waitpoint_id, 'approved')).rows[0].status, 'resumed');
});

test('a login with neither role may not deliver', async (t) => {
  const { as, waitpoint } = await setup(t, []);
  const error = (await t.throwsAsync(deliver(as, waitpoint.waitpoint_id, 'approved', { token: waitpoint.token }))) as {
    code?: string;
  };
  t.is(error?.code, INSUFFICIENT_PRIVILEGE);
});
