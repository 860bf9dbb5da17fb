// ff_worker_heartbeat: a flowstage worker registers under its Graphile Worker pool id and keeps
// its lease alive; bad arguments are refused. Reaping a silent worker is in
// ff_reap_dead_workers.test.ts. Time is pinned with p_now_ms.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { heartbeat } from '../helpers/cascade.js';

const T0 = 1_900_000_000_000;

test('the first heartbeat registers the worker, later ones keep it alive until heartbeat + lease', async (t) => {
  const db = await testDatabase(t);
  t.deepEqual(await heartbeat(db, 'pool-a', { leaseMs: 10_000, nowMs: T0, info: { pid: 7 } }), {
    status: 'registered',
    worker_id: 'pool-a',
    expires_at_ms: String(T0 + 10_000),
  });
  t.deepEqual(await heartbeat(db, 'pool-a', { leaseMs: 10_000, nowMs: T0 + 4_000 }), {
    status: 'alive',
    worker_id: 'pool-a',
    expires_at_ms: String(T0 + 14_000),
  });
  const { rows } = await db.query('SELECT * FROM flowfabric.ff_worker_heartbeat WHERE worker_id = $1', ['pool-a']);
  t.like(rows[0], { started_at_ms: String(T0), heartbeat_at_ms: String(T0 + 4_000), lease_ms: '10000', info: { pid: 7 } });
});

test('bad heartbeat arguments are invalid_input naming the parameter, and nothing is written', async (t) => {
  const db = await testDatabase(t);
  const cases: Array<[string | null, number, unknown, string]> = [
    [null, 30_000, undefined, 'p_worker_id'],
    ['', 30_000, undefined, 'p_worker_id'],
    ['x'.repeat(129), 30_000, undefined, 'p_worker_id'],
    ['pool-a', 99, undefined, 'p_lease_ms'],
    ['pool-a', 3_600_001, undefined, 'p_lease_ms'],
    ['pool-a', 30_000, [1], 'p_info'],
  ];
  for (const [workerId, leaseMs, info, parameter] of cases) {
    const error = await t.throwsAsync<Error & { code: string; detail: string }>(
      heartbeat(db, workerId as string, { leaseMs, info }),
    );
    t.like(error, { code: 'FF012', message: 'invalid_input' });
    t.true(error!.detail.startsWith(`${parameter}:`), error!.detail);
  }
  const { rows } = await db.query('SELECT count(*)::int AS n FROM flowfabric.ff_worker_heartbeat');
  t.is(rows[0].n, 0);
});
