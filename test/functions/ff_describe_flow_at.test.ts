import { randomUUID } from 'node:crypto';
import test from 'ava';
import { addMember, applyEdge, call, setPolicy, stageEdge } from '../helpers/read.js';
import { assertRefused, createFlow, NOW, revisionOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const at = 'SELECT * FROM flowfabric.ff_describe_flow_at(p_flow_id => $1, p_graph_revision => $2)';

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Edge {
  edge_id: string;
  upstream_execution_id: string;
  downstream_execution_id: string;
  dependency_kind: string;
  data_passing_ref: string;
  staged_graph_revision: number;
}

test('rebuilds every revision of a randomly built flow exactly (single and batch staging, interleaved non-graph changes)', async (t) => {
  const seed = Number(process.env.FLOWSTAGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.log(`seed ${seed} (FLOWSTAGE_SEED=${seed} replays it)`);
  const random = prng(seed);
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });

  const members: string[] = [];
  const edges: Edge[] = [];
  const expected: { members: string[]; edges: Edge[] }[] = [{ members: [], edges: [] }]; // index = revision
  let batches = 0;
  for (let step = 0; step < 70; step++) {
    const roll = random();
    const batchNow = members.length >= 3 && ((roll >= 0.3 && roll < 0.45) || (step === 35 && batches === 0));
    if (!batchNow && (members.length < 2 || (roll < 0.3 && members.length < 20))) {
      members.push(await addMember(db, flowId));
    } else if (batchNow) {
      batches++;
      // a batch (ff_stage_dependency_edges): one event and one revision per edge, in array order
      const batch: Edge[] = [];
      for (let k = 0, n = 2 + Math.floor(random() * 2); k < n; k++) {
        const i = Math.floor(random() * (members.length - 1));
        const j = i + 1 + Math.floor(random() * (members.length - 1 - i));
        batch.push({
          edge_id: randomUUID(),
          upstream_execution_id: members[i],
          downstream_execution_id: members[j],
          dependency_kind: 'success_only',
          data_passing_ref: k === 0 ? `batch${step}` : '',
          staged_graph_revision: expected.length + k,
        });
      }
      await db.query(
        'SELECT * FROM flowfabric.ff_stage_dependency_edges(p_flow_id => $1, p_expected_graph_revision => $2, p_edges => $3)',
        [
          flowId,
          expected.length - 1,
          JSON.stringify(
            batch.map((e) => ({
              edge_id: e.edge_id,
              upstream_execution_id: e.upstream_execution_id,
              downstream_execution_id: e.downstream_execution_id,
              data_passing_ref: e.data_passing_ref || null,
            })),
          ),
        ],
      );
      for (const edge of batch) {
        edges.push(edge);
        expected.push({ members: [...members], edges: [...edges].sort((x, y) => (x.edge_id < y.edge_id ? -1 : 1)) });
      }
      continue;
    } else if (roll < 0.9) {
      // upstream joined before downstream: the flow stays acyclic
      const i = Math.floor(random() * (members.length - 1));
      const j = i + 1 + Math.floor(random() * (members.length - 1 - i));
      const ref = random() < 0.3 ? `ref${step}` : '';
      const edgeId = await stageEdge(db, flowId, members[i], members[j], { dataPassingRef: ref || undefined });
      edges.push({
        edge_id: edgeId,
        upstream_execution_id: members[i],
        downstream_execution_id: members[j],
        dependency_kind: 'success_only',
        data_passing_ref: ref,
        staged_graph_revision: expected.length,
      });
    } else if (edges.length > 0) {
      // non-graph changes interleaved: they are logged but must not change any revision's graph
      const edge = edges[Math.floor(random() * edges.length)];
      await applyEdge(db, flowId, edge.edge_id);
      continue;
    } else {
      await setPolicy(db, flowId, members[members.length - 1], 'any_of', 'let_run');
      continue;
    }
    expected.push({ members: [...members], edges: [...edges].sort((x, y) => (x.edge_id < y.edge_id ? -1 : 1)) });
  }
  const current = await revisionOf(db, flowId);
  t.is(current, expected.length - 1);
  t.true(batches > 0, 'the flow includes batch staging');

  for (let revision = 0; revision <= current; revision++) {
    const [row] = await call(db, at, [flowId, revision]);
    t.deepEqual(
      row,
      {
        flow_id: flowId,
        graph_revision: String(revision),
        current_graph_revision: String(current),
        node_count: String(expected[revision].members.length),
        edge_count: String(expected[revision].edges.length),
        members: expected[revision].members,
        edges: expected[revision].edges,
      },
      `revision ${revision}`,
    );
  }
});

test('revision 0 is the empty flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  const [row] = await call(db, at, [flowId, 0]);
  t.like(row, { graph_revision: '0', current_graph_revision: '1', node_count: '0', edge_count: '0', members: [], edges: [] });
});

test('refuses a revision beyond the current one with invalid_input naming p_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await addMember(db, flowId);
  await assertRefused(t, db.query(at, [flowId, 2]), 'invalid_input', 'p_graph_revision');
});

test('refuses a negative revision with invalid_input naming p_graph_revision', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(at, [flowId, -1]), 'invalid_input', 'p_graph_revision');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(at, [randomUUID(), 0]), 'flow_not_found');
});

test('the log keeps the graph of a cancelled flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  await db.query("SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'x', p_now_ms => $2)", [flowId, NOW]);
  const [row] = await call(db, at, [flowId, 1]);
  t.deepEqual(row.members, [a]);
});
