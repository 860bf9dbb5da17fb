import { randomUUID } from 'node:crypto';
import test from 'ava';
import { buildFixedDag, call } from '../helpers/read.js';
import { NOW, assertRefused, createFlow } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const mermaid = 'SELECT flowfabric.ff_flow_to_mermaid(p_flow_id => $1) AS text';

const expected = `flowchart TD
  %% flow 6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b: open, graph_revision 8, 4 nodes, 4 edges
  classDef waiting fill:#f5f5f5,stroke:#9e9e9e,color:#212121
  classDef waiting_children fill:#fff8e1,stroke:#ffa000,color:#212121
  classDef delayed fill:#ede7f6,stroke:#7e57c2,color:#212121
  classDef running fill:#e3f2fd,stroke:#1e88e5,color:#212121
  classDef completed fill:#e8f5e9,stroke:#43a047,color:#212121
  classDef failed fill:#ffebee,stroke:#e53935,color:#212121
  classDef cancelled fill:#eceff1,stroke:#546e7a,color:#212121
  classDef expired fill:#fce4ec,stroke:#d81b60,color:#212121
  classDef skipped fill:#fafafa,stroke:#bdbdbd,color:#212121
  classDef other fill:#ffffff,stroke:#000000,color:#212121
  n0a000000000040008000000000000001["0a000000 fetch<br/>completed"]:::completed
  n0b000000000040008000000000000002["0b000000 parse<br/>failed"]:::failed
  n0c000000000040008000000000000003["0c000000 index<br/>skipped"]:::skipped
  n0d000000000040008000000000000004["0d000000 notify#lt;#quot;ops#quot;#gt;<br/>waiting_children"]:::waiting_children
  n0a000000000040008000000000000001 ==>|satisfied| n0c000000000040008000000000000003
  n0b000000000040008000000000000002 -->|impossible| n0c000000000040008000000000000003
  n0c000000000040008000000000000003 -->|applied| n0d000000000040008000000000000004
  n0a000000000040008000000000000001 -.->|pending| n0d000000000040008000000000000004
  linkStyle 0 stroke:#43a047
  linkStyle 1 stroke:#e53935
  linkStyle 2 stroke:#ffa000
  linkStyle 3 stroke:#9e9e9e
`;

test('renders the fixed DAG: nodes classed by state, edges labelled and coloured by state, in a stable order', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await buildFixedDag(db);
  const [{ text }] = await call<{ text: string }>(db, mermaid, [flowId]);
  t.is(text, expected);
});

test('renders a flow without members as the header alone', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ text }] = await call<{ text: string }>(db, mermaid, [flowId]);
  t.true(text.startsWith(`flowchart TD\n  %% flow ${flowId}: open, graph_revision 0, 0 nodes, 0 edges\n  classDef waiting `));
  t.false(text.includes('-->'));
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(mermaid, [randomUUID()]), 'flow_not_found');
});

test('refuses a NULL flow id with invalid_input naming p_flow_id', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(mermaid, [null]), 'invalid_input', 'p_flow_id');
});
