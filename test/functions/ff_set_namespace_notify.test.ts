// docs/semantics.md §5: notifications are opt-in per namespace (ff_set_namespace_notify); an enabled namespace
// gets at most one pg_notify per transaction on flowstage:<namespace>; the log is written either way.
import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type pg from 'pg';
import { assertRefusedWritesNothing, createExecution, createFlow, addMember, events } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const SET = 'SELECT * FROM flowfabric.ff_set_namespace_notify(p_namespace => $1, p_enabled => $2)';

/** A connection listening on flowstage:<namespace>, and the payloads it has received so far. */
async function listen(t: ExecutionContext, db: pg.Pool, namespace: string) {
  const client = await db.connect();
  const received: string[] = [];
  client.on('notification', (n) => received.push(n.payload ?? ''));
  await client.query(`LISTEN "flowstage:${namespace}"`);
  t.teardown(() => client.release());
  // A round trip on the listener flushes every notification committed before it.
  return {
    received,
    settle: async () => {
      await client.query('SELECT 1');
      return received;
    },
  };
}

/** Three logged changes of one flow in one transaction: create, then two adds. */
async function threeChangesInOneTransaction(db: pg.Pool, namespace: string): Promise<string> {
  const flowId = randomUUID();
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await createFlow(client, { flowId, namespace });
    for (let i = 0; i < 2; i++) await addMember(client, flowId, await createExecution(client, { flowId }));
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return flowId;
}

test('off by default: changes in a namespace are logged but not notified', async (t) => {
  const db = await testDatabase(t);
  const listener = await listen(t, db, 'quiet');
  const flowId = await threeChangesInOneTransaction(db, 'quiet');
  t.deepEqual(await listener.settle(), []);
  t.is((await events(db, flowId)).length, 3);
});

test('enabled: one notification per transaction, however many changes it made', async (t) => {
  const db = await testDatabase(t);
  t.deepEqual((await db.query(SET, ['loud', true])).rows, [{ status: 'set', namespace: 'loud', enabled: true }]);
  const listener = await listen(t, db, 'loud');
  await threeChangesInOneTransaction(db, 'loud');
  await threeChangesInOneTransaction(db, 'loud');
  t.deepEqual(await listener.settle(), ['{"namespace" : "loud"}', '{"namespace" : "loud"}']);
});

test('enabling one namespace leaves the others silent', async (t) => {
  const db = await testDatabase(t);
  await db.query(SET, ['loud', true]);
  const listener = await listen(t, db, 'quiet');
  await threeChangesInOneTransaction(db, 'quiet');
  t.deepEqual(await listener.settle(), []);
});

test('disabled again: no more notifications', async (t) => {
  const db = await testDatabase(t);
  await db.query(SET, ['loud', true]);
  t.deepEqual((await db.query(SET, ['loud', false])).rows, [{ status: 'set', namespace: 'loud', enabled: false }]);
  const listener = await listen(t, db, 'loud');
  await threeChangesInOneTransaction(db, 'loud');
  t.deepEqual(await listener.settle(), []);
});

test('asking for the state a namespace is already in: already_set, nothing changes', async (t) => {
  const db = await testDatabase(t);
  t.deepEqual((await db.query(SET, ['quiet', false])).rows, [{ status: 'already_set', namespace: 'quiet', enabled: false }]);
  await db.query(SET, ['loud', true]);
  t.deepEqual((await db.query(SET, ['loud', true])).rows, [{ status: 'already_set', namespace: 'loud', enabled: true }]);
  t.deepEqual((await db.query('SELECT namespace FROM flowfabric.ff_namespace_notify')).rows, [{ namespace: 'loud' }]);
});

for (const [title, args, field] of [
  ['a NULL p_namespace', [null, true], 'p_namespace:'],
  ['an empty p_namespace', ['', true], 'p_namespace:'],
  ['a p_namespace longer than 53 bytes', ['n'.repeat(54), true], 'p_namespace:'],
  ['a NULL p_enabled', ['loud', null], 'p_enabled:'],
] as Array<[string, unknown[], string]>) {
  test(`${title} is invalid_input naming ${field.slice(0, -1)}`, async (t) => {
    const db = await testDatabase(t);
    const error = await assertRefusedWritesNothing(t, db, () => db.query(SET, args), 'invalid_input');
    t.true(error.detail?.startsWith(field), error.detail);
  });
}
