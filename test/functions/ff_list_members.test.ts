import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, call } from '../helpers/read.js';
import { assertRefused, createFlow, NOW, uuidOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const list = 'SELECT * FROM flowfabric.ff_list_members(p_flow_id => $1, p_after => $2, p_limit => $3)';

test('pages through the members in execution order, passing the canonical id back as p_after', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const members: string[] = [];
  for (let i = 0; i < 12; i++) members.push(await addMember(db, flowId));
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const rows: { execution_id: string }[] = await call<{ execution_id: string }>(db, list, [flowId, after, 5]);
    if (rows.length === 0) break;
    seen.push(...rows.map((r) => r.execution_id));
    after = rows[rows.length - 1].execution_id;
  }
  t.deepEqual(
    seen,
    [...members].sort((x, y) => (uuidOf(x) < uuidOf(y) ? -1 : 1)),
  );
});

test('accepts a bare uuid as p_after', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const members = [await addMember(db, flowId), await addMember(db, flowId)].sort((x, y) => (uuidOf(x) < uuidOf(y) ? -1 : 1));
  const rows = await call<{ execution_id: string }>(db, list, [flowId, uuidOf(members[0]), 10]);
  t.deepEqual(
    rows.map((r) => r.execution_id),
    [members[1]],
  );
});

test('lists only members, with their state', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const member = await addMember(db, flowId, { taskIdentifier: 'fetch' });
  await db.query('SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)', [flowId]); // created, not added
  const rows = await call(db, list, [flowId, null, 100]);
  t.is(rows.length, 1);
  t.like(rows[0], {
    execution_id: member,
    lifecycle_phase: 'runnable',
    public_state: 'waiting',
    eligibility_state: 'eligible_now',
    terminal_outcome: 'none',
    task_identifier: 'fetch',
    created_at_ms: String(NOW),
  });
});

test('shows what each member did: attempts begun, payload as it is now, result once completed', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ execution_id: ran }] = await call<{ execution_id: string }>(
    db,
    `SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1, p_payload => '{"label": "fetch"}')`,
    [flowId],
  );
  await db.query('SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)', [flowId, ran]);
  const idle = await addMember(db, flowId);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [ran]);
  await db.query(
    `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success', p_result => '{"rows": 3}')`,
    [ran],
  );
  const rows = await call<{ execution_id: string }>(db, list, [flowId, null, 100]);
  t.like(
    rows.find((r) => r.execution_id === ran),
    { attempt_count: 1, payload: { label: 'fetch' }, result: { rows: 3 } },
  );
  t.like(
    rows.find((r) => r.execution_id === idle),
    { attempt_count: 0, payload: null, result: null },
  );
});

test('refuses a p_after on another partition with invalid_input naming p_after', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ partition_key }] = await call<{ partition_key: number }>(
    db,
    'SELECT flowfabric.ff_flow_partition($1) AS partition_key',
    [flowId],
  );
  const other = `{fp:${(partition_key + 1) % 256}}:${randomUUID()}`;
  await assertRefused(t, db.query(list, [flowId, other, 10]), 'invalid_input', 'p_after');
});

test('refuses a malformed p_after with invalid_input naming p_after', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(list, [flowId, 'not-an-id', 10]), 'invalid_input', 'p_after');
});

test('refuses p_limit outside 1..1000 with invalid_input naming p_limit', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(list, [flowId, null, 1001]), 'invalid_input', 'p_limit');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(list, [randomUUID(), null, 10]), 'flow_not_found');
});
