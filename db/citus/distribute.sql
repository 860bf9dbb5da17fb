-- flowstage on Citus (docs/scale-out.md): distribute an installed flowstage across the cluster.
-- Run on the coordinator, as a superuser, once `flowstage migrate` has installed flowstage and
-- every worker has been added (citus_add_node):
--   psql -v ON_ERROR_STOP=1 -f db/citus/distribute.sql "$DATABASE_URL"     (or: flowstage citus distribute)
-- Idempotent: each step is taken only when missing, and says so in a NOTICE; a second run
-- changes nothing and prints none.
--   1. flowstage_owner may log in: the public functions are SECURITY DEFINER, and Citus opens
--      its connections to the workers as the role running the statement (ALTER ROLE is
--      propagated to every node; inter-node authentication is the DBA's: docs/scale-out.md).
--   2. Every flowfabric table with a partition_key column is distributed by it, all co-located
--      with ff_flow_core, so one flow's rows share a shard and every call on a flow runs there.
--      ff_flow_event keeps its append-only trigger (citus.enable_unsafe_triggers, set here only).
--   3. Every other flowfabric table (ff_error, ff_execution_home, ff_namespace_notify,
--      ff_worker_heartbeat, ff_migration_checksum) becomes a reference table: a copy on every node.
--   4. Graphile Worker's schema is left alone: its tables stay local to the coordinator, where
--      every flowstage call runs (the functions are not delegated to the workers).
--   5. The flowfabric functions are created on every node (create_distributed_function without
--      a distribution argument), since statements pushed to a shard call them there.
DO $flowstage_citus$
DECLARE
  v_table    regclass;
  v_function regprocedure;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = format('flowstage citus distribute: the citus extension is not installed in database %s', current_database()),
      HINT = 'On every node: shared_preload_libraries = ''citus'' and CREATE EXTENSION citus; on the coordinator: citus_add_node for each worker. Then run this again (docs/scale-out.md).';
  END IF;
  IF to_regnamespace('flowfabric') IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'undefined_schema',
      MESSAGE = 'flowstage citus distribute: flowstage is not installed in this database (schema "flowfabric" does not exist)',
      HINT = 'Install it first: flowstage migrate.';
  END IF;

  IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'flowstage_owner') THEN
    ALTER ROLE flowstage_owner LOGIN;
    RAISE NOTICE 'flowstage: flowstage_owner may log in (Citus connects to the workers as it)';
  END IF;

  PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
  -- One connection per node for the whole transaction: creating functions after the tables'
  -- shards were created in parallel is refused otherwise.
  PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  -- ff_flow_core first: the others are co-located with it.
  FOR v_table IN
    SELECT c.oid::regclass FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind = 'r'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'partition_key' AND NOT a.attisdropped)
    ORDER BY c.relname <> 'ff_flow_core', c.relname
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = v_table);
    IF v_table = 'flowfabric.ff_flow_core'::regclass THEN
      PERFORM create_distributed_table(v_table, 'partition_key');
    ELSE
      PERFORM create_distributed_table(v_table, 'partition_key', colocate_with => 'flowfabric.ff_flow_core');
    END IF;
    -- The shards hold the rows now; the coordinator's local copy goes, except under the log's
    -- append-only guard (which refuses TRUNCATE): that copy stays on disk, invisible.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = v_table AND NOT t.tgisinternal) THEN
      PERFORM truncate_local_data_after_distributing_table(v_table);
    END IF;
    RAISE NOTICE 'flowstage: distributed % by partition_key', v_table;
  END LOOP;

  FOR v_table IN
    SELECT c.oid::regclass FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind = 'r'
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'partition_key' AND NOT a.attisdropped)
    ORDER BY c.relname
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = v_table);
    PERFORM create_reference_table(v_table);
    PERFORM truncate_local_data_after_distributing_table(v_table);
    RAISE NOTICE 'flowstage: made % a reference table', v_table;
  END LOOP;

  FOR v_function IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.prokind = 'f'
      AND NOT EXISTS (SELECT 1 FROM pg_dist_object o WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid)
    ORDER BY p.oid::regprocedure::text
  LOOP
    PERFORM create_distributed_function(v_function);
    RAISE NOTICE 'flowstage: created % on every node', v_function;
  END LOOP;
END;
$flowstage_citus$;
