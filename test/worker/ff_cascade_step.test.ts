// ff_cascade_step: one hop of the completion cascade (the cascade job), refused for an
// execution that is not terminal. The hops themselves, through the worker, are in cascade.test.ts.
import test from 'ava';
import { member } from '../helpers/cascade.js';
import { createFlow } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

test('ff_cascade_step refuses an execution that is not terminal', async (t) => {
  const flow = await createFlow(await testDatabase(t));
  const a = await member(flow);
  const error = await t.throwsAsync<Error & { code: string; detail: string }>(
    flow.db.query('SELECT * FROM flowfabric.ff_cascade_step($1::text)', [a]),
  );
  t.like(error, { code: 'FF012', message: 'invalid_input' });
  t.regex(error!.detail, /^p_execution_id: /);
});
