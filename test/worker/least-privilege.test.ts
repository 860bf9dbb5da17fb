// run() when the worker connects as a login granted flowstage_writer plus the Graphile Worker
// grants of docs/operations.md#roles-and-privileges (not as the role that installed flowstage).
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { edge, execution, member, startFlow, waitFor } from '../helpers/cascade.js';
import { createFlow, flowRow } from '../helpers/fixtures.js';
import { createLogin } from '../helpers/logins.js';
import { run } from '../../src/worker/index.js';

/** The statements docs/operations.md gives a DBA for a worker login (keep the two in step). */
const workerGrants = (login: string) => [
  `GRANT USAGE ON SCHEMA graphile_worker TO ${login}`,
  `GRANT SELECT ON graphile_worker.migrations TO ${login}`,
  `GRANT SELECT, INSERT, UPDATE, DELETE ON graphile_worker._private_jobs, graphile_worker._private_job_queues,
     graphile_worker._private_tasks, graphile_worker._private_known_crontabs TO ${login}`,
  `GRANT USAGE ON ALL SEQUENCES IN SCHEMA graphile_worker TO ${login}`,
];

test('a worker connected as a flowstage_writer login with the documented Graphile Worker grants runs a flow to the end', async (t) => {
  const login = await createLogin(t, ['flowstage_writer']);
  const db = await testDatabase(t);
  for (const grant of workerGrants(login.name)) await db.query(grant);
  const flow = await createFlow(db);
  const a = await member(flow, { task: 'double', payload: { value: 2 } });
  const b = await member(flow, { task: 'double' });
  await edge(flow, a, b, { ref: 'value' });
  const worker = await run({
    connectionString: login.urlFor(connectionStringOf(db)),
    taskList: {
      double: (payload) => (payload as { value: number }).value * 2,
    },
    concurrency: 2,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: () => () => {},
  });
  t.teardown(() => worker.stop());
  await startFlow(flow);
  await waitFor('the flow to finish', async () => (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open');
  t.is((await flowRow(flow.db, flow.flowId)).public_flow_state, 'completed');
  t.is((await execution(db, b)).result, 8);
  const { rows } = await db.query(
    `SELECT DISTINCT actor FROM flowfabric.ff_flow_event
    WHERE flow_id = $1::uuid AND operation IN ('begin_attempt', 'complete_execution')`,
    [flow.flowId],
  );
  t.deepEqual(rows, [{ actor: login.name }]);
});
