// docs/semantics.md §9.5: ff_change_priority re-prioritises an execution and its queued job in place.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { execution, jobs, member, startFlow } from '../helpers/cascade.js';
import { createFlow, assertRefusedWritesNothing, assertReplayWritesNothing } from '../helpers/fixtures.js';

const CHANGE = 'SELECT * FROM flowfabric.ff_change_priority(p_execution_id => $1, p_priority => $2)';

test('a queued execution: changed, and its one job re-prioritised in place (Graphile Worker runs lower numbers first)', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', priority: 1 });
  await startFlow(flow);
  const before = await jobs(flow.db);
  const { rows } = await flow.db.query(CHANGE, [id, 50]);
  t.deepEqual(rows, [{ status: 'changed', execution_id: id, priority: 50 }]);
  t.is(((await execution(flow.db, id)) as unknown as { priority: number }).priority, 50);
  const after = await jobs(flow.db);
  t.is(after.length, before.length);
  t.deepEqual(
    after.map((j) => j.priority),
    [-50],
  );
});

test('an execution not yet enqueued keeps no job; its job takes the new priority when enqueued', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  await flow.db.query(CHANGE, [id, 7]);
  t.deepEqual(await jobs(flow.db), []);
  await startFlow(flow);
  t.deepEqual(
    (await jobs(flow.db)).map((j) => j.priority),
    [-7],
  );
});

test('the same priority again is unchanged and writes nothing', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work', priority: 3 });
  const { rows } = await assertReplayWritesNothing(t, flow.db, () => flow.db.query(CHANGE, [id, 3]));
  t.is(rows[0].status, 'unchanged');
});

test('a terminal execution is invalid_input execution_terminal', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  await flow.db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [id]);
  const error = await assertRefusedWritesNothing(t, flow.db, () => flow.db.query(CHANGE, [id, 9]), 'invalid_input');
  t.regex(error.detail!, /execution_terminal/);
});

test("a priority outside Graphile Worker's range is invalid_input naming p_priority", async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const id = await member(flow, { task: 'work' });
  const error = await assertRefusedWritesNothing(t, flow.db, () => flow.db.query(CHANGE, [id, 40000]), 'invalid_input');
  t.regex(error.detail!, /^p_priority/);
});
