import test from 'ava';
import { addMember, call, dependOn, setPolicy } from '../helpers/read.js';
import { assertRefused, createFlow, NOW } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const describe = 'SELECT * FROM flowfabric.ff_describe_flow(p_flow_id => $1)';

test('returns every flow field with the raw_fields extras as their own columns', async (t) => {
  const db = await testDatabase(t);
  const flowId = (await createFlow(db, { namespace: 'billing', nowMs: NOW })).flowId;
  await addMember(db, flowId);
  const [row] = await call(db, describe, [flowId]);
  t.like(row, {
    flow_id: flowId,
    graph_revision: '1',
    public_flow_state: 'open',
    created_at_ms: String(NOW),
    terminal_at_ms: null,
    flow_kind: 'dag',
    namespace: 'billing',
    node_count: '1',
    edge_count: '0',
    last_mutation_at_ms: String(NOW),
    started_at_ms: null,
    cancelled_at_ms: null,
    cancel_reason: null,
    cancellation_policy: null,
  });
  t.deepEqual(row.edge_groups, []);
});

test('returns the edge groups as jsonb with policy, counters and decision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [a, b, c] = [await addMember(db, flowId), await addMember(db, flowId), await addMember(db, flowId)];
  await setPolicy(db, flowId, c, 'quorum', 'let_run', 1);
  await dependOn(db, flowId, a, c);
  await dependOn(db, flowId, b, c);
  const [row] = await call<{ edge_groups: unknown }>(db, describe, [flowId]);
  t.deepEqual(row.edge_groups, [
    {
      downstream_execution_id: c,
      policy: { kind: 'quorum', k: 1, on_satisfied: 'let_run' },
      k_target: 1,
      success_count: 0,
      fail_count: 0,
      skip_count: 0,
      running_count: 2,
      decision: 'pending',
      decided_at_ms: null,
      cancel_siblings_pending_flag: false,
      cancel_siblings_pending_members: [],
    },
  ]);
});

test('shows the cancel fields of a cancelled flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await db.query("SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'operator', p_now_ms => $2)", [
    flowId,
    NOW + 5,
  ]);
  const [row] = await call(db, describe, [flowId]);
  t.like(row, {
    public_flow_state: 'cancelled',
    terminal_at_ms: String(NOW + 5),
    cancelled_at_ms: String(NOW + 5),
    cancel_reason: 'operator',
    cancellation_policy: 'cancel_all',
  });
});

test('refuses a flow that does not exist with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(describe, ['00000000-0000-4000-8000-000000000000']), 'flow_not_found');
});

test('refuses a NULL flow id with invalid_input naming p_flow_id', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(describe, [null]), 'invalid_input', 'p_flow_id');
});
