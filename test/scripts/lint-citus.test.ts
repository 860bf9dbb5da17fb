// scripts/lint-citus.ts (npm run lint:citus): each distribution rule of docs/conventions.md 17
// catches a deliberate violation in a scratch table or function, and a fresh install has none.
import test from 'ava';
import { citusFindings, type CitusRule } from '../../scripts/lib/citus-rules.js';
import { testDatabase } from '../helpers/database.js';

// A flow-scoped scratch table (it has partition_key) with an identity column, like ff_flow_event.
const SCRATCH_TABLE = `
  CREATE TABLE flowfabric.scratch_flow (
    partition_key smallint NOT NULL,
    item_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    doc jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (partition_key, item_id, seq))`;

function plpgsql(name: string, body: string, config = ''): string {
  return `CREATE FUNCTION flowfabric.${name}(p_partition smallint, p_id uuid) RETURNS void
    LANGUAGE plpgsql ${config} SET search_path = flowfabric, pg_catalog, pg_temp AS $$ ${body} $$`;
}

async function findingsAfter(t: Parameters<typeof testDatabase>[0], ...statements: string[]) {
  const db = await testDatabase(t);
  await db.query(SCRATCH_TABLE);
  for (const statement of statements) await db.query(statement);
  return citusFindings(db);
}

function caught(findings: Awaited<ReturnType<typeof citusFindings>>, rule: CitusRule, object: string): boolean {
  return findings.some((f) => f.rule === rule && f.object.includes(object));
}

test('a fresh install breaks no distribution rule', async (t) => {
  const db = await testDatabase(t);
  t.deepEqual(await citusFindings(db), []);
});

test('a unique index on a flow-scoped table without partition_key is caught, one with it is not', async (t) => {
  const findings = await findingsAfter(
    t,
    'CREATE UNIQUE INDEX scratch_by_item ON flowfabric.scratch_flow (item_id)',
    'CREATE UNIQUE INDEX scratch_by_key_item ON flowfabric.scratch_flow (partition_key, item_id)',
  );
  t.true(caught(findings, 'unique-without-partition-key', 'scratch_by_item'));
  t.false(caught(findings, 'unique-without-partition-key', 'scratch_by_key_item'));
});

test('SET plan_cache_mode = force_generic_plan on a function reading a flow-scoped table is caught', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_generic',
      'BEGIN PERFORM 1 FROM scratch_flow WHERE partition_key = p_partition; END;',
      'SET plan_cache_mode = force_generic_plan',
    ),
    plpgsql('scratch_generic_local', 'BEGIN NULL; END;', 'SET plan_cache_mode = force_generic_plan'),
  );
  t.true(caught(findings, 'force-generic-plan', 'scratch_generic('));
  t.false(caught(findings, 'force-generic-plan', 'scratch_generic_local'));
});

test('a bare table alias passed to a function is caught, ROW(alias.*)::type is not', async (t) => {
  const findings = await findingsAfter(
    t,
    `CREATE FUNCTION flowfabric.scratch_take(p_row flowfabric.scratch_flow) RETURNS int LANGUAGE plpgsql
       SET search_path = flowfabric, pg_catalog, pg_temp AS $$ BEGIN RETURN 1; END; $$`,
    plpgsql('scratch_whole_row', 'BEGIN PERFORM scratch_take(s) FROM scratch_flow s WHERE s.partition_key = p_partition; END;'),
    plpgsql(
      'scratch_row_cast',
      'BEGIN PERFORM scratch_take(ROW(s.*)::scratch_flow) FROM scratch_flow s WHERE s.partition_key = p_partition; END;',
    ),
  );
  t.true(caught(findings, 'whole-row-argument', 'scratch_whole_row'));
  t.false(caught(findings, 'whole-row-argument', 'scratch_row_cast'));
});

