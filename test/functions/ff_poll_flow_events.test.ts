// ff_poll_flow_events: the mutation log after a cursor, every flow, in event_id order (the dashboard's one poll).
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { assertRefused, createFlow } from '../helpers/fixtures.js';
import { call } from '../helpers/read.js';

const poll = 'SELECT * FROM flowfabric.ff_poll_flow_events(p_after => $1, p_limit => $2)';
type Row = { event_id: string; flow_id: string; operation: string };

test('without a cursor it returns the newest entry alone: where a poller starts', async (t) => {
  const db = await testDatabase(t);
  t.deepEqual(await call(db, 'SELECT * FROM flowfabric.ff_poll_flow_events()'), []);
  await createFlow(db);
  const { flowId } = await createFlow(db);
  const rows = await call<Row>(db, 'SELECT * FROM flowfabric.ff_poll_flow_events()');
  t.is(rows.length, 1);
  t.like(rows[0], { flow_id: flowId, operation: 'create_flow' });
});

test('returns the entries of every flow after the cursor, in event_id order, a page at a time', async (t) => {
  const db = await testDatabase(t);
  const [start] = await call<Row>(db, 'SELECT * FROM flowfabric.ff_poll_flow_events()');
  const cursor = start ? Number(start.event_id) : 0;
  const flows = [];
  for (let i = 0; i < 5; i++) flows.push((await createFlow(db)).flowId);
  const first = await call<Row>(db, poll, [cursor, 3]);
  const rest = await call<Row>(db, poll, [first[2].event_id, 3]);
  t.deepEqual(
    [...first, ...rest].map((r) => r.flow_id),
    flows,
  );
  const ids = [...first, ...rest].map((r) => Number(r.event_id));
  t.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
  );
  t.deepEqual(await call(db, poll, [ids[4], 10]), []);
});

test('the poll is one index range scan, not a read of the whole log', async (t) => {
  const db = await testDatabase(t);
  await db.query('SET enable_seqscan = off');
  const plan = (
    await db.query(`EXPLAIN SELECT event_id FROM flowfabric.ff_flow_event WHERE event_id > 10 ORDER BY event_id LIMIT 1000`)
  ).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');
  t.regex(plan, /(Index|Index Only|Bitmap Index) Scan (using|on) ff_flow_event_event_id/);
});

test('refuses a negative cursor or a limit outside 1..10000', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, call(db, poll, [-1, 10]), 'invalid_input', 'p_after');
  await assertRefused(t, call(db, poll, [0, 0]), 'invalid_input', 'p_limit');
  await assertRefused(t, call(db, poll, [0, 10001]), 'invalid_input', 'p_limit');
  await assertRefused(t, call(db, poll, [0, null]), 'invalid_input', 'p_limit');
});
