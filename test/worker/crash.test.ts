// Crash safety: a random 200-node DAG run by a worker process that is SIGKILLed at random
// moments and restarted ends in exactly the state of an uninterrupted run of the same DAG, with
// no manual step: the jobs a killed worker held locked are unlocked by the next worker once the
// dead one's heartbeat lease runs out (ff_reap_dead_workers).
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionStringOf } from '../helpers/database.js';
import { edge, jobs, member, policy, startFlow, waitFor } from '../helpers/cascade.js';
import { createFlow, type Flow, flowRow, uuidOf } from '../helpers/fixtures.js';
import { testDatabase } from '../helpers/database.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
const NODES = 200;

/** mulberry32: a seeded PRNG, so both runs build the same DAG. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  fail: boolean[];
  parents: number[][];
  policies: ({ kind: 'all_of' } | { kind: 'any_of' } | { kind: 'quorum'; k: number })[];
}

function plan(seed: number): Plan {
  const random = prng(seed);
  const p: Plan = { fail: [], parents: [], policies: [] };
  for (let i = 0; i < NODES; i++) {
    p.fail.push(random() < 0.06);
    const parents = new Set<number>();
    const wanted = i === 0 ? 0 : Math.floor(random() * 4); // 0..3 parents among the 30 nodes before
    for (let n = 0; n < wanted; n++) parents.add(Math.max(0, i - 1 - Math.floor(random() * 30)));
    p.parents.push([...parents].sort((a, b) => a - b));
    const r = random();
    const size = parents.size;
    p.policies.push(
      size < 2 || r < 0.5
        ? { kind: 'all_of' }
        : r < 0.75
          ? { kind: 'any_of' }
          : { kind: 'quorum', k: 1 + Math.floor(random() * size) },
    );
  }
  return p;
}

async function build(flow: Flow, p: Plan): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < NODES; i++) {
    ids.push(await member(flow, { task: 'crash_node', payload: { i, fail: p.fail[i], sleep_ms: (i * 7) % 13 } }));
  }
  for (let i = 0; i < NODES; i++) {
    const policyOf = p.policies[i]!;
    if (policyOf.kind === 'any_of') await policy(flow, ids[i]!, 'any_of', { onSatisfied: 'let_run' });
    if (policyOf.kind === 'quorum') await policy(flow, ids[i]!, 'quorum', { onSatisfied: 'let_run', k: policyOf.k });
    for (const parent of p.parents[i]!) await edge(flow, ids[parent]!, ids[i]!, { ref: `from_${parent}` });
  }
  return ids;
}

function startWorker(connectionString: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, connectionString], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

async function finished(flow: Flow): Promise<boolean> {
  return (await flowRow(flow.db, flow.flowId)).public_flow_state !== 'open' && (await jobs(flow.db)).length === 0;
}

/**
 * Everything the cascade decides, keyed by node index: each execution's outcome, state and
 * result, each group's counters and decision, each edge's state and upstream outcome, the flow.
 * Payloads are left out (and failed executions' error texts): under any_of/quorum let_run a child may start before a late parent's
 * result is merged, which depends on timing even without crashes.
 */
async function snapshot(flow: Flow, ids: string[]) {
  const index = new Map(ids.map((id, i) => [uuidOf(id), i]));
  // A failed execution's result is its error, whose text depends on how its last attempt ended.
  const { rows: execs } = await flow.db.query(
    `SELECT execution_id, lifecycle_phase, public_state, terminal_outcome, eligibility_state,
            CASE WHEN terminal_outcome = 'success' THEN result END AS result
     FROM flowfabric.ff_exec_core WHERE flow_id = $1::uuid`,
    [flow.flowId],
  );
  const { rows: groups } = await flow.db.query(
    `SELECT downstream_eid, success_count, fail_count, skip_count, running_count, decision
     FROM flowfabric.ff_edge_group WHERE flow_id = $1::uuid`,
    [flow.flowId],
  );
  const { rows: edges } = await flow.db.query(
    `SELECT upstream_eid, downstream_eid, edge_state AS state, upstream_outcome AS outcome
     FROM flowfabric.ff_edge WHERE flow_id = $1::uuid`,
    [flow.flowId],
  );
  const strip = (row: Record<string, unknown>, ...keys: string[]): Record<string, unknown> =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
  return {
    flow: (await flowRow(flow.db, flow.flowId)).public_flow_state,
    executions: execs.map((r) => ({ i: index.get(r.execution_id), ...strip(r, 'execution_id') })).sort((a, b) => a.i! - b.i!),
    groups: groups.map((r) => ({ i: index.get(r.downstream_eid), ...strip(r, 'downstream_eid') })).sort((a, b) => a.i! - b.i!),
    edges: edges
      .map((r) => ({ up: index.get(r.upstream_eid), down: index.get(r.downstream_eid), state: r.state, outcome: r.outcome }))
      .sort((a, b) => a.down! - b.down! || a.up! - b.up!),
  };
}