test('a STABLE function over a column inside UPDATE ... SET is caught, over parameters only it is not', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_stable_set',
      `BEGIN UPDATE scratch_flow SET doc = jsonb_build_object('old', doc)
      WHERE partition_key = p_partition AND item_id = p_id; END;`,
    ),
    plpgsql(
      'scratch_param_set',
      `BEGIN UPDATE scratch_flow SET doc = doc || jsonb_build_object('id', p_id)
      WHERE partition_key = p_partition AND item_id = p_id; END;`,
    ),
  );
  t.true(caught(findings, 'non-immutable-in-update-set', 'scratch_stable_set'));
  t.false(caught(findings, 'non-immutable-in-update-set', 'scratch_param_set'));
});

test('a LANGUAGE sql function reading a flowstage table is caught', async (t) => {
  const findings = await findingsAfter(
    t,
    `CREATE FUNCTION flowfabric.scratch_sql(p_partition smallint) RETURNS bigint LANGUAGE sql
       SET search_path = flowfabric, pg_catalog, pg_temp AS $$ SELECT count(*) FROM scratch_flow WHERE partition_key = p_partition $$`,
  );
  t.true(caught(findings, 'sql-function-on-tables', 'scratch_sql'));
});

test('FOR UPDATE on a flow-scoped table without a partition_key filter is caught, with one it is not', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql('scratch_lock_any', 'BEGIN PERFORM 1 FROM scratch_flow s WHERE s.item_id = p_id FOR UPDATE; END;'),
    plpgsql(
      'scratch_lock_shard',
      'BEGIN PERFORM 1 FROM scratch_flow s WHERE s.partition_key = p_partition AND s.item_id = p_id FOR UPDATE; END;',
    ),
  );
  t.true(caught(findings, 'lock-without-partition-key', 'scratch_lock_any'));
  t.false(caught(findings, 'lock-without-partition-key', 'scratch_lock_shard'));
});

test('FOR UPDATE whose partition_key is only joined to a column is caught; compared with a variable or its field it is not', async (t) => {
  // Citus refused ff_prune_flows' join of the locked rows to its candidates on partition_key
  // ("could not run distributed query with FOR UPDATE/SHARE commands"): a lock needs a value.
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_lock_join',
      `BEGIN PERFORM 1 FROM scratch_flow s JOIN unnest(ARRAY[p_partition], ARRAY[p_id]) c(partition_key, item_id)
         ON s.partition_key = c.partition_key AND s.item_id = c.item_id FOR UPDATE OF s; END;`,
    ),
    plpgsql(
      'scratch_lock_field',
      `DECLARE v_row scratch_flow; BEGIN
         SELECT * INTO v_row FROM scratch_flow WHERE partition_key = p_partition AND item_id = p_id;
         PERFORM 1 FROM scratch_flow s WHERE s.partition_key = v_row.partition_key AND s.item_id = p_id FOR UPDATE; END;`,
    ),
  );
  t.true(caught(findings, 'lock-without-partition-key', 'scratch_lock_join'));
  t.false(caught(findings, 'lock-without-partition-key', 'scratch_lock_field'));
});

test('a fenced subquery (OFFSET 0) in a locking statement that only correlates on partition_key is caught', async (t) => {
  // On the cluster the same NOT EXISTS ran without OFFSET 0 (pulled up into the locked table's
  // shard) and was refused with it, until it compared partition_key with the value itself.
  const probe = (partition: string) =>
    `BEGIN PERFORM 1 FROM scratch_flow s WHERE s.partition_key = p_partition AND s.item_id = p_id
       AND NOT EXISTS (SELECT 1 FROM scratch_flow o WHERE o.partition_key = ${partition} AND o.doc ? 'x' OFFSET 0)
       FOR UPDATE OF s; END;`;
  const findings = await findingsAfter(
    t,
    plpgsql('scratch_lock_fenced', probe('s.partition_key')),
    plpgsql('scratch_lock_fenced_value', probe('p_partition')),
    plpgsql(
      'scratch_lock_unfenced',
      `BEGIN PERFORM 1 FROM scratch_flow s WHERE s.partition_key = p_partition AND s.item_id = p_id
         AND NOT EXISTS (SELECT 1 FROM scratch_flow o WHERE o.partition_key = s.partition_key AND o.doc ? 'x')
         FOR UPDATE OF s; END;`,
    ),
  );
  t.true(caught(findings, 'lock-without-partition-key', 'scratch_lock_fenced('));
  t.false(caught(findings, 'lock-without-partition-key', 'scratch_lock_fenced_value'));
  t.false(caught(findings, 'lock-without-partition-key', 'scratch_lock_unfenced'));
});

