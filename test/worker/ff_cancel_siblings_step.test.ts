// ff_cancel_siblings_step: one step of a group's sibling cancellation (the cancel_remaining
// job); its answers for a member without a group and its refusals. The cancellation itself,
// through the worker, is in cascade.test.ts.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { edge, member, policy } from '../helpers/cascade.js';
import { complete, createFlow, events } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

test('ff_cancel_siblings_step answers done for a member of the flow without a group', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [flow.flowId, a]);
  t.like(rows[0], { status: 'done', remaining: 0 });
});

test('ff_cancel_siblings_step refuses an unknown execution with execution_not_found', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const error = await t.throwsAsync<Error & { code: string }>(
    flow.db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [flow.flowId, randomUUID()]),
  );
  t.like(error, { code: 'FF003', message: 'execution_not_found' });
});

test('ff_cancel_siblings_step refuses an execution that is not a member of the flow with execution_not_in_flow', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const { rows } = await flow.db.query('SELECT execution_id FROM flowfabric.ff_create_execution(p_flow_id => $1::uuid)', [
    flow.flowId,
  ]);
  const error = await t.throwsAsync<Error & { code: string }>(
    flow.db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [flow.flowId, rows[0].execution_id]),
  );
  t.like(error, { code: 'FF007', message: 'execution_not_in_flow' });
});

test('a cancelled sibling is logged by the one cancel_sibling row, not by a complete_execution row of its own', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const [a, b, child] = [await member(flow), await member(flow), await member(flow)];
  await policy(flow, child, 'any_of', { onSatisfied: 'cancel_remaining' });
  await edge(flow, a, child);
  await edge(flow, b, child);
  await complete(flow.db, a, 'success');
  const before = (await events(flow.db, flow.flowId)).length;
  const { rows } = await flow.db.query('SELECT * FROM flowfabric.ff_cancel_siblings_step($1::uuid, $2::text)', [
    flow.flowId,
    child,
  ]);
  t.like(rows[0], { status: 'cancelled', execution_id: b });
  t.deepEqual(
    (await events(flow.db, flow.flowId)).slice(before).map((e) => [e.operation, e.arguments]),
    [['cancel_sibling', { downstream_execution_id: child, execution_id: b, status: 'cancelled' }]],
  );
});