test('a 200-node DAG killed with SIGKILL three times ends exactly as an uninterrupted run', async (t) => {
  t.timeout(120_000);
  const seed = 20261126;
  const p = plan(seed);

  // Uninterrupted run.
  const quietDb = await testDatabase(t);
  const quiet = await createFlow(quietDb);
  const quietIds = await build(quiet, p);
  await startFlow(quiet, { maxAttempts: 5 });
  const steady = await startWorker(connectionStringOf(quietDb));
  t.teardown(() => {
    steady.kill('SIGKILL');
  });
  await waitFor('the uninterrupted run', () => finished(quiet), 60_000);
  steady.kill('SIGTERM');
  const expected = await snapshot(quiet, quietIds);
  t.true(['completed', 'failed'].includes(expected.flow));
  t.true(expected.executions.every((e) => (e as Record<string, unknown>).lifecycle_phase === 'terminal'));

  // The same DAG, with the worker killed at random moments.
  const crashDb = await testDatabase(t);
  const crashed = await createFlow(crashDb);
  const crashIds = await build(crashed, p);
  await startFlow(crashed, { maxAttempts: 5 });
  let kills = 0;
  const progressAtKill: string[] = [];
  for (let round = 0; round < 3; round++) {
    const worker = await startWorker(connectionStringOf(crashDb));
    t.teardown(() => {
      worker.kill('SIGKILL');
    });
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 300)));
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
    kills++;
    const { rows } = await crashDb.query(
      `SELECT count(*) FILTER (WHERE lifecycle_phase = 'terminal')::int AS done FROM flowfabric.ff_exec_core`,
    );
    const { rows: locked } = await crashDb.query(
      'SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL',
    );
    progressAtKill.push(`${rows[0].done}/${NODES} terminal, ${locked[0].n} jobs locked`);
    // Nobody unlocks the dead worker's jobs by hand: the next worker reaps it once its lease
    // (1.5 s in the fixture) has run out (ff_reap_dead_workers).
    if (await finished(crashed)) break;
  }
  const last = await startWorker(connectionStringOf(crashDb));
  t.teardown(() => {
    last.kill('SIGKILL');
  });
  try {
    await waitFor('the interrupted run', () => finished(crashed), 60_000);
  } catch (error) {
    const { rows: stuck } = await crashDb.query(
      `SELECT execution_id, lifecycle_phase, public_state, eligibility_state FROM flowfabric.ff_exec_core
       WHERE lifecycle_phase <> 'terminal'`,
    );
    const { rows: queued } = await crashDb.query(
      'SELECT task_identifier, key, attempts, max_attempts, locked_by, last_error, run_at FROM graphile_worker.jobs',
    );
    t.log('not terminal:', stuck, 'jobs:', queued);
    throw error;
  }
  last.kill('SIGTERM');
  t.log(`killed at: ${progressAtKill.join('; ')}`);
  t.true(progressAtKill.length > 0 && !progressAtKill[0]!.startsWith(`${NODES}/`), 'the first kill came mid-run');
  t.log(
    `killed ${kills} times; flow ${expected.flow}; ${expected.executions.filter((e) => (e as Record<string, unknown>).terminal_outcome === 'skipped').length} skipped`,
  );

  t.deepEqual(await snapshot(crashed, crashIds), expected);
});