test('in a statement for one shard, a fenced subquery or one inside UPDATE ... SET correlated only on partition_key is caught', async (t) => {
  // On the cluster the fenced probe was refused ("cannot push down this subquery") and the UPDATE
  // ran on every shard, until each subquery compared partition_key with the statement's value.
  const probe = (partition: string) =>
    `BEGIN PERFORM u.doc FROM scratch_flow s
       LEFT JOIN LATERAL (SELECT o.doc FROM scratch_flow o WHERE o.partition_key = ${partition} AND o.item_id = s.item_id OFFSET 0) u ON true
       WHERE s.partition_key = p_partition AND s.item_id = p_id; END;`;
  const update = (partition: string) =>
    `BEGIN UPDATE scratch_flow s SET doc = (SELECT jsonb_agg(o.item_id) FROM scratch_flow o WHERE o.partition_key = ${partition})
       WHERE s.partition_key = p_partition AND s.item_id = p_id; END;`;
  const findings = await findingsAfter(
    t,
    plpgsql('scratch_probe_column', probe('s.partition_key')),
    plpgsql('scratch_probe_value', probe('p_partition')),
    plpgsql('scratch_set_column', update('s.partition_key')),
    plpgsql('scratch_set_value', update('p_partition')),
  );
  t.true(caught(findings, 'shard-subquery-without-value', 'scratch_probe_column'));
  t.false(caught(findings, 'shard-subquery-without-value', 'scratch_probe_value'));
  t.true(caught(findings, 'shard-subquery-without-value', 'scratch_set_column'));
  t.false(caught(findings, 'shard-subquery-without-value', 'scratch_set_value'));
});

test('a subquery among the VALUES of an INSERT into a flow-scoped table is caught, a variable computed first is not', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_insert_subquery',
      `BEGIN INSERT INTO scratch_flow (partition_key, item_id, doc)
         VALUES (p_partition, p_id, (SELECT jsonb_agg(x) FROM unnest(ARRAY[1, 2]) x)); END;`,
    ),
    plpgsql(
      'scratch_insert_variable',
      `DECLARE v_doc jsonb; BEGIN SELECT jsonb_agg(x) INTO v_doc FROM unnest(ARRAY[1, 2]) x;
         INSERT INTO scratch_flow (partition_key, item_id, doc) VALUES (p_partition, p_id, v_doc); END;`,
    ),
  );
  t.true(caught(findings, 'subquery-in-insert-values', 'scratch_insert_subquery'));
  t.false(caught(findings, 'subquery-in-insert-values', 'scratch_insert_variable'));
});

test('a recursive CTE over a flow-scoped table without a partition_key filter in its step is caught', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_walk_any',
      `BEGIN PERFORM 1 FROM (WITH RECURSIVE w(id) AS (
        SELECT s.item_id FROM scratch_flow s WHERE s.partition_key = p_partition AND s.item_id = p_id
        UNION SELECT s.item_id FROM scratch_flow s JOIN w ON (s.doc->>'next')::uuid = w.id) SELECT * FROM w) x; END;`,
    ),
    plpgsql(
      'scratch_walk_shard',
      `BEGIN PERFORM 1 FROM (WITH RECURSIVE w(id) AS (
        SELECT s.item_id FROM scratch_flow s WHERE s.partition_key = p_partition AND s.item_id = p_id
        UNION SELECT s.item_id FROM scratch_flow s JOIN w ON s.partition_key = p_partition AND (s.doc->>'next')::uuid = w.id)
        SELECT * FROM w) x; END;`,
    ),
  );
  t.true(caught(findings, 'recursive-cte-without-partition-key', 'scratch_walk_any'));
  t.false(caught(findings, 'recursive-cte-without-partition-key', 'scratch_walk_shard'));
});

