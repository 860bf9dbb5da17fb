// docs/semantics.md §2: a flow's partition is crc16_xmodem(the 16 bytes of flow_id) % 256.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';

const vectors: Array<[string, number]> = [
  ['00000000-0000-0000-0000-000000000000', 0],
  ['11111111-1111-1111-1111-111111111111', 6],
  ['6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', 238],
  ['ffffffff-ffff-ffff-ffff-ffffffffffff', 65],
  ['0b3e4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d', 217],
];

for (const [flowId, partition] of vectors) {
  test(`ff_flow_partition(${flowId}) is ${partition}`, async (t) => {
    const db = await testDatabase(t);
    const { rows } = await db.query('SELECT flowfabric.ff_flow_partition(p_flow_id => $1) AS p', [flowId]);
    t.is(rows[0].p, partition);
  });
}

test('_crc16_xmodem of the ASCII string 123456789 is the check value 0x31C3', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT flowfabric._crc16_xmodem(convert_to('123456789', 'UTF8')) AS crc`);
  t.is(rows[0].crc, 0x31c3);
});

test('_crc16_xmodem of the empty string is 0 (init 0)', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT flowfabric._crc16_xmodem(''::bytea) AS crc`);
  t.is(rows[0].crc, 0);
});

test('ff_flow_partition is the crc of the 16 bytes of the uuid, modulo 256', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT count(*) FILTER (WHERE flowfabric.ff_flow_partition(u) <> flowfabric._crc16_xmodem(uuid_send(u)) % 256) AS wrong,
           count(*) FILTER (WHERE flowfabric.ff_flow_partition(u) NOT BETWEEN 0 AND 255) AS out_of_range
    FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 1000)) s`);
  t.is(Number(rows[0].wrong), 0);
  t.is(Number(rows[0].out_of_range), 0);
});

test('ff_flow_partition returns smallint and is IMMUTABLE; NULL in, NULL out', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT p.provolatile, p.prorettype::regtype::text AS rettype, flowfabric.ff_flow_partition(NULL) AS of_null
    FROM pg_proc p WHERE p.oid = 'flowfabric.ff_flow_partition(uuid)'::regprocedure`);
  t.is(rows[0].provolatile, 'i');
  t.is(rows[0].rettype, 'smallint');
  t.is(rows[0].of_null, null);
});

test('a solo execution lives on crc16_xmodem(utf8 bytes of lane_id) % 256', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`
    SELECT e.execution_id AS id, flowfabric._crc16_xmodem(convert_to('lane-ü', 'UTF8')) % 256 AS expected
    FROM flowfabric.ff_create_execution(p_lane_id => 'lane-ü') e`);
  t.is(rows[0].id, `{fp:${rows[0].expected}}:${rows[0].id.replace(/^\{fp:\d+\}:/, '')}`);
});
