// ff_list_flow_events: one flow's mutation log (its timeline), a page at a time.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { FlowPlan } from '../../src/index.js';
import { testDatabase } from '../helpers/database.js';
import { assertRefused, createFlow, createMember } from '../helpers/fixtures.js';
import { call } from '../helpers/read.js';

const list = 'SELECT * FROM flowfabric.ff_list_flow_events(p_flow_id => $1, p_after => $2, p_limit => $3)';
type Row = { event_id: string; operation: string; graph_revision: string; actor: string; arguments: Record<string, unknown> };

test("lists the flow's own entries in order, with revision, arguments and the login that called", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const other = await createFlow(db);
  const member = await createMember(db, flowId);
  await createMember(db, other.flowId);
  const rows = await call<Row>(db, list, [flowId, null, 100]);
  t.deepEqual(
    rows.map((r) => [r.operation, r.graph_revision]),
    [
      ['create_flow', '0'],
      ['add_execution_to_flow', '1'],
    ],
  );
  t.is(rows[1].arguments.execution_id, member);
  const {
    rows: [{ user }],
  } = await db.query('SELECT session_user::text AS user');
  t.is(rows[0].actor, user);
});

test('pages with p_after: the last event_id of a page', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  for (let i = 0; i < 4; i++) await createMember(db, flowId);
  const first = await call<Row>(db, list, [flowId, null, 2]);
  const second = await call<Row>(db, list, [flowId, first[1].event_id, 2]);
  const third = await call<Row>(db, list, [flowId, second[1].event_id, 2]);
  t.deepEqual([first.length, second.length, third.length], [2, 2, 1]);
  t.deepEqual(await call(db, list, [flowId, third[0].event_id, 2]), []);
});

test('p_newest: the newest entries, in event_id order', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  for (let i = 0; i < 4; i++) await createMember(db, flowId);
  const all = await call<Row>(db, list, [flowId, null, 100]);
  const newest = await call<Row>(
    db,
    'SELECT * FROM flowfabric.ff_list_flow_events(p_flow_id => $1, p_limit => 2, p_newest => true)',
    [flowId],
  );
  t.deepEqual(
    newest.map((r) => r.event_id),
    all.slice(-2).map((r) => r.event_id),
  );
});

test('an entry whose arguments are over 8 kB comes back summarised', async (t) => {
  const db = await testDatabase(t);
  // The log keeps a plan's member ids (not payloads): 1000 of them are tens of kB even compressed.
  const steps: Record<string, { task: string }> = {};
  for (let i = 0; i < 1000; i++) steps[`s${i}`] = { task: 'x' };
  const plan = new FlowPlan(randomUUID(), steps);
  await plan.submit(db);
  const row = (await call<Row>(db, list, [plan.flowId, null, 10])).find((r) => r.operation === 'submit_flow')!;
  t.is(row.arguments.omitted, true);
  t.true(Number(row.arguments.stored_bytes) > 8192);
});

test('refuses a NULL flow, a negative cursor, a limit outside 1..1000, and an unknown flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await assertRefused(t, call(db, list, [null, null, 10]), 'invalid_input', 'p_flow_id');
  await assertRefused(t, call(db, list, [flowId, -1, 10]), 'invalid_input', 'p_after');
  await assertRefused(t, call(db, list, [flowId, null, 0]), 'invalid_input', 'p_limit');
  await assertRefused(t, call(db, list, [flowId, null, 1001]), 'invalid_input', 'p_limit');
  const newest = 'SELECT * FROM flowfabric.ff_list_flow_events(p_flow_id => $1, p_after => $2, p_newest => $3)';
  await assertRefused(t, call(db, newest, [flowId, 1, true]), 'invalid_input', 'p_newest');
  await assertRefused(t, call(db, newest, [flowId, null, null]), 'invalid_input', 'p_newest');
  await assertRefused(t, call(db, list, [randomUUID(), null, 10]), 'flow_not_found');
});
