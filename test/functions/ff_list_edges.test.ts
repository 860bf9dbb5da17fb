import { randomUUID } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import { connectionStringOf } from '../helpers/database.js';
import { addMember, call, stageEdge } from '../helpers/read.js';
import { NOW, assertRefused, createFlow } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const list =
  'SELECT * FROM flowfabric.ff_list_edges(p_flow_id => $1, p_execution_id => $2, p_direction => $3, p_after => $4, p_limit => $5)';

type Db = Awaited<ReturnType<typeof testDatabase>>;

async function ids(db: Db, flowId: string, executionId: string | null, direction: string): Promise<string[]> {
  return (await call<{ edge_id: string }>(db, list, [flowId, executionId, direction, null, 1000])).map((r) => r.edge_id);
}

/** a -> b, a -> c, c -> b: three members, three edges. */
async function triangle(db: Db) {
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [a, b, c] = [await addMember(db, flowId), await addMember(db, flowId), await addMember(db, flowId)];
  const ab = await stageEdge(db, flowId, a, b);
  const ac = await stageEdge(db, flowId, a, c);
  const cb = await stageEdge(db, flowId, c, b);
  return { flowId, a, b, c, ab, ac, cb };
}

test('lists every edge of the flow in edge_id order', async (t) => {
  const db = await testDatabase(t);
  const g = await triangle(db);
  t.deepEqual(await ids(db, g.flowId, null, 'both'), [g.ab, g.ac, g.cb].sort());
});

test("lists one execution's inbound, outbound or both edges", async (t) => {
  const db = await testDatabase(t);
  const g = await triangle(db);
  t.deepEqual(await ids(db, g.flowId, g.c, 'in'), [g.ac]);
  t.deepEqual(await ids(db, g.flowId, g.c, 'out'), [g.cb]);
  t.deepEqual(await ids(db, g.flowId, g.c, 'both'), [g.ac, g.cb].sort());
  t.deepEqual(await ids(db, g.flowId, g.b, 'in'), [g.ab, g.cb].sort());
});

test('returns canonical endpoints and the edge state', async (t) => {
  const db = await testDatabase(t);
  const g = await triangle(db);
  const [row] = await call(db, list, [g.flowId, g.a, 'out', null, 1]);
  t.like(row, { upstream_execution_id: g.a, dependency_kind: 'success_only', edge_state: 'pending', data_passing_ref: '' });
});

test('walks 2,500 edges in pages of 100 with no gaps or repeats while edges are being added', async (t) => {
  const db = await testDatabase(t, { max: 2 });
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const a = await addMember(db, flowId);
  const b = await addMember(db, flowId);
  // 2,500 parallel edges a -> b, staged in one round trip.
  await db.query(
    `DO $$ DECLARE r bigint := 2; BEGIN
       FOR i IN 1..2500 LOOP
         PERFORM flowfabric.ff_stage_dependency_edge(p_flow_id => '${flowId}', p_edge_id => gen_random_uuid(),
           p_upstream_execution_id => '${a}', p_downstream_execution_id => '${b}', p_expected_graph_revision => r);
         r := r + 1;
       END LOOP; END $$`,
  );
  const before = new Set(
    await (async () => {
      const all: string[] = [];
      let after: string | null = null;
      for (;;) {
        const rows: { edge_id: string }[] = await call<{ edge_id: string }>(db, list, [flowId, null, 'both', after, 1000]);
        if (rows.length === 0) return all;
        all.push(...rows.map((r) => r.edge_id));
        after = rows[rows.length - 1].edge_id;
      }
    })(),
  );
  t.is(before.size, 2500);

  // A second connection keeps staging edges while the walk pages through.
  const writer = new pg.Client({ connectionString: connectionStringOf(db) });
  await writer.connect();
  t.teardown(() => writer.end());
  let walking = true;
  let addedDuringWalk = 0;
  const adder = (async () => {
    while (walking) {
      await stageEdge(writer, flowId, a, b);
      addedDuringWalk++;
    }
  })();

  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const rows: { edge_id: string }[] = await call<{ edge_id: string }>(db, list, [flowId, null, 'both', after, 100]);
    if (rows.length === 0) break;
    t.true(rows.length <= 100);
    seen.push(...rows.map((r) => r.edge_id));
    after = rows[rows.length - 1].edge_id;
    pages++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  walking = false;
  await adder;

  t.true(addedDuringWalk > 0, 'edges were added while walking');
  t.true(pages >= 25);
  t.is(new Set(seen).size, seen.length, 'no edge is returned twice');
  t.true(
    seen.every((id, i) => i === 0 || seen[i - 1] < id),
    'pages follow edge_id order',
  );
  const missing = [...before].filter((id) => !seen.includes(id));
  t.deepEqual(missing, [], 'every edge that existed before the walk is seen');
});

test('refuses an execution that is not a member with execution_not_in_flow', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const [{ execution_id }] = await call<{ execution_id: string }>(
    db,
    'SELECT * FROM flowfabric.ff_create_execution(p_flow_id => $1)',
    [flowId],
  );
  await assertRefused(t, db.query(list, [flowId, execution_id, 'both', null, 10]), 'execution_not_in_flow');
});

test('refuses a missing flow with flow_not_found', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, db.query(list, [randomUUID(), null, 'both', null, 10]), 'flow_not_found');
});

test('refuses an unknown direction with invalid_input naming p_direction', async (t) => {
  const db = await testDatabase(t);
  const g = await triangle(db);
  await assertRefused(t, db.query(list, [g.flowId, g.a, 'sideways', null, 10]), 'invalid_input', 'p_direction');
});

test('refuses in or out without an execution with invalid_input naming p_direction', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(list, [flowId, null, 'in', null, 10]), 'invalid_input', 'p_direction');
});

test('refuses p_limit outside 1..1000 with invalid_input naming p_limit', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(list, [flowId, null, 'both', null, 0]), 'invalid_input', 'p_limit');
  await assertRefused(t, db.query(list, [flowId, null, 'both', null, 1001]), 'invalid_input', 'p_limit');
});

test('refuses a malformed execution id with invalid_input naming p_execution_id', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  await assertRefused(t, db.query(list, [flowId, 'nope', 'both', null, 10]), 'invalid_input', 'p_execution_id');
});
