// When a step fails (docs/failures.md): a retried step, its explanation, and a replay.
// In this repository: DATABASE_URL=postgres://user@host/db node --conditions=flowstage-source --import=tsx scripts/failures-example.ts
// (test/client/failures-example.test.ts runs this file and compares its output with
// test/client/fixtures/failures-example.out.txt; npm run generate:docs copies both into docs/failures.md.)
import pg from 'pg';
import { FlowPlan, explainExecution, listMembers, migrate, replayExecution, run, waitForFlow } from 'flowstage';

const connectionString = process.env.DATABASE_URL!;
await migrate(connectionString);
const pool = new pg.Pool({ connectionString });

let reports = 0;
const worker = await run({
  connectionString,
  pollInterval: 100,
  noHandleSignals: true,
  logFactory: () => () => {},
  taskList: {
    // A flaky upstream: the first attempt fails, the retry succeeds.
    fetch: (_payload, helpers) => {
      if (helpers.attempt === 1) throw new Error('connection refused');
      return { rows: 3 };
    },
    report: (payload) => {
      reports++;
      return `report of ${(payload as { data: { rows: number } }).data.rows} rows`;
    },
  },
});
worker.events.on('retry_scheduled', (event) =>
  console.log(`retry_scheduled: attempt ${event.attempt} failed (${event.reason}); retry ${event.retryCount}`),
);

const plan = new FlowPlan('5e1f0000-0000-4000-8000-000000000017', {
  fetch: { task: 'fetch', policy: { max_retries: 2, backoff: { type: 'fixed', delay_ms: 200 } } },
  report: { task: 'report', inputs: { data: 'fetch' } },
});
const { ids } = await plan.submit(pool, { start: true });
console.log(`flow ${(await waitForFlow(pool, plan.flowId)).public_flow_state}`);
for (const member of await listMembers(pool, { flowId: plan.flowId })) {
  const name = member.execution_id === ids.fetch ? 'fetch' : 'report';
  const policy = member.policy as { max_retries: number }; // the resolved run policy
  console.log(
    `${name}: ${member.public_state} after ${member.attempt_count} attempt(s), retry_count ${member.retry_count}, ` +
      `last failure: ${member.failure_reason ?? 'none'}, max_retries ${policy.max_retries}`,
  );
}

// Run the report again (say its template changed): the flow reopens and finishes again.
const [replayed] = await replayExecution(pool, { executionId: ids.report });
console.log(`replayed report: replay_count ${replayed.replay_count}, ${replayed.eligibility_state}`);
console.log(`flow ${(await waitForFlow(pool, plan.flowId)).public_flow_state} again; report ran ${reports} times`);
const [why] = await explainExecution(pool, { flowId: plan.flowId, executionId: ids.fetch });
console.log(`fetch: ${why.reason}`);

await worker.stop();
await pool.end();
