-- ff_add_execution_to_flow: make an execution a member of a flow (stamp ff_exec_core.flow_id).
CREATE OR REPLACE FUNCTION flowfabric.ff_add_execution_to_flow(
  p_flow_id      uuid,
  p_execution_id text,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_add_execution_to_flow_status,
  execution_id   flowfabric.ff_execution_id,
  node_count     flowfabric.ff_graph_size,
  graph_revision flowfabric.ff_revision)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_requested smallint;
  v_id        uuid;
  v_flow      ff_flow_core;
  v_exec      ff_exec_core;
  v_member_of uuid;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);

  -- Checks 1-4 on an unlocked read: a replay (already_member) takes no lock.
  v_flow := _get_flow(v_partition, p_flow_id);
  PERFORM _check_flow_open(v_flow);
  v_exec := _find_execution('p_execution_id', v_requested, v_id, v_partition);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', _canonical_execution_id(v_partition, v_id)));
  END IF;
  execution_id := _canonical_execution_id(v_partition, v_id);
  v_member_of := v_exec.flow_id;

  IF v_member_of IS NULL THEN
    -- Write path: lock the flow row first, then claim the execution row.
    v_flow := _flow_row(v_partition, p_flow_id, true);
    PERFORM _check_flow_open(v_flow);
    -- Its run policy takes the flow's default_policy where its own keys do not say (docs/semantics.md §9.1).
    UPDATE ff_exec_core e
    SET flow_id = p_flow_id,
        policy = coalesce(v_flow.raw_fields->'default_policy', '{}'::jsonb) || e.policy
    WHERE e.partition_key = v_partition AND e.execution_id = v_id AND e.flow_id IS NULL;
    IF FOUND THEN
      SELECT b.node_count, b.graph_revision INTO node_count, graph_revision
      FROM _bump_flow(v_partition, p_flow_id, 1, 0, v_now) b;
      PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', graph_revision,
        'add_execution_to_flow', jsonb_build_object('execution_id', execution_id), v_now);
      PERFORM _finish_flow_if_done(v_partition, p_flow_id, v_now, 'flow');  -- an already terminal member may be the last
      status := 'added';
      RETURN NEXT;
      RETURN;
    END IF;
    -- A concurrent caller claimed it while we waited for the flow lock.
    SELECT e.flow_id INTO v_member_of FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.execution_id = v_id;
  END IF;

  IF v_member_of <> p_flow_id THEN
    PERFORM _raise('already_member_of_different_flow',
      format('execution_id=%s member_of_flow_id=%s', execution_id, v_member_of));
  END IF;
  status := 'already_member';
  node_count := (v_flow.raw_fields->>'node_count')::bigint;
  graph_revision := v_flow.graph_revision;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_add_execution_to_flow(uuid, text, bigint) IS
$$Make execution p_execution_id ({fp:N}:<uuid> or <uuid>) a member of flow p_flow_id.
Returns (status, execution_id, node_count, graph_revision).
On added, the execution's run policy takes the flow's default_policy keys it does not set itself (docs/semantics.md §9.1).
Checks in order: flow_not_found (FF001); flow_already_terminal (FF002); execution_not_found (FF003, looked up on the flow's partition; another partition -> invalid_input DETAIL partition_mismatch); already a member of this flow -> already_member with the current counts, nothing changes; member of another flow -> already_member_of_different_flow (FF004, DETAIL names it).
On added: ff_exec_core.flow_id is stamped; the flow's graph_revision and node_count rise by one and last_mutation_at_ms is set. Locks the flow row, then the execution row. Logs add_execution_to_flow. A terminal member added to a started flow whose other members are all terminal finishes the flow (completed or failed) in this call.$$;
