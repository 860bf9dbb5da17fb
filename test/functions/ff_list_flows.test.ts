import test from 'ava';
import { call } from '../helpers/read.js';
import { NOW, assertRefused, createFlow } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const list = 'SELECT * FROM flowfabric.ff_list_flows(p_namespace => $1, p_after => $2, p_limit => $3, p_state => $4)';

async function walk(
  db: Awaited<ReturnType<typeof testDatabase>>,
  namespace: string | null,
  limit: number,
  state: string | null = null,
) {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const rows: { flow_id: string }[] = await call<{ flow_id: string }>(db, list, [namespace, after, limit, state]);
    if (rows.length === 0) return seen;
    seen.push(...rows.map((r) => r.flow_id));
    after = rows[rows.length - 1].flow_id;
  }
}

test('pages through every flow in flow_id order with no gaps or repeats', async (t) => {
  const db = await testDatabase(t);
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push((await createFlow(db, { nowMs: NOW })).flowId);
  const seen = await walk(db, null, 7);
  t.deepEqual(seen, [...ids].sort());
});

test('filters by namespace', async (t) => {
  const db = await testDatabase(t);
  const billing = [
    (await createFlow(db, { namespace: 'billing', nowMs: NOW })).flowId,
    (await createFlow(db, { namespace: 'billing', nowMs: NOW })).flowId,
  ];
  await createFlow(db, { namespace: 'search', nowMs: NOW });
  t.deepEqual(await walk(db, 'billing', 1), billing.sort());
});

test('filters by state', async (t) => {
  const db = await testDatabase(t);
  const { flowId: open } = await createFlow(db, { nowMs: NOW });
  const { flowId: cancelled } = await createFlow(db, { nowMs: NOW });
  await db.query("SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'x')", [cancelled]);
  t.deepEqual(await walk(db, null, 10, 'cancelled'), [cancelled]);
  t.deepEqual(await walk(db, null, 10, 'open'), [open]);
});

test('returns the flow fields of each row', async (t) => {
  const db = await testDatabase(t);
  const flowId = (await createFlow(db, { namespace: 'billing', nowMs: NOW })).flowId;
  const [row] = await call(db, list, [null, null, 100, null]);
  t.like(row, {
    flow_id: flowId,
    namespace: 'billing',
    flow_kind: 'dag',
    public_flow_state: 'open',
    graph_revision: '0',
    node_count: '0',
    edge_count: '0',
  });
});

for (const limit of [0, 1001, null]) {
  test(`refuses p_limit ${limit} with invalid_input naming p_limit`, async (t) => {
    const db = await testDatabase(t);
    await assertRefused(t, db.query(list, [null, null, limit, null]), 'invalid_input', 'p_limit');
  });
}

test('refuses an unknown state with invalid_input naming p_state', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(list, [null, null, 10, 'closed']), 'invalid_input', 'p_state');
});
