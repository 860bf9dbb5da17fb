// quietLogFactory: warnings and errors only, each message whole, without Graphile Worker's stack trace.
import test from 'ava';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { member, startFlow } from '../helpers/cascade.js';
import { createFlow } from '../helpers/fixtures.js';
import { quietLogFactory, run, waitForFlow } from '../../src/index.js';

test.serial("a failing task's log lines keep its whole message and drop the stack", async (t) => {
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  await member(flow, { task: 'broken' });
  const lines: string[] = [];
  const original = console.error;
  console.error = (text: unknown) => {
    lines.push(String(text));
  };
  t.teardown(() => {
    console.error = original;
  });
  const worker = await run({
    connectionString: connectionStringOf(db),
    concurrency: 1,
    pollInterval: 200,
    noHandleSignals: true,
    logFactory: quietLogFactory,
    taskList: {
      broken: () => {
        throw new Error('upload refused: 550\nquota exceeded');
      },
    },
  });
  t.teardown(() => worker.stop());
  await startFlow(flow, { maxAttempts: 2 }); // one retry (after 1 s): the first failure is a warning, the last an error
  await waitForFlow(db, flow.flowId, { timeoutMs: 60_000 });
  await worker.stop();
  console.error = original;
  const failed = lines.filter((l) => l.includes('broken'));
  t.is(failed.length, 2, lines.join('\n'));
  t.regex(
    failed[0],
    /^\[worker warning\] broken: execution \{fp:\d+\}:[0-9a-f-]{36} attempt 1 failed, retry 1 at [0-9T:.-]+Z: upload refused: 550\n {4}quota exceeded$/,
  );
  t.regex(
    failed[1],
    /^\[worker error\] broken: execution \{fp:\d+\}:[0-9a-f-]{36} failed after 2 attempt\(s\): upload refused: 550\n {4}quota exceeded$/,
  );
});
