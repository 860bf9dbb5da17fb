-- Who may call what (docs/semantics.md §8). Every public ff_ function is in exactly one class below, and
-- runs SECURITY DEFINER as flowstage_owner (its search_path pinned in its file): a caller needs no
-- right on any table, and the private _ helpers the functions call stay callable by the owner alone.
--   reader   reads and exports: EXECUTE for flowstage_reader and flowstage_writer.
--   writer   everything that changes a flow, including the calls only the worker makes
--            (ff_begin_attempt, ff_complete_execution, ff_cascade_step, ff_cancel_siblings_step,
--            ff_recover_jobs, ff_worker_heartbeat, ff_reap_dead_workers): the worker's login is an
--            application login like any other, and a separate worker role would not keep an
--            application from completing executions (ff_complete_execution is also how a task run
--            outside the worker reports). EXECUTE for flowstage_writer.
--   neither  maintenance a DBA runs as the installing role (or grants one by one): no EXECUTE.
-- A function missing from the lists, or listed but not installed, fails the migration: a new
-- function is granted to nobody by accident. Functions are re-created by every migration
-- (CREATE OR REPLACE resets SECURITY DEFINER), so this file runs after all of db/functions.
DO $flowstage_access$
DECLARE
  v_reader  text[] := ARRAY[
    'ff_describe_edge', 'ff_describe_flow', 'ff_describe_flow_at', 'ff_explain_execution',
    'ff_flow_partition', 'ff_flow_to_dot', 'ff_flow_to_mermaid', 'ff_list_edges', 'ff_list_flows',
    'ff_list_members', 'ff_check_invariants',
    -- the dashboard's reads
    'ff_describe_execution', 'ff_flow_graph', 'ff_flow_progress', 'ff_list_flow_events', 'ff_metrics', 'ff_poll_flow_events'];
  v_writer  text[] := ARRAY[
    'ff_add_execution_to_flow', 'ff_apply_dependency_to_child', 'ff_cancel_flow', 'ff_create_execution',
    'ff_create_flow', 'ff_resolve_dependency', 'ff_set_edge_group_policy', 'ff_set_namespace_notify',
    'ff_stage_dependency_edge', 'ff_stage_dependency_edges', 'ff_start_flow', 'ff_submit_flow',
    'ff_pause_flow', 'ff_resume_flow', 'ff_create_waitpoint', 'ff_suspend_execution',
    -- run policies (docs/semantics.md §9)
    'ff_fail_execution', 'ff_delay_execution', 'ff_expire_execution', 'ff_replay_execution', 'ff_change_priority',
    -- the worker's calls
    'ff_waitpoint_timeout', 'ff_begin_attempt', 'ff_cancel_siblings_step', 'ff_cascade_step', 'ff_complete_execution',
    'ff_reap_dead_workers', 'ff_recover_jobs', 'ff_worker_heartbeat'];
  v_neither text[] := ARRAY['ff_prune_flows'];
  -- signaler: ff_deliver_signal, for flowstage_signaler (which must present the waitpoint's token)
  -- and flowstage_writer (docs/semantics.md §10.2)
  v_signaler text[] := ARRAY['ff_deliver_signal'];
  v_listed    text[] := v_reader || v_writer || v_neither || v_signaler;
  v_installed text[];
  v_function  record;
  v_grantee   text;
BEGIN
  v_installed := ARRAY(SELECT DISTINCT p.proname::text FROM pg_proc p
                       WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname LIKE 'ff\_%' ORDER BY 1);
  IF EXISTS (SELECT FROM unnest(v_listed) n GROUP BY n HAVING count(*) > 1)
     OR NOT v_installed <@ v_listed OR NOT v_listed <@ v_installed THEN
    RAISE EXCEPTION USING ERRCODE = 'FFM02',
      MESSAGE = 'flowstage: the access classes of db/privileges/030_function_access.sql do not match the installed ff_ functions',
      DETAIL = format('Not classified: %s. Classified but not installed: %s. In more than one class: %s.',
        coalesce((SELECT string_agg(n, ', ') FROM unnest(v_installed) n WHERE n <> ALL (v_listed)), 'none'),
        coalesce((SELECT string_agg(n, ', ') FROM unnest(v_listed) n WHERE n <> ALL (v_installed)), 'none'),
        coalesce((SELECT string_agg(n, ', ') FROM (SELECT n FROM unnest(v_listed) n GROUP BY n HAVING count(*) > 1) d), 'none')),
      HINT = 'List every public function in exactly one of v_reader, v_writer, v_neither and v_signaler.';
  END IF;

  FOR v_function IN
    SELECT p.oid::regprocedure AS signature, p.proname::text AS name
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname LIKE 'ff\_%'
    ORDER BY 1
  LOOP
    EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function.signature);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, flowstage_reader, flowstage_writer, flowstage_signaler', v_function.signature);
    IF v_function.name = ANY (v_reader) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO flowstage_reader, flowstage_writer', v_function.signature);
    ELSIF v_function.name = ANY (v_writer) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO flowstage_writer', v_function.signature);
    ELSIF v_function.name = ANY (v_signaler) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO flowstage_signaler, flowstage_writer', v_function.signature);
    END IF;
  END LOOP;

  -- Private helpers: the owner alone, whatever was granted before.
  FOR v_function IN
    SELECT p.oid::regprocedure AS signature, p.proacl
    FROM pg_proc p WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proname NOT LIKE 'ff\_%'
    ORDER BY 1
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_function.signature);
    FOR v_grantee IN
      SELECT DISTINCT a.grantee::regrole::text FROM aclexplode(v_function.proacl) a
      WHERE a.grantee <> 0 AND a.grantee <> 'flowstage_owner'::regrole
    LOOP
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', v_function.signature, v_grantee);
    END LOOP;
  END LOOP;
END
$flowstage_access$;
