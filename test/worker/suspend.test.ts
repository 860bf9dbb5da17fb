// docs/semantics.md §10.2 end to end: a task suspends through helpers.suspend, its job ends
// cleanly, and a delivered signal runs it again (same execution) with payload.signals.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow, flowRow } from '../helpers/fixtures.js';
import { drain, execution, jobs, member, startFlow } from '../helpers/cascade.js';
import { deliver } from '../helpers/signals.js';

test('helpers.suspend ends the job without completing; a signal runs the same execution again with payload.signals', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'approve' });
  await startFlow(flow);
  const seen: unknown[] = [];
  const tasks = {
    approve: async (payload: unknown, helpers: { suspend: (o: { signals: string[]; timeoutMs?: number }) => Promise<never> }) => {
      const signals = (payload as { signals?: Array<{ name: string; payload: unknown }> } | null)?.signals;
      seen.push(signals ?? null);
      if (!signals) await helpers.suspend({ signals: ['approved'], timeoutMs: 3_600_000 });
      return { approvedBy: (signals![0]!.payload as { by: string }).by };
    },
  };
  await drain(connectionStringOf(db), tasks as never);
  t.like(await execution(db, id), { lifecycle_phase: 'suspended', public_state: 'suspended' });
  t.deepEqual((await jobs(db)).map((j) => j.task_identifier), ['flowstage__waitpoint_timeout']);
  const { rows } = await db.query(`SELECT waitpoint_id FROM flowfabric.ff_waitpoint`);
  t.is((await deliver(db, rows[0].waitpoint_id, 'approved', { payload: { by: 'ann' }, key: 'click-1' })).rows[0].status, 'resumed');
  await drain(connectionStringOf(db), tasks as never);
  t.is(seen.length, 2);
  t.like(await execution(db, id), { terminal_outcome: 'success', result: { approvedBy: 'ann' } });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual(await jobs(db), []);
  // a second delivery with the same idempotency key changes nothing
  t.is((await deliver(db, rows[0].waitpoint_id, 'approved', { key: 'click-1' })).rows[0].status, 'duplicate');
});
