// docs/semantics.md §4.1: ff_create_flow creates a flow once; a replay reports it unchanged.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  createFlow,
  events,
  flowRow,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const CREATE = `SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1, p_flow_kind => $2, p_namespace => $3, p_now_ms => $4)`;

test('creates the flow: status created, graph_revision 0, partition ff_flow_partition(flow_id)', async (t) => {
  const db = await testDatabase(t);
  const flowId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
  const { rows } = await db.query(CREATE, [flowId, 'dag', 'default', NOW]);
  t.deepEqual(rows, [{ status: 'created', flow_id: flowId, partition_key: 238, graph_revision: '0' }]);
});

test('the new flow row is open, at revision 0, with kind, namespace, zero counts and the pinned time', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  await db.query(CREATE, [flowId, 'pipeline', 'team-a', NOW]);
  const row = await flowRow(db, flowId);
  t.is(row.graph_revision, '0');
  t.is(row.public_flow_state, 'open');
  t.is(row.created_at_ms, String(NOW));
  t.is(row.terminal_at_ms, null);
  t.deepEqual(row.raw_fields, {
    flow_kind: 'pipeline',
    namespace: 'team-a',
    node_count: 0,
    edge_count: 0,
    last_mutation_at_ms: NOW,
  });
});

test('defaults: kind dag, namespace default, time from the server clock', async (t) => {
  const db = await testDatabase(t);
  const flowId = randomUUID();
  const before = Date.now();
  await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [flowId]);
  const after = Date.now();
  const row = await flowRow(db, flowId);
  t.is(row.raw_fields.flow_kind, 'dag');
  t.is(row.raw_fields.namespace, 'default');
  t.true(Number(row.created_at_ms) >= before - 1000 && Number(row.created_at_ms) <= after + 1000);
});

test('creating logs one create_flow event at revision 0', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW, namespace: 'ns1', kind: 'dag' });
  const log = await events(db, flowId);
  t.is(log.length, 1);
  t.is(log[0].operation, 'create_flow');
  t.is(log[0].graph_revision, '0');
  t.is(log[0].occurred_at_ms, String(NOW));
  t.deepEqual(log[0].arguments, { flow_id: flowId, flow_kind: 'dag', namespace: 'ns1' });
});

test('an existing flow: already_satisfied with its current revision, nothing changes', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db, { nowMs: NOW });
  await db.query(`UPDATE flowfabric.ff_flow_core SET graph_revision = 7 WHERE flow_id = $1`, [flowId]); // as if 7 changes happened
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(CREATE, [flowId, 'dag', 'default', NOW + 5]));
  t.deepEqual(rows, [{ status: 'already_satisfied', flow_id: flowId, partition_key: partition, graph_revision: '7' }]);
});

test('a replay with another kind and namespace keeps the stored ones', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { kind: 'dag', namespace: 'first' });
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(CREATE, [flowId, 'other', 'second', null]));
  t.is(rows[0].status, 'already_satisfied');
  const row = await flowRow(db, flowId);
  t.is(row.raw_fields.flow_kind, 'dag');
  t.is(row.raw_fields.namespace, 'first');
});

test('a replay on a terminal flow is already_satisfied too (creating changes nothing)', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  await db.query(`UPDATE flowfabric.ff_flow_core SET public_flow_state = 'cancelled' WHERE flow_id = $1`, [flowId]);
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(CREATE, [flowId, 'dag', 'default', null]));
  t.is(rows[0].status, 'already_satisfied');
});

test('20 concurrent creates of one id: exactly one created, the rest already_satisfied, one event', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const flowId = randomUUID();
  const connections = await clients(db, 20);
  try {
    const results = await Promise.all(connections.map((c) => c.query(CREATE, [flowId, 'dag', 'default', null])));
    const statuses = results.map((r) => r.rows[0].status).sort();
    t.deepEqual(statuses, [...Array(19).fill('already_satisfied'), 'created']);
    t.true(results.every((r) => r.rows[0].graph_revision === '0'));
  } finally {
    connections.forEach((c) => c.release());
  }
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM flowfabric.ff_flow_core WHERE flow_id = $1`, [flowId]);
  t.is(rows[0].n, 1);
  t.is((await events(db, flowId)).length, 1);
});

const badInputs: Array<[string, unknown[]]> = [
  ['a NULL p_flow_id', [null, 'dag', 'default', null]],
  ['a NULL p_flow_kind', ['$flow', null, 'default', null]],
  ['an empty p_flow_kind', ['$flow', '', 'default', null]],
  ['a NULL p_namespace', ['$flow', 'dag', null, null]],
  ['an empty p_namespace', ['$flow', 'dag', '', null]],
  ['a p_namespace longer than 53 bytes (it names the pg_notify channel)', ['$flow', 'dag', 'n'.repeat(54), null]],
  ['a p_flow_kind over 1024 bytes (docs/semantics.md §8)', ['$flow', 'k'.repeat(1025), 'default', null]],
  ['a negative p_now_ms', ['$flow', 'dag', 'default', -1]],
];
for (const [what, args] of badInputs) {
  test(`${what} is invalid_input and creates nothing`, async (t) => {
    const db = await testDatabase(t);
    const flowId = randomUUID();
    const params = args.map((a) => (a === '$flow' ? flowId : a));
    const error = await assertRefusedWritesNothing(t, db, () => db.query(CREATE, params), 'invalid_input');
    const field = ['p_flow_id', 'p_flow_kind', 'p_namespace', 'p_now_ms'][
      args.findIndex((a, i) => a !== ['$flow', 'dag', 'default', null][i])
    ];
    t.true(error.detail?.startsWith(`${field}:`), error.detail);
  });
}

test('a namespace of exactly 53 bytes is accepted', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(CREATE, [randomUUID(), 'dag', 'n'.repeat(53), null]);
  t.is(rows[0].status, 'created');
});
