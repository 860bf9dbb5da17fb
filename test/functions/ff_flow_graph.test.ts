// ff_flow_graph: a flow's members and edges with their states, in one compact row.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { assertRefused } from '../helpers/fixtures.js';
import { FIXED, buildFixedDag, call } from '../helpers/read.js';

const graph = 'SELECT * FROM flowfabric.ff_flow_graph(p_flow_id => $1, p_edges => $2)';

test('returns every member with its state, task, attempts and label, and every edge with its state', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  await db.query(`UPDATE flowfabric.ff_exec_core SET payload = '{"name": "the fetch"}' WHERE execution_id = $1::uuid`, [
    FIXED.fetch.slice(-36),
  ]);
  const [row] = await call<{ graph_revision: string; members: unknown[]; edges: unknown[] }>(db, graph, [FIXED.flowId, true]);
  t.deepEqual(row.members, [
    [FIXED.fetch, 'completed', 'fetch', 0, 'the fetch'],
    [FIXED.parse, 'failed', 'parse', 0, null],
    [FIXED.index, 'skipped', 'index', 0, null],
    [FIXED.publish, 'waiting_children', 'notify<"ops">', 0, null],
  ]);
  t.deepEqual(row.edges, [
    [FIXED.fetchToIndex, FIXED.fetch, FIXED.index, 'satisfied', 'success_only', null],
    [FIXED.parseToIndex, FIXED.parse, FIXED.index, 'impossible', 'success_only', null],
    [FIXED.indexToPublish, FIXED.index, FIXED.publish, 'applied', 'success_only', null],
    [FIXED.fetchToPublish, FIXED.fetch, FIXED.publish, 'pending', 'success_only', null],
  ]);
  const [states] = await call<{ edges: unknown }>(db, graph, [FIXED.flowId, false]);
  t.is(states.edges, null);
});

test('refuses a NULL flow or p_edges, and an unknown flow', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, call(db, graph, [null, true]), 'invalid_input', 'p_flow_id');
  await assertRefused(t, call(db, graph, [randomUUID(), null]), 'invalid_input', 'p_edges');
  await assertRefused(t, call(db, graph, [randomUUID(), true]), 'flow_not_found');
});
