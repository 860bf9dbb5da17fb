// Property test of docs/semantics.md §9.4: on random DAGs run to the end with random failures,
// replaying a random member (alone or with p_downstream) resets exactly that member and its
// terminal descendants, ff_check_invariants() finds nothing after each call, and once everything
// reruns successfully the flow finishes by the §6 rule.
//   FLOWSTAGE_REPLAY_RUNS=100 npm test -- test/model/replay.test.ts     more DAGs
import test from 'ava';
import fc from 'fast-check';
import type pg from 'pg';
import { cloneTemplate } from '../helpers/database.js';

const RUNS = Number(process.env.FLOWSTAGE_REPLAY_RUNS ?? 12);
const uuids = [0, 1, 2, 3, 4, 5, 6].map((i) => `${String(i).padStart(8, '0')}-0000-4000-8000-0000000000aa`);

async function violations(db: pg.Pool, flowId: string) {
  return (await db.query('SELECT invariant, detail FROM flowfabric.ff_check_invariants(p_flow_id => $1)', [flowId])).rows;
}

/** Runs the flow as a worker would, one call per step, until nothing is runnable and no hop is due. */
async function drive(db: pg.Pool, flowId: string, failing: Set<string>) {
  for (let guard = 0; guard < 500; guard++) {
    const { rows: hops } = await db.query(
      `SELECT substring(key FROM '[0-9a-f-]{36}$') AS id FROM graphile_worker.jobs WHERE key LIKE 'flowstage:cascade:%' ORDER BY 1`,
    );
    for (const hop of hops) {
      for (;;) {
        const {
          rows: [step],
        } = await db.query('SELECT status FROM flowfabric.ff_cascade_step(p_execution_id => $1)', [hop.id]);
        if (step.status !== 'check_again') break;
      }
      await db.query(`SELECT graphile_worker.remove_job('flowstage:cascade:' || $1)`, [hop.id]);
    }
    const {
      rows: [next],
    } = await db.query(
      `SELECT execution_id::text AS id FROM flowfabric.ff_exec_core
       WHERE flow_id = $1 AND lifecycle_phase = 'runnable' AND eligibility_state = 'eligible_now' ORDER BY execution_id LIMIT 1`,
      [flowId],
    );
    if (!next) {
      if (hops.length === 0) return;
      continue;
    }
    await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [next.id]);
    if (failing.has(next.id)) {
      await db.query(`SELECT * FROM flowfabric.ff_fail_execution(p_execution_id => $1, p_failure_reason => 'boom')`, [next.id]);
    } else {
      await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [next.id]);
    }
  }
  throw new Error('drive: the flow did not settle in 500 steps');
}

const dagArb = fc.integer({ min: 3, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    parents: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.subarray(
          Array.from({ length: i }, (_, j) => j),
          { maxLength: Math.min(3, i) },
        ),
      ),
    ),
    failing: fc.subarray(
      Array.from({ length: n }, (_, i) => i),
      { maxLength: 2 },
    ),
    target: fc.integer({ min: 0, max: n - 1 }),
    downstream: fc.boolean(),
  }),
);

test('replay on random finished DAGs: exactly the target and its terminal descendants reset, invariants hold, the flow refinishes', async (t) => {
  t.timeout(600_000);
  await fc.assert(
    fc.asyncProperty(dagArb, async ({ n, parents, failing, target, downstream }) => {
      const { pool: db, drop } = await cloneTemplate();
      try {
        const flowId = '5e1f0000-0000-4000-8000-0000000000ff';
        const ids = uuids.slice(0, n);
        const edges = parents.flatMap((ups, down) =>
          ups.map((up) => ({
            edge_id: `e${up}${down}00000-0000-4000-8000-0000000000ee`,
            upstream_execution_id: ids[up],
            downstream_execution_id: ids[down],
          })),
        );
        await db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2, p_start => true)', [
          flowId,
          {
            executions: ids.map((e) => ({ execution_id: e, task_identifier: 't' })),
            edges,
          },
        ]);
        await drive(db, flowId, new Set(failing.map((i) => ids[i]!)));
        t.deepEqual(await violations(db, flowId), [], 'after the first run');
        const {
          rows: [flow],
        } = await db.query('SELECT public_flow_state FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
        if (flow.public_flow_state === 'open') return; // (cannot happen: every member ends)
        // Expected: the target, and with p_downstream its terminal descendants (all are terminal now).
        const expected = new Set([target]);
        if (downstream) {
          for (let i = 0; i < n; i++) if (parents[i]!.some((p) => expected.has(p))) expected.add(i);
        }
        const { rows } = await db.query(
          'SELECT execution_id FROM flowfabric.ff_replay_execution(p_execution_id => $1, p_downstream => $2)',
          [ids[target], downstream],
        );
        t.deepEqual(rows.map((r) => r.execution_id.slice(-36)).sort(), [...expected].map((i) => ids[i]).sort());
        t.deepEqual(await violations(db, flowId), [], 'after the replay');
        await drive(db, flowId, new Set());
        t.deepEqual(await violations(db, flowId), [], 'after the rerun');
        const { rows: members } = await db.query('SELECT terminal_outcome FROM flowfabric.ff_exec_core WHERE flow_id = $1', [
          flowId,
        ]);
        const {
          rows: [after],
        } = await db.query('SELECT public_flow_state FROM flowfabric.ff_flow_core WHERE flow_id = $1', [flowId]);
        t.true(members.every((m) => m.terminal_outcome !== 'none'));
        t.is(
          after.public_flow_state,
          members.every((m) => ['success', 'skipped'].includes(m.terminal_outcome)) ? 'completed' : 'failed',
        );
      } finally {
        await drop();
      }
    }),
    { numRuns: RUNS },
  );
});
