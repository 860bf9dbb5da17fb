// docs/semantics.md §10.2: ff_create_waitpoint prepares a waitpoint before the task suspends.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { execution, member } from '../helpers/cascade.js';
import { complete, createFlow, assertRefused } from '../helpers/fixtures.js';
import { createWaitpoint, deliver } from '../helpers/signals.js';

test('created for a waiting execution: a waitpoint id and a token; signals are buffered (recorded), the execution is untouched', async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const id = await member(flow);
  const row = await createWaitpoint(db, id);
  t.like(row, { status: 'created', execution_id: id });
  t.regex(row.token, /^[0-9a-f]{64}$/);
  t.is((await deliver(db, row.waitpoint_id, 'approved', { token: row.token })).rows[0].status, 'recorded');
  t.is((await execution(db, id)).lifecycle_phase, 'runnable');
  const { rows } = await db.query('SELECT waitpoint_state FROM flowfabric.ff_waitpoint WHERE waitpoint_id = $1', [
    row.waitpoint_id,
  ]);
  t.is(rows[0].waitpoint_state, 'pending');
});

test('a second open waitpoint for one execution is invalid_input waitpoint_already_open', async (t) => {
  const db = await testDatabase(t);
  const id = await member(await createFlow(db));
  await createWaitpoint(db, id);
  const error = await assertRefused(t, createWaitpoint(db, id), 'invalid_input');
  t.regex(error.detail ?? '', /waitpoint_already_open/);
});

test('a terminal execution is invalid_input', async (t) => {
  const db = await testDatabase(t);
  const id = await member(await createFlow(db));
  await complete(db, id, 'success');
  await assertRefused(t, createWaitpoint(db, id), 'invalid_input');
});

test('a missing execution is execution_not_found; bad names are invalid_input', async (t) => {
  const db = await testDatabase(t);
  await assertRefused(t, createWaitpoint(db, randomUUID()), 'execution_not_found');
  const id = await member(await createFlow(db));
  await assertRefused(t, createWaitpoint(db, id, { names: [] }), 'invalid_input');
});
