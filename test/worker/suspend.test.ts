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
  t.deepEqual(
    (await jobs(db)).map((j) => j.task_identifier),
    ['flowstage__waitpoint_timeout'],
  );
  const { rows } = await db.query(`SELECT waitpoint_id FROM flowfabric.ff_waitpoint`);
  t.is(
    (await deliver(db, rows[0].waitpoint_id, 'approved', { payload: { by: 'ann' }, key: 'click-1' })).rows[0].status,
    'resumed',
  );
  await drain(connectionStringOf(db), tasks as never);
  t.is(seen.length, 2);
  t.like(await execution(db, id), { terminal_outcome: 'success', result: { approvedBy: 'ann' } });
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual(await jobs(db), []);
  // a second delivery with the same idempotency key changes nothing
  t.is((await deliver(db, rows[0].waitpoint_id, 'approved', { key: 'click-1' })).rows[0].status, 'duplicate');
});

// docs/semantics.md §9.3 fencing: helpers.suspend names its attempt, so an attempt that was failed
// and replaced while it ran cannot suspend the attempt that runs now.
test('helpers.suspend from an attempt replaced meanwhile answers stale_attempt: the current attempt keeps running', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'approve', policy: { max_retries: 1, backoff: { type: 'fixed', delay_ms: 3_600_000 } } });
  await startFlow(flow);
  const statuses: string[] = [];
  const tasks = {
    approve: async (_payload: unknown, helpers: { attempt: number; suspend: (o: { signals: string[] }) => Promise<never> }) => {
      // while attempt 1 runs, it is failed (a retry scheduled) and attempt 2 begins elsewhere
      statuses.push(
        (
          await db.query(
            `SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => 'lost',
        p_attempt => $2)`,
            [id, helpers.attempt],
          )
        ).rows[0].status,
      );
      statuses.push((await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [id])).rows[0].status);
      await helpers.suspend({ signals: ['approved'] }); // attempt 1, stale now
    },
  };
  await drain(connectionStringOf(db), tasks as never);
  t.deepEqual(statuses, ['retry_scheduled', 'started']);
  const exec = await execution(db, id);
  t.like(exec, { lifecycle_phase: 'active', attempt_state: 'running_attempt' });
  t.is((exec.raw_fields as { attempt_count: number }).attempt_count, 2);
  t.is((await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_waitpoint')).rows[0].n, 0);
});
