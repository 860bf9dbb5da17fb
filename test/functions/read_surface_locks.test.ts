// The read surface takes no row locks: every read answers while a writer holds FOR UPDATE locks
// on the flow, its executions, its edges and its groups.
import test from 'ava';
import pg from 'pg';
import { connectionStringOf } from '../helpers/database.js';
import { FIXED, buildFixedDag } from '../helpers/read.js';
import { testDatabase } from '../helpers/database.js';

const reads: [string, string, unknown[]][] = [
  ['ff_describe_flow', 'SELECT * FROM flowfabric.ff_describe_flow(p_flow_id => $1)', [FIXED.flowId]],
  ['ff_list_flows', 'SELECT * FROM flowfabric.ff_list_flows()', []],
  ['ff_list_edges', 'SELECT * FROM flowfabric.ff_list_edges(p_flow_id => $1)', [FIXED.flowId]],
  [
    'ff_describe_edge',
    'SELECT * FROM flowfabric.ff_describe_edge(p_flow_id => $1, p_edge_id => $2)',
    [FIXED.flowId, FIXED.fetchToIndex],
  ],
  ['ff_list_members', 'SELECT * FROM flowfabric.ff_list_members(p_flow_id => $1)', [FIXED.flowId]],
  ['ff_describe_flow_at', 'SELECT * FROM flowfabric.ff_describe_flow_at(p_flow_id => $1, p_graph_revision => 3)', [FIXED.flowId]],
  [
    'ff_explain_execution',
    'SELECT * FROM flowfabric.ff_explain_execution(p_flow_id => $1, p_execution_id => $2)',
    [FIXED.flowId, FIXED.publish],
  ],
  ['ff_flow_to_mermaid', 'SELECT flowfabric.ff_flow_to_mermaid(p_flow_id => $1)', [FIXED.flowId]],
  ['ff_flow_to_dot', 'SELECT flowfabric.ff_flow_to_dot(p_flow_id => $1)', [FIXED.flowId]],
  [
    'ff_describe_execution',
    'SELECT * FROM flowfabric.ff_describe_execution(p_execution_id => $1, p_flow_id => $2)',
    [FIXED.publish, FIXED.flowId],
  ],
  ['ff_flow_progress', 'SELECT * FROM flowfabric.ff_flow_progress(p_flow_ids => ARRAY[$1::uuid])', [FIXED.flowId]],
  ['ff_list_flow_events', 'SELECT * FROM flowfabric.ff_list_flow_events(p_flow_id => $1)', [FIXED.flowId]],
  ['ff_poll_flow_events', 'SELECT * FROM flowfabric.ff_poll_flow_events(p_after => 0)', []],
  ['ff_metrics', 'SELECT * FROM flowfabric.ff_metrics()', []],
  ['ff_flow_graph', 'SELECT * FROM flowfabric.ff_flow_graph(p_flow_id => $1)', [FIXED.flowId]],
];

test('every read answers while a writer holds row locks on the whole flow', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  const writer = new pg.Client({ connectionString: connectionStringOf(db) });
  const reader = new pg.Client({ connectionString: connectionStringOf(db) });
  await writer.connect();
  await reader.connect();
  t.teardown(async () => {
    await writer.end();
    await reader.end();
  });
  await writer.query('BEGIN');
  await writer.query('SELECT 1 FROM flowfabric.ff_flow_core WHERE flow_id = $1 FOR UPDATE', [FIXED.flowId]);
  await writer.query('SELECT 1 FROM flowfabric.ff_exec_core WHERE flow_id = $1 ORDER BY execution_id FOR UPDATE', [FIXED.flowId]);
  await writer.query('SELECT 1 FROM flowfabric.ff_edge WHERE flow_id = $1 ORDER BY edge_id FOR UPDATE', [FIXED.flowId]);
  await writer.query('SELECT 1 FROM flowfabric.ff_edge_group WHERE flow_id = $1 ORDER BY downstream_eid FOR UPDATE', [
    FIXED.flowId,
  ]);
  await reader.query("SET lock_timeout = '500ms'");
  for (const [name, sql, params] of reads) {
    await t.notThrowsAsync(reader.query(sql, params), name);
  }
  await writer.query('ROLLBACK');
});
