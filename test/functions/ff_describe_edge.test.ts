import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, applyEdge, call, completeAndResolve, stageEdge } from '../helpers/read.js';
import { assertRefused, createFlow, NOW } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const describe = 'SELECT * FROM flowfabric.ff_describe_edge(p_flow_id => $1, p_edge_id => $2)';

test('describes a staged edge with canonical endpoints and every policy field', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const b = await addMember(db, flowId);
  const edgeId = await stageEdge(db, flowId, a, b, { dataPassingRef: 'input' });
  const [row] = await call(db, describe, [flowId, edgeId]);
  t.like(row, {
    flow_id: flowId,
    edge_id: edgeId,
    upstream_execution_id: a,
    downstream_execution_id: b,
    dependency_kind: 'success_only',
    satisfaction_condition: 'all_required',
    data_passing_ref: 'input',
    edge_state: 'pending',
    policy_version: 1,
    created_by: 'engine',
    staged_graph_revision: '3',
    staged_at_ms: String(NOW),
    applied_at_ms: null,
    resolved_at_ms: null,
    upstream_outcome: null,
  });
});

test('shows the resolution of a resolved edge', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const b = await addMember(db, flowId);
  const edgeId = await stageEdge(db, flowId, a, b);
  await applyEdge(db, flowId, edgeId);
  await completeAndResolve(db, flowId, a, 'failed', [edgeId]);
  const [row] = await call(db, describe, [flowId, edgeId]);
  t.like(row, { edge_state: 'impossible', upstream_outcome: 'failed', applied_at_ms: String(NOW), resolved_at_ms: String(NOW) });
});

test('refuses an edge not staged in the flow with edge_not_found', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(describe, [flowId, randomUUID()]), 'edge_not_found');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(describe, [randomUUID(), randomUUID()]), 'flow_not_found');
});

test('refuses a NULL edge id with invalid_input naming p_edge_id', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(describe, [flowId, null]), 'invalid_input', 'p_edge_id');
});
