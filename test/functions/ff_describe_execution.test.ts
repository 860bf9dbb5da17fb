// ff_describe_execution: one execution with its timings, payload, result, failure reason and extras.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { assertRefused, createExecution, createFlow, otherPartition, uuidOf } from '../helpers/fixtures.js';
import { FIXED, buildFixedDag, call } from '../helpers/read.js';

const describe = 'SELECT * FROM flowfabric.ff_describe_execution(p_execution_id => $1, p_flow_id => $2)';

test('describes a member by its canonical or bare id, with or without its flow', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const [row] = await call<Record<string, unknown>>(db, describe, [FIXED.fetch, FIXED.flowId]);
  t.like(row, {
    execution_id: FIXED.fetch,
    flow_id: FIXED.flowId,
    public_state: 'completed',
    terminal_outcome: 'success',
    task_identifier: 'fetch',
    failure_reason: null,
  });
  t.truthy(row.created_at_ms);
  t.truthy(row.terminal_at_ms);
  const [bare] = await call<Record<string, unknown>>(db, describe, [uuidOf(FIXED.fetch), null]);
  t.deepEqual(bare, row);
});

test("a failed execution's failure_reason is its result's error", async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const id = await createExecution(db, { flowId });
  await db.query(
    `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'failed', p_result => '{"error": "timeout"}')`,
    [id],
  );
  const [row] = await call<Record<string, unknown>>(db, describe, [id, null]);
  t.like(row, { public_state: 'failed', failure_reason: 'timeout', result: { error: 'timeout' }, flow_id: null });
});

test('refusals: malformed id, unknown flow, unknown execution, an execution of another flow, a partition mismatch', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  // Another flow on the same partition (238) as FIXED's.
  const {
    rows: [{ id }],
  } = await db.query(`SELECT id FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 20000)) s
                                             WHERE flowfabric.ff_flow_partition(id) = 238 LIMIT 1`);
  const other = await createFlow(db, { flowId: id });
  const stranger = await createExecution(db, { flowId: other.flowId });
  await assertRefused(t, call(db, describe, ['nonsense', null]), 'invalid_input', 'p_execution_id');
  await assertRefused(t, call(db, describe, [FIXED.fetch, randomUUID()]), 'flow_not_found');
  await assertRefused(t, call(db, describe, [randomUUID(), null]), 'execution_not_found');
  await assertRefused(t, call(db, describe, [uuidOf(stranger), FIXED.flowId]), 'execution_not_in_flow');
  const wrong = `{fp:${otherPartition(238)}}:${uuidOf(FIXED.fetch)}`;
  await assertRefused(t, call(db, describe, [wrong, FIXED.flowId]), 'invalid_input', 'partition_mismatch');
});
