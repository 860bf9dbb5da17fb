import { randomUUID } from 'node:crypto';
import test from 'ava';
import { buildFixedDag, call } from '../helpers/read.js';
import { assertRefused } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const dot = 'SELECT flowfabric.ff_flow_to_dot(p_flow_id => $1) AS text';

const expected = `digraph "flow 6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" {
  // open, graph_revision 8, 4 nodes, 4 edges
  rankdir=TB;
  node [shape=box, style="rounded,filled", fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  "0a000000-0000-4000-8000-000000000001" [label="0a000000 fetch\\ncompleted", class="completed", fillcolor="#e8f5e9", color="#43a047"];
  "0b000000-0000-4000-8000-000000000002" [label="0b000000 parse\\nfailed", class="failed", fillcolor="#ffebee", color="#e53935"];
  "0c000000-0000-4000-8000-000000000003" [label="0c000000 index\\nskipped", class="skipped", fillcolor="#fafafa", color="#bdbdbd"];
  "0d000000-0000-4000-8000-000000000004" [label="0d000000 notify<\\"ops\\">\\nwaiting_children", class="waiting_children", fillcolor="#fff8e1", color="#ffa000"];
  "0a000000-0000-4000-8000-000000000001" -> "0c000000-0000-4000-8000-000000000003" [label="satisfied", class="satisfied", color="#43a047", fontcolor="#43a047", penwidth=2];
  "0b000000-0000-4000-8000-000000000002" -> "0c000000-0000-4000-8000-000000000003" [label="impossible", class="impossible", color="#e53935", fontcolor="#e53935"];
  "0c000000-0000-4000-8000-000000000003" -> "0d000000-0000-4000-8000-000000000004" [label="applied", class="applied", color="#ffa000", fontcolor="#ffa000"];
  "0a000000-0000-4000-8000-000000000001" -> "0d000000-0000-4000-8000-000000000004" [label="pending", class="pending", color="#9e9e9e", fontcolor="#9e9e9e", style=dashed];
}
`;

test('renders the fixed DAG: nodes filled by state, edges labelled and coloured by state, in a stable order', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await buildFixedDag(db);
  const [{ text }] = await call<{ text: string }>(db, dot, [flowId]);
  t.is(text, expected);
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(dot, [randomUUID()]), 'flow_not_found');
});

test('refuses a NULL flow id with invalid_input naming p_flow_id', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(dot, [null]), 'invalid_input', 'p_flow_id');
});
