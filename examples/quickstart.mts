// A three-step flow, extract -> transform -> load, with typed tasks: planned, run by a worker in
// this process, waited for, and its results printed. Save it as quickstart.mts in an app that ran
// `npm install flowstage` and `npm install -D tsx`, then:
//   DATABASE_URL=postgres://user@host:5432/db npx tsx quickstart.mts
// (.mts: an ES module whatever package.json's "type" says, so top-level await works.)
import { randomUUID } from 'node:crypto';
import { FlowPlan, createPool, defineTasks, listMembers, migrate, quietLogFactory, run, waitForFlow } from 'flowstage';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('set DATABASE_URL to the database to install flowstage in');

// Each task's input (its payload, with its parents' results under their keys) and output, once.
const tasks = defineTasks<{
  extract: { input: { source: string }; output: { rows: number[] } };
  transform: { input: { extracted: { rows: number[] } }; output: { rows: number[] } };
  load: { input: { transformed: { rows: number[] } }; output: { loaded: number; total: number } };
}>();

await migrate(connectionString); // installs or upgrades flowstage in that database; a no-op when up to date
const db = createPool(connectionString);

// The flow: each step names its task; `inputs` passes a parent's result in under a key.
const plan = new FlowPlan(randomUUID(), {
  extract: tasks.step('extract', { payload: { source: 'orders.csv' } }),
  transform: tasks.step('transform', { inputs: { extracted: 'extract' } }),
  load: tasks.step('load', { inputs: { transformed: 'transform' } }),
});
const submitted = await plan.submit(db, { start: true }); // one transaction: create, stage, start
console.log(
  `flow ${submitted.status}: ${submitted.executions_created} executions, ${submitted.edges_applied} edges, started: ${submitted.started}`,
);

// A worker in this process runs the tasks (tsc checks each payload and result against the types).
const worker = await run({
  connectionString,
  noHandleSignals: true,
  logFactory: quietLogFactory, // warnings and errors only
  taskList: tasks.implement({
    extract: async ({ source }) => {
      console.log(`extract: reading ${source}`);
      return { rows: [3, 1, 2] };
    },
    transform: async ({ extracted }) => ({ rows: extracted.rows.map((n) => n * 10).sort((a, b) => a - b) }),
    load: async ({ transformed }) => ({ loaded: transformed.rows.length, total: transformed.rows.reduce((a, b) => a + b, 0) }),
  }),
});

const flow = await waitForFlow(db, plan.flowId, { timeoutMs: 60_000 });
await worker.stop();
console.log(`flow ${flow.public_flow_state}`);
const members = new Map((await listMembers(db, { flowId: plan.flowId })).map((m) => [m.execution_id, m]));
for (const [step, id] of Object.entries(submitted.ids)) {
  const member = members.get(id)!;
  console.log(
    `  ${step}: ${member.public_state} after ${member.attempt_count} attempt(s), result ${JSON.stringify(member.result)}`,
  );
}
await db.end();
