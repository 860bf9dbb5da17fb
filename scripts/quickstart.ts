// Quickstart: stage a three-step DAG with the generated client, call by call, and start it
// (examples/quickstart.mts then runs such a flow to its end with a worker).
// From an app that installed the package and tsx (npm install -D tsx), saved as quickstart.mts:
//   DATABASE_URL=postgres://user@host/db npx tsx quickstart.mts
// In this repository (where 'flowstage' resolves to src/ under the flowstage-source condition):
//   DATABASE_URL=postgres://user@host/db node --conditions=flowstage-source --import=tsx scripts/quickstart.ts
// (test/client/readme-example.test.ts runs this file and compares its output with quickstart.out.txt.)
import pg from 'pg';
import {
  CycleDetectedError,
  StaleGraphRevisionError,
  addExecutionToFlow,
  applyDependencyToChild,
  createExecution,
  createFlow,
  describeFlow,
  migrate,
  stageDependencyEdge,
  startFlow,
  withRevisionRetry,
  withTransaction,
} from 'flowstage';

const connectionString = process.env.DATABASE_URL!;
await migrate(connectionString); // installs or upgrades schema flowfabric; a no-op when up to date
const pool = new pg.Pool({ connectionString });

const flowId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const [flow] = await createFlow(pool, { flowId, namespace: 'quickstart' });
console.log(`flow ${flow.status} on partition ${flow.partition_key}, revision ${flow.graph_revision}`);

// The client runs on a pool, or on a client inside your own transaction.
const [extract, transform, load] = await withTransaction(pool, async (tx) => {
  const ids: string[] = [];
  const steps = {
    extract: '0a0a0a0a-0000-4000-8000-000000000001',
    transform: '0a0a0a0a-0000-4000-8000-000000000002',
    load: '0a0a0a0a-0000-4000-8000-000000000003',
  };
  for (const [task, uuid] of Object.entries(steps)) {
    // taskIdentifier: the worker task that will run it (run({ taskList: { extract, ... } })).
    const [execution] = await createExecution(tx, { executionId: uuid, flowId, taskIdentifier: task });
    const [member] = await addExecutionToFlow(tx, { flowId, executionId: execution.execution_id });
    ids.push(member.execution_id);
  }
  return ids as [string, string, string];
});
console.log(`members ${extract}, ${transform}, ${load}`);

// Stage edges against the revision just read; if another writer changes the graph first, the
// callback runs again with the new revision (exact re-stages answer already_staged).
const edges = [
  { edgeId: 'e0000000-0000-4000-8000-000000000001', upstreamExecutionId: extract, downstreamExecutionId: transform },
  { edgeId: 'e0000000-0000-4000-8000-000000000002', upstreamExecutionId: transform, downstreamExecutionId: load },
];
const revision = await withRevisionRetry(pool, flowId, async ({ graphRevision }) => {
  let expectedGraphRevision = graphRevision;
  for (const edge of edges) {
    const [staged] = await stageDependencyEdge(pool, { flowId, ...edge, expectedGraphRevision });
    if (staged.status === 'staged') expectedGraphRevision = staged.graph_revision;
  }
  return expectedGraphRevision;
});
console.log(`edges staged, revision ${revision}`);

// Refusals are typed errors.
try {
  await stageDependencyEdge(pool, {
    flowId,
    edgeId: 'e0000000-0000-4000-8000-000000000003',
    upstreamExecutionId: load,
    downstreamExecutionId: extract,
    expectedGraphRevision: revision,
  });
} catch (error) {
  if (!(error instanceof CycleDetectedError)) throw error;
  console.log(`${error.code} (${error.sqlstate}): ${error.cyclePath.join(' -> ')}`);
}
try {
  await stageDependencyEdge(pool, {
    flowId,
    edgeId: 'e0000000-0000-4000-8000-000000000004',
    upstreamExecutionId: extract,
    downstreamExecutionId: load,
    expectedGraphRevision: 0,
  });
} catch (error) {
  if (!(error instanceof StaleGraphRevisionError)) throw error;
  console.log(`${error.code} (${error.sqlstate}, retryable: ${error.retryable}): ${error.detail}`);
}

for (const edge of edges) {
  const [applied] = await applyDependencyToChild(pool, { flowId, edgeId: edge.edgeId });
  console.log(`${applied.status} ${applied.edge_id}: ${applied.downstream_execution_id} waits for ${applied.unsatisfied_count}`);
}
// Nothing runs before the start; then extract, which waits for nothing, gets its worker job.
const [started] = await startFlow(pool, { flowId });
console.log(`flow ${started.status}: ${started.enqueued_count} job enqueued`);
const [described] = await describeFlow(pool, { flowId });
console.log(
  `flow ${described.public_flow_state}: revision ${described.graph_revision}, ${described.node_count} nodes, ${described.edge_count} edges`,
);
await pool.end();
