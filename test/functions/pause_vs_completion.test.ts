// ff_pause_flow / ff_resume_flow against completions on the same flow (issue 23): a pause or a
// resume holds the flow's ff_flow_start_lock row until it commits, and a completion that releases
// children waits for that row while it holds executions. Pause and resume therefore lock the
// members they hold before the start-lock row, and never wait for an execution once they hold it.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { drain, edge, jobs, member, startFlow } from '../helpers/cascade.js';
import { clients, createFlow, flowRow } from '../helpers/fixtures.js';

const LAYERS = 25;
const WIDTH = 8;
const COMPLETERS = 6;
const PAUSERS = 2;

test('pause, resume and completions at once on one flow (8 connections): no deadlock, every member completed once, a consistent end state', async (t) => {
  t.timeout(150_000);
  const db = await testDatabase(t, { max: COMPLETERS + PAUSERS + 1 });
  const flow = await createFlow(db);
  const ids: string[] = [];
  for (let i = 0; i < LAYERS * WIDTH; i++) ids.push(await member(flow, { task: 'work' }));
  // Each member below the first layer waits for two members of the layer above: same position, next position.
  for (let i = WIDTH; i < ids.length; i++) {
    const above = i - WIDTH - (i % WIDTH);
    await edge(flow, ids[above + (i % WIDTH)]!, ids[i]!);
    await edge(flow, ids[above + ((i + 1) % WIDTH)]!, ids[i]!);
  }
  await startFlow(flow);

  const connections = await clients(db, COMPLETERS + PAUSERS);
  t.teardown(() => connections.forEach((c) => c.release()));
  const errors: string[] = [];
  const completedBy = new Map<string, number>();
  let pauses = 0;
  let resumes = 0;
  let done = false;

  const completer = async (c: (typeof connections)[number], seed: number) => {
    while (!done) {
      // Any eligible member, held by the pause or not: ff_complete_execution accepts both.
      const { rows } = await c.query(
        `SELECT flowfabric._canonical_execution_id(partition_key, execution_id) AS id FROM flowfabric.ff_exec_core
         WHERE flow_id = $1 AND lifecycle_phase = 'runnable' AND eligibility_state = 'eligible_now'
         ORDER BY execution_id OFFSET $2 LIMIT 1`,
        [flow.flowId, seed % 3],
      );
      if (rows.length === 0) {
        const { rows: open } = await c.query(
          `SELECT count(*)::int AS n FROM flowfabric.ff_exec_core WHERE flow_id = $1 AND lifecycle_phase <> 'terminal'`,
          [flow.flowId],
        );
        if (open[0].n === 0) done = true;
        continue;
      }
      try {
        const { rows: r } = await c.query(
          `SELECT status FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`,
          [rows[0].id],
        );
        if (r[0].status === 'completed') completedBy.set(rows[0].id, (completedBy.get(rows[0].id) ?? 0) + 1);
      } catch (error) {
        errors.push(`complete: ${(error as { code?: string }).code} ${(error as Error).message}`);
      }
    }
  };
  const pauser = async (c: (typeof connections)[number]) => {
    while (!done) {
      try {
        if (
          (await c.query('SELECT status FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId])).rows[0].status ===
          'paused'
        )
          pauses++;
        if (
          (await c.query('SELECT status FROM flowfabric.ff_resume_flow(p_flow_id => $1)', [flow.flowId])).rows[0].status ===
          'resumed'
        )
          resumes++;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FF002') continue; // the last completion finished the flow: pausing it is refused
        errors.push(`pause/resume: ${code} ${(error as Error).message}`);
      }
    }
  };
  await Promise.all([
    ...connections.slice(0, COMPLETERS).map((c, i) => completer(c, i)),
    ...connections.slice(COMPLETERS).map((c) => pauser(c)),
  ]);

  t.log(`${completedBy.size} completions, ${pauses} pauses, ${resumes} resumes`);
  t.deepEqual(errors, [], 'no call failed (no 40P01 deadlock)');
  t.true(pauses >= 10 && resumes >= 10, `pauses and resumes ran throughout (${pauses}, ${resumes})`);
  t.is(completedBy.size, ids.length);
  // A last completion that found the flow row locked (by a pause) left the flow's finish to a
  // job, and the members completed directly left their run jobs: a worker settles both.
  await drain(connectionStringOf(db), { work: () => {} });
  t.deepEqual(
    [...completedBy].filter(([, n]) => n > 1),
    [],
    'no member completed twice',
  );
  t.is((await flowRow(db, flow.flowId)).public_flow_state, 'completed');
  t.deepEqual((await db.query('SELECT * FROM flowfabric.ff_check_invariants($1)', [flow.flowId])).rows, []);
  t.deepEqual(
    (await jobs(db)).filter((j) => j.key?.startsWith('flowstage:run:')),
    [],
    'no run job left behind',
  );
});

test('after pauses and resumes racing completions, a paused flow holds every eligible member and queues no run job; a resumed one queues each once', async (t) => {
  t.timeout(150_000);
  const db = await testDatabase(t, { max: COMPLETERS + PAUSERS + 1 });
  const flow = await createFlow(db);
  const ids: string[] = [];
  for (let i = 0; i < 12 * WIDTH; i++) ids.push(await member(flow, { task: 'work' }));
  for (let i = WIDTH; i < ids.length; i++) await edge(flow, ids[i - WIDTH]!, ids[i]!);
  await startFlow(flow);

  const connections = await clients(db, COMPLETERS + PAUSERS);
  t.teardown(() => connections.forEach((c) => c.release()));
  const errors: string[] = [];
  let pauses = 0;
  let completions = 0;
  // Completers stop at half the members, so eligible members remain to check.
  const completer = async (c: (typeof connections)[number]) => {
    while (completions < ids.length / 2) {
      const { rows } = await c.query(
        `SELECT flowfabric._canonical_execution_id(partition_key, execution_id) AS id FROM flowfabric.ff_exec_core
         WHERE flow_id = $1 AND lifecycle_phase = 'runnable' AND eligibility_state = 'eligible_now'
         ORDER BY random() LIMIT 1`,
        [flow.flowId],
      );
      if (rows.length === 0) break;
      try {
        await c.query(`SELECT status FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [
          rows[0].id,
        ]);
        completions++;
      } catch (error) {
        errors.push(`complete: ${(error as { code?: string }).code} ${(error as Error).message}`);
      }
    }
  };
  const pauser = async (c: (typeof connections)[number]) => {
    while (completions < ids.length / 2) {
      try {
        await c.query('SELECT status FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId]);
        await c.query('SELECT status FROM flowfabric.ff_resume_flow(p_flow_id => $1)', [flow.flowId]);
        pauses += 2;
      } catch (error) {
        errors.push(`pause/resume: ${(error as { code?: string }).code} ${(error as Error).message}`);
      }
    }
  };
  await Promise.all([
    ...connections.slice(0, COMPLETERS).map((c) => completer(c)),
    ...connections.slice(COMPLETERS).map((c) => pauser(c)),
  ]);
  t.log(`${completions} completions, ${pauses} pauses and resumes`);
  t.deepEqual(errors, [], 'no call failed (no 40P01 deadlock)');

  const state = async () => {
    const { rows } = await db.query(
      `SELECT 'flowstage:run:' || execution_id AS key, blocking_reason FROM flowfabric.ff_exec_core
       WHERE flow_id = $1 AND lifecycle_phase = 'runnable' AND eligibility_state = 'eligible_now' ORDER BY 1`,
      [flow.flowId],
    );
    // Members completed directly keep their run jobs (a worker's ff_begin_attempt drops them): only
    // the eligible members' jobs are looked at.
    const eligible = rows as { key: string; blocking_reason: string }[];
    const queued = (await jobs(db)).map((j) => j.key).filter((key) => eligible.some((e) => e.key === key));
    return { eligible, queued: queued.sort() };
  };
  const paused = (await flowRow(db, flow.flowId)).raw_fields.paused_at_ms != null;
  if (!paused) await db.query('SELECT * FROM flowfabric.ff_pause_flow(p_flow_id => $1)', [flow.flowId]);
  const whilePaused = await state();
  t.true(whilePaused.eligible.length > 0);
  t.true(
    whilePaused.eligible.every((e) => e.blocking_reason === 'flow_paused'),
    'every eligible member is held',
  );
  t.deepEqual(whilePaused.queued, []);
  await db.query('SELECT * FROM flowfabric.ff_resume_flow(p_flow_id => $1)', [flow.flowId]);
  const resumed = await state();
  t.true(resumed.eligible.every((e) => e.blocking_reason === 'waiting_for_worker'));
  t.deepEqual(resumed.queued, resumed.eligible.map((e) => e.key).sort());
  t.deepEqual((await db.query('SELECT * FROM flowfabric.ff_check_invariants($1)', [flow.flowId])).rows, []);
});