test('a data-modifying CTE inserting into a table with an identity key is caught, a plain INSERT is not', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_cte_insert',
      `BEGIN WITH added AS (INSERT INTO scratch_flow (partition_key, item_id) VALUES (p_partition, p_id) RETURNING seq)
      SELECT count(*) FROM added INTO STRICT p_partition; END;`,
    ),
    plpgsql('scratch_plain_insert', 'BEGIN INSERT INTO scratch_flow (partition_key, item_id) VALUES (p_partition, p_id); END;'),
  );
  t.true(caught(findings, 'identity-insert-in-cte', 'scratch_cte_insert'));
  t.false(caught(findings, 'identity-insert-in-cte', 'scratch_plain_insert'));
});

test('a subquery correlated with the outer query on anything but partition_key is caught', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_correlated_any',
      `BEGIN PERFORM 1 FROM scratch_flow a WHERE a.partition_key = p_partition
      AND EXISTS (SELECT 1 FROM scratch_flow b WHERE b.item_id = a.item_id AND b.seq > a.seq); END;`,
    ),
    plpgsql(
      'scratch_correlated_shard',
      `BEGIN PERFORM 1 FROM scratch_flow a WHERE a.partition_key = p_partition
      AND EXISTS (SELECT 1 FROM scratch_flow b WHERE b.partition_key = a.partition_key AND b.item_id = a.item_id); END;`,
    ),
  );
  t.true(caught(findings, 'correlated-subquery-without-partition-key', 'scratch_correlated_any'));
  t.false(caught(findings, 'correlated-subquery-without-partition-key', 'scratch_correlated_shard'));
});

test('CASE <expression> WHEN inside UPDATE ... SET of a flow-scoped table is caught, a searched CASE is not', async (t) => {
  const findings = await findingsAfter(
    t,
    plpgsql(
      'scratch_simple_case',
      `BEGIN UPDATE scratch_flow SET doc = CASE doc->>'k' WHEN 'a' THEN '{}'::jsonb ELSE doc END
      WHERE partition_key = p_partition AND item_id = p_id; END;`,
    ),
    plpgsql(
      'scratch_searched_case',
      `BEGIN UPDATE scratch_flow SET doc = CASE WHEN doc->>'k' = 'a' THEN '{}'::jsonb ELSE doc END
      WHERE partition_key = p_partition AND item_id = p_id; END;`,
    ),
  );
  t.true(caught(findings, 'simple-case-in-update', 'scratch_simple_case'));
  t.false(caught(findings, 'simple-case-in-update', 'scratch_searched_case'));
});

test("a function reading our tables, or Graphile Worker's, called inside a statement on a flow-scoped table is caught, on its own it is not", async (t) => {
  const findings = await findingsAfter(
    t,
    `CREATE FUNCTION flowfabric.scratch_count(p_partition smallint) RETURNS bigint LANGUAGE plpgsql
       SET search_path = flowfabric, pg_catalog, pg_temp AS $$
       BEGIN RETURN (SELECT count(*) FROM ff_error); END; $$`,
    plpgsql(
      'scratch_nested',
      `BEGIN PERFORM 1 FROM scratch_flow s WHERE s.partition_key = p_partition
      AND s.seq < scratch_count(p_partition); END;`,
    ),
    plpgsql(
      'scratch_nested_queue',
      `BEGIN PERFORM graphile_worker.remove_job('k' || s.item_id) FROM scratch_flow s WHERE s.partition_key = p_partition; END;`,
    ),
    plpgsql('scratch_own_statement', `BEGIN PERFORM scratch_count(p_partition); END;`),
  );
  t.true(caught(findings, 'nested-distributed-call', 'scratch_nested('));
  t.true(caught(findings, 'nested-distributed-call', 'scratch_nested_queue'));
  t.false(caught(findings, 'nested-distributed-call', 'scratch_own_statement'));
});
