// docs/semantics.md §4.6: ff_create_execution creates an execution once, on its flow's partition or its lane's solo partition.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import {
  NOW,
  assertRefusedWritesNothing,
  assertReplayWritesNothing,
  clients,
  createFlow,
  events,
  executionRow,
  flowIdOffDefaultLane,
  flowRow,
  otherPartition,
  uuidOf,
} from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const CREATE = `SELECT * FROM flowfabric.ff_create_execution(p_execution_id => $1, p_flow_id => $2, p_lane_id => $3,
  p_payload => $4, p_priority => $5, p_task_identifier => $6, p_now_ms => $7)`;
const args = (
  o: {
    id?: string | null;
    flow?: string | null;
    lane?: string | null;
    payload?: unknown;
    priority?: number | null;
    task?: string | null;
    now?: number | null;
  } = {},
) => [
  o.id ?? null,
  o.flow ?? null,
  o.lane === undefined ? 'default' : o.lane,
  o.payload === undefined ? null : JSON.stringify(o.payload),
  o.priority === undefined ? 0 : o.priority,
  o.task ?? null,
  o.now ?? null,
];

test('with p_flow_id: created on the flow partition, canonical id, not yet a member', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const id = randomUUID();
  const { rows } = await db.query(CREATE, args({ id, flow: flowId }));
  t.deepEqual(rows, [{ status: 'created', execution_id: `{fp:${partition}}:${id}` }]);
  const row = await executionRow(db, id);
  t.is(row.partition_key, partition);
  t.is(row.flow_id, null);
  t.is((await flowRow(db, flowId)).raw_fields.node_count, 0);
});

test('starts runnable, unowned, eligible_now, waiting, pending_first_attempt, terminal_outcome none', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(CREATE, args({ lane: 'lane-1', payload: { a: 1 }, priority: 5, task: 'send_mail', now: NOW }));
  const row = await executionRow(db, rows[0].execution_id);
  t.like(row, {
    lane_id: 'lane-1',
    lifecycle_phase: 'runnable',
    ownership_state: 'unowned',
    eligibility_state: 'eligible_now',
    public_state: 'waiting',
    attempt_state: 'pending_first_attempt',
    terminal_outcome: 'none',
    priority: 5,
    created_at_ms: String(NOW),
    terminal_at_ms: null,
    result: null,
  });
  t.deepEqual(row.payload, { a: 1 });
  t.deepEqual(row.raw_fields, { task_identifier: 'send_mail' });
});

test('without p_flow_id: the solo partition of the lane', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(CREATE, args({ lane: 'emails' }));
  const { rows: p } = await db.query(`SELECT (flowfabric._crc16_xmodem(convert_to('emails', 'UTF8')) % 256)::int AS p`);
  t.regex(rows[0].execution_id, new RegExp(`^\\{fp:${p[0].p}\\}:[0-9a-f-]{36}$`));
  t.is((await executionRow(db, rows[0].execution_id)).partition_key, p[0].p);
});

test('a NULL id mints a new uuid each call', async (t) => {
  const db = await testDatabase(t);
  const a = (await db.query(CREATE, args())).rows[0];
  const b = (await db.query(CREATE, args())).rows[0];
  t.is(a.status, 'created');
  t.is(b.status, 'created');
  t.not(a.execution_id, b.execution_id);
});

test('the id may be given in canonical form when the partition is right', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const id = `{fp:${partition}}:${randomUUID()}`;
  const { rows } = await db.query(CREATE, args({ id, flow: flowId }));
  t.deepEqual(rows[0], { status: 'created', execution_id: id });
});

test('creating an execution writes no flow event (it is not a member yet)', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db);
  const before = (await events(db)).length;
  await db.query(CREATE, args({ flow: flowId }));
  t.is((await events(db)).length, before);
});

test('a repeated create of the same id: already_exists, nothing changes (even with other fields)', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const id = randomUUID();
  await db.query(CREATE, args({ id, flow: flowId, payload: { v: 1 } }));
  const { rows } = await assertReplayWritesNothing(t, db, () =>
    db.query(CREATE, args({ id, flow: flowId, payload: { v: 2 }, priority: 9 })),
  );
  t.deepEqual(rows, [{ status: 'already_exists', execution_id: `{fp:${partition}}:${id}` }]);
  t.deepEqual((await executionRow(db, id)).payload, { v: 1 });
});

test('a repeated create with the canonical id: already_exists', async (t) => {
  const db = await testDatabase(t);
  const first = (await db.query(CREATE, args({ lane: 'x' }))).rows[0];
  const { rows } = await assertReplayWritesNothing(t, db, () => db.query(CREATE, args({ id: first.execution_id, lane: 'x' })));
  t.deepEqual(rows[0], { status: 'already_exists', execution_id: first.execution_id });
});

test('p_flow_id of a missing flow: flow_not_found, nothing written', async (t) => {
  const db = await testDatabase(t);
  await assertRefusedWritesNothing(t, db, () => db.query(CREATE, args({ flow: randomUUID() })), 'flow_not_found');
});

test('a {fp:N} prefix naming another partition than the flow: invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const { flowId, partition } = await createFlow(db);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(CREATE, args({ id: `{fp:${otherPartition(partition)}}:${randomUUID()}`, flow: flowId })),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
  t.truthy(error.hint);
});

test('re-creating a solo execution for a flow on another partition: invalid_input partition_mismatch', async (t) => {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { flowId: await flowIdOffDefaultLane(db) });
  const solo = (await db.query(CREATE, args())).rows[0].execution_id;
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(CREATE, args({ id: uuidOf(solo), flow: flowId })),
    'invalid_input',
  );
  t.true(error.detail?.startsWith('partition_mismatch'), error.detail);
});

