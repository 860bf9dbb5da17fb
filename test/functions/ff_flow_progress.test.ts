// ff_flow_progress: for a page of flows, each one's state and its members per public state.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { assertRefused, createFlow, createMember } from '../helpers/fixtures.js';
import { FIXED, buildFixedDag, call } from '../helpers/read.js';

const progress = 'SELECT * FROM flowfabric.ff_flow_progress(p_flow_ids => $1)';

test("counts each flow's members per public state; unknown ids are left out", async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const { flowId } = await createFlow(db, { namespace: 'empty' });
  const rows = await call<Record<string, unknown>>(db, progress, [[FIXED.flowId, randomUUID(), flowId, FIXED.flowId]]);
  t.deepEqual(
    rows.map((r) => r.flow_id),
    [FIXED.flowId, flowId].sort(),
  );
  const fixed = rows.find((r) => r.flow_id === FIXED.flowId)!;
  t.like(fixed, { namespace: 'demo', public_flow_state: 'open', node_count: '4', started_at_ms: null, notify: false });
  t.deepEqual(fixed.member_states, { completed: 1, failed: 1, skipped: 1, waiting_children: 1 });
  t.deepEqual(rows.find((r) => r.flow_id === flowId)!.member_states, {});
});

test("says whether the flow's namespace notifies", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { namespace: 'loud' });
  await createMember(db, flowId);
  await db.query(`SELECT * FROM flowfabric.ff_set_namespace_notify('loud', true)`);
  const [row] = await call<{ notify: boolean }>(db, progress, [[flowId]]);
  t.true(row.notify);
});

test('refuses NULL, an array holding NULL, and more than 1000 ids', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, call(db, progress, [null]), 'invalid_input', 'p_flow_ids');
  await assertRefused(t, call(db, progress, [[randomUUID(), null]]), 'invalid_input', 'p_flow_ids');
  const many = Array.from({ length: 1001 }, () => randomUUID());
  await assertRefused(t, call(db, progress, [many]), 'invalid_input', 'p_flow_ids');
  t.deepEqual(await call(db, progress, [[]]), []);
});
