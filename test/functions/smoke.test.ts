import test from 'ava';
import { testDatabase } from '../helpers/database.js';
test('smoke', async (t) => {
  const db = await testDatabase(t);
  const { rows } = await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => '11111111-1111-1111-1111-111111111111')`);
  t.is(rows[0].status, 'created');
});