test('a uuid has one home across partitions (ff_execution_home), not a unique index of ff_exec_core', async (t) => {
  // The uniqueness Citus cannot enforce on ff_exec_core (every unique index there must include
  // partition_key) is ff_execution_home's primary key: one row per uuid, naming its partition.
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { flowId: await flowIdOffDefaultLane(db) });
  const solo = (await db.query(CREATE, args())).rows[0].execution_id;
  await t.throwsAsync(db.query(CREATE, args({ id: uuidOf(solo), flow: flowId })), { code: 'FF012' });
  const { rows: homes } = await db.query('SELECT home_partition FROM flowfabric.ff_execution_home WHERE execution_id = $1', [
    uuidOf(solo),
  ]);
  t.deepEqual(homes, [{ home_partition: (await executionRow(db, solo)).partition_key }]);
  const { rows: unique } = await db.query(`SELECT i.indexrelid::regclass::text AS name FROM pg_index i
    WHERE i.indrelid = 'flowfabric.ff_exec_core'::regclass AND i.indisunique AND i.indnkeyatts = 1`);
  t.deepEqual(unique, []);
});

const malformed = [
  'nope',
  `{fp:999}:${randomUUID()}`,
  `{fp:1}${randomUUID()}`,
  randomUUID().replaceAll('-', ''),
  '',
  `{fp:-1}:${randomUUID()}`,
  `${randomUUID()} `,
];
for (const bad of malformed) {
  test(`p_execution_id ${JSON.stringify(bad)} is invalid_input naming p_execution_id`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(CREATE, args({ id: bad })), 'invalid_input');
    t.true(error.detail?.startsWith('p_execution_id:'), error.detail);
  });
}

const badFields: Array<[string, Parameters<typeof args>[0], string]> = [
  ['a NULL p_lane_id', { lane: null }, 'p_lane_id'],
  ['an empty p_lane_id', { lane: '' }, 'p_lane_id'],
  ['a NULL p_priority', { priority: null }, 'p_priority'],
  ['an empty p_task_identifier', { task: '' }, 'p_task_identifier'],
  [
    "a p_task_identifier over 128 characters (Graphile Worker's limit; docs/semantics.md §8)",
    { task: 't'.repeat(129) },
    'p_task_identifier',
  ],
  ['a p_lane_id over 1024 bytes (docs/semantics.md §8)', { lane: 'l'.repeat(1025) }, 'p_lane_id'],
  ['a JSON array as p_payload (a payload is an object: data passing merges into it by key)', { payload: [1, 2] }, 'p_payload'],
  ['a JSON string as p_payload', { payload: 'text' }, 'p_payload'],
  ['a negative p_now_ms', { now: -5 }, 'p_now_ms'],
  [
    'a p_task_identifier with the reserved flowstage__ prefix (its run jobs would fail every attempt)',
    { task: 'flowstage__cascade' },
    'p_task_identifier',
  ],
];
for (const [what, input, field] of badFields) {
  test(`${what} is invalid_input naming ${field}`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(CREATE, args(input)), 'invalid_input');
    t.true(error.detail?.startsWith(`${field}:`), error.detail);
  });
}

test('concurrent creates of one id: one created, the others already_exists with the same canonical id', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db);
  const id = randomUUID();
  const results = await Promise.all(Array.from({ length: 20 }, () => db.query(CREATE, args({ id, flow: flowId }))));
  const rows = results.map((r) => r.rows[0]);
  t.is(rows.filter((r) => r.status === 'created').length, 1);
  t.is(rows.filter((r) => r.status === 'already_exists').length, 19);
  t.is(new Set(rows.map((r) => r.execution_id)).size, 1);
});

test('concurrent creates of one id on two partitions: one partition wins, every other call is refused partition_mismatch', async (t) => {
  const db = await testDatabase(t, { max: 25 });
  const { flowId } = await createFlow(db, { flowId: await flowIdOffDefaultLane(db) });
  for (let round = 0; round < 5; round++) {
    const id = randomUUID();
    const connections = await clients(db, 20);
    let results;
    try {
      results = await Promise.allSettled(connections.map((c, i) => c.query(CREATE, args({ id, flow: i % 2 ? flowId : null }))));
    } finally {
      connections.forEach((c) => c.release());
    }
    const stored = await executionRow(db, id);
    for (const r of results) {
      if (r.status === 'fulfilled') {
        t.is(uuidOf(r.value.rows[0].execution_id), id);
        t.is(r.value.rows[0].execution_id, `{fp:${stored.partition_key}}:${id}`, 'reports where the execution lives');
      } else {
        t.is(r.reason.code, 'FF012');
        t.true(r.reason.detail?.startsWith('partition_mismatch'), r.reason.detail);
      }
    }
    t.is(results.filter((r) => r.status === 'fulfilled' && r.value.rows[0].status === 'created').length, 1);
  }
});

test('a task identifier of exactly 128 characters is accepted', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(CREATE, args({ task: 't'.repeat(128) }));
  t.is(rows[0].status, 'created');
});

test('a refusal quotes at most 200 characters of the value it repeats (a 1 MB argument does not flood the log)', async (t) => {
  const db = await testDatabase(t);
  const error = await assertRefusedWritesNothing(
    t,
    db,
    () => db.query(CREATE, args({ task: 'x'.repeat(1_000_000) })),
    'invalid_input',
  );
  t.true(error.detail!.length < 400, `${error.detail!.length} characters`);
  t.true(error.detail!.includes(`${'x'.repeat(200)}… (1000000 characters in all)`), error.detail);
});
