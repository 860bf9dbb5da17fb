// The cascade on never-analysed tables (issue 23 item 4): what ff_complete_execution and
// ff_cascade_step run when they release or skip the children of one execution of a large flow reads
// those children's rows through keys, never the whole flow. Checked by plan shape (auto_explain,
// nested statements), not by time; by "no Seq Scan on these tables", not by index names.
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { plansOf, repeatedScans } from '../helpers/plans.js';
import type pg from 'pg';

const FLOW_TABLES = ['ff_exec_core', 'ff_edge', 'ff_edge_group'];
const CHAIN = 10_000; // filler: the flow's bulk, a chain of members and edges
const CHILDREN = 300; // the root's children, each with one child of its own

/** A fresh database whose flow tables are never analysed (autovacuum off on them) holding a started flow. */
async function largeFreshFlow(db: pg.Pool): Promise<{ flowId: string; root: string; children: string[] }> {
  for (const table of FLOW_TABLES) await db.query(`ALTER TABLE flowfabric.${table} SET (autovacuum_enabled = false)`);
  const flowId = randomUUID();
  const root = randomUUID();
  const children = Array.from({ length: CHILDREN }, () => randomUUID());
  const grandchildren = children.map(() => randomUUID());
  const chain = Array.from({ length: CHAIN }, () => randomUUID());
  const link = (up: string, down: string) => ({
    edge_id: randomUUID(),
    upstream_execution_id: up,
    downstream_execution_id: down,
  });
  const plan = {
    executions: [root, ...children, ...grandchildren, ...chain].map((id) => ({ execution_id: id, task_identifier: 'work' })),
    edges: [
      ...children.map((c) => link(root, c)),
      ...children.map((c, i) => link(c, grandchildren[i]!)),
      ...chain.slice(1).map((id, i) => link(chain[i]!, id)),
    ],
  };
  await db.query('SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1::uuid, p_plan => $2::jsonb)', [
    flowId,
    JSON.stringify(plan),
  ]);
  await db.query('SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1::uuid)', [flowId]);
  return { flowId, root, children };
}

async function canonical(db: pg.Pool, id: string): Promise<string> {
  const { rows } = await db.query(
    'SELECT flowfabric._canonical_execution_id(partition_key, execution_id) AS id FROM flowfabric.ff_exec_core WHERE execution_id = $1::uuid',
    [id],
  );
  return rows[0].id;
}

async function neverAnalysed(db: pg.Pool): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT bool_and(last_analyze IS NULL AND last_autoanalyze IS NULL) AS never FROM pg_stat_user_tables
     WHERE schemaname = 'flowfabric' AND relname = ANY ($1)`,
    [FLOW_TABLES],
  );
  return rows[0].never;
}

async function plansOfCall(db: pg.Pool, sql: string, values: unknown[]): Promise<string[]> {
  const client = await db.connect();
  try {
    return await plansOf(client, sql, values, true);
  } finally {
    client.release();
  }
}

async function completionPlans(db: pg.Pool, root: string): Promise<string[]> {
  return plansOfCall(db, `SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'success')`, [
    await canonical(db, root),
  ]);
}

const seqScans = (plans: string[]) => plans.filter((p) => /Seq Scan on ff_(edge|exec_core|edge_group)\b/.test(p));

/**
 * Plan nodes that read about the whole flow however they get there (an index scan on the flow's
 * key alone, a filter or join filter discarding more than `bound` rows, or rows x loops over it);
 * needs plans taken with `analyze`.
 */
function flowReads(plans: string[], bound = CHAIN / 2): string[] {
  const found: string[] = [];
  for (const line of plans.flatMap((p) => p.split('\n'))) {
    const actual = /actual rows=(\d+) loops=(\d+)/.exec(line);
    const removed = /Rows Removed by (?:Join )?Filter: (\d+)/.exec(line);
    if ((actual && Number(actual[1]) * Number(actual[2]) > bound) || (removed && Number(removed[1]) > bound))
      found.push(line.trim());
  }
  return found;
}

test('on never-analysed tables, a completion that releases 300 children of a 10,600-member flow runs no Seq Scan on its tables', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  const { flowId, root } = await largeFreshFlow(db);
  const plans = await completionPlans(db, root);
  t.true(await neverAnalysed(db), 'the flow tables were never analysed');
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM flowfabric.ff_exec_core WHERE flow_id = $1 AND eligibility_state = 'eligible_now' AND lifecycle_phase = 'runnable'`,
    [flowId],
  );
  t.is(rows[0].n, CHILDREN + 1, 'the children were released (and the chain head still waits)');
  t.deepEqual(seqScans(plans), []);
});

// On fresh tables the planner takes the primary keys' (partition_key, flow_id) or partition_key
// prefix for one row, so _resolve_edges and the child locks of its callers are written as one key
// probe per child (issue 23 item 4): nothing here may read the flow's 10,600 members.
test('on never-analysed tables, no statement of a completion that releases 300 children reads the whole 10,600-member flow', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  const { root } = await largeFreshFlow(db);
  const plans = await completionPlans(db, root);
  t.true(await neverAnalysed(db), 'the flow tables were never analysed');
  t.deepEqual(flowReads(plans), []);
});

test('on never-analysed tables, the cascade step of a skipped child of a 10,600-member flow runs no Seq Scan on its tables', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  const { flowId, root, children } = await largeFreshFlow(db);
  // A failed root skips its 300 children; each child's own edges are left to its cascade job.
  await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'failed')`, [
    await canonical(db, root),
  ]);
  const child = await canonical(db, children[0]!);
  t.is(
    (await db.query('SELECT terminal_outcome FROM flowfabric.ff_exec_core WHERE execution_id = $1::uuid', [children[0]])).rows[0]
      .terminal_outcome,
    'skipped',
  );
  const plans = await plansOfCall(db, 'SELECT * FROM flowfabric.ff_cascade_step(p_execution_id => $1)', [child]);
  t.true(await neverAnalysed(db), 'the flow tables were never analysed');
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM flowfabric.ff_exec_core WHERE flow_id = $1 AND terminal_outcome = 'skipped'`,
    [flowId],
  );
  t.is(rows[0].n, CHILDREN + 1, "the step skipped the child's own child");
  t.deepEqual(seqScans(plans), []);
  t.deepEqual(repeatedScans(plans), []);
});

// The same in the step, whose one skipped child decides its own child's group.
test('on never-analysed tables, no statement of the cascade step of a skipped child reads the whole 10,600-member flow', async (t) => {
  t.timeout(180_000);
  const db = await testDatabase(t);
  const { root, children } = await largeFreshFlow(db);
  await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => 'failed')`, [
    await canonical(db, root),
  ]);
  const plans = await plansOfCall(db, 'SELECT * FROM flowfabric.ff_cascade_step(p_execution_id => $1)', [
    await canonical(db, children[0]!),
  ]);
  t.true(await neverAnalysed(db), 'the flow tables were never analysed');
  t.deepEqual(flowReads(plans), []);
});
