-- ff_apply_dependency_to_child: make a staged edge count for its child: the child waits on it.
CREATE OR REPLACE FUNCTION flowfabric.ff_apply_dependency_to_child(
  p_flow_id uuid,
  p_edge_id uuid,
  p_now_ms  bigint DEFAULT NULL)
RETURNS TABLE (
  status                  flowfabric.ff_apply_dependency_to_child_status,
  edge_id                 flowfabric.ff_edge_id,
  downstream_execution_id flowfabric.ff_execution_id,
  unsatisfied_count       flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_flow      ff_flow_core;
  v_edge      ff_edge;
  v_child     ff_exec_core;
  v_upstream  ff_exec_core;
  v_decision  text;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edge_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edge_id: must not be null');
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  edge_id := p_edge_id;

  -- Checks 1-3 on an unlocked read: a replay (already_applied) takes no lock.
  v_flow := _get_flow(v_partition, p_flow_id);
  PERFORM _check_flow_open(v_flow);
  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  IF NOT FOUND THEN
    PERFORM _raise('edge_not_found', format('flow_id=%s edge_id=%s', p_flow_id, p_edge_id));
  END IF;
  downstream_execution_id := _canonical_execution_id(v_partition, v_edge.downstream_eid);
  SELECT * INTO v_child FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.execution_id = v_edge.downstream_eid;
  IF NOT FOUND THEN
    PERFORM _raise('execution_not_found', format('downstream_execution_id=%s', downstream_execution_id));
  END IF;
  IF v_child.flow_id IS NULL THEN
    PERFORM _raise('execution_not_in_flow', format('downstream_execution_id=%s flow_id=%s', downstream_execution_id, p_flow_id));
  END IF;
  IF v_child.flow_id <> p_flow_id THEN
    PERFORM _raise('execution_already_in_flow',
      format('downstream_execution_id=%s member_of_flow_id=%s flow_id=%s', downstream_execution_id, v_child.flow_id, p_flow_id));
  END IF;

  IF v_edge.edge_state = 'pending' THEN
    -- Write path. Lock order: flow (shared: a cancel must wait for us), executions in uuid
    -- order (the child to change it, the upstream so it cannot complete unseen), edge, group.
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id FOR SHARE;
    PERFORM _check_flow_open(v_flow);
    IF v_edge.upstream_eid < v_edge.downstream_eid THEN
      SELECT * INTO v_upstream FROM ff_exec_core e
      WHERE e.partition_key = v_partition AND e.execution_id = v_edge.upstream_eid FOR SHARE;
    END IF;
    SELECT * INTO v_child FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.execution_id = v_edge.downstream_eid FOR UPDATE;
    IF v_edge.upstream_eid > v_edge.downstream_eid THEN
      SELECT * INTO v_upstream FROM ff_exec_core e
      WHERE e.partition_key = v_partition AND e.execution_id = v_edge.upstream_eid FOR SHARE;
    END IF;

    UPDATE ff_edge e
    SET edge_state = 'applied', applied_at_ms = v_now
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id
      AND e.edge_state = 'pending';
    IF FOUND THEN
      -- 4. count the edge in the child's group (created all_of unless a policy was set)
      INSERT INTO ff_edge_group AS g (partition_key, flow_id, downstream_eid, running_count)
      VALUES (v_partition, p_flow_id, v_edge.downstream_eid, 1)
      ON CONFLICT (partition_key, flow_id, downstream_eid)
      DO UPDATE SET running_count = g.running_count + 1
      RETURNING g.running_count, g.decision INTO unsatisfied_count, v_decision;
      -- 5. a decided group is not reopened
      IF v_decision <> 'pending' THEN
        PERFORM _raise('invalid_input',
          format('group_already_decided: downstream_execution_id=%s decision=%s edge_id=%s',
                 downstream_execution_id, v_decision, p_edge_id),
          'The child''s fan-in decision is final; stage the dependency to another execution.');
      END IF;
      IF v_child.lifecycle_phase = 'runnable' THEN
        UPDATE ff_exec_core e
        SET eligibility_state = 'blocked_by_dependencies',
            blocking_reason = 'waiting_for_children',
            public_state = 'waiting_children'
        WHERE e.partition_key = v_partition AND e.execution_id = v_edge.downstream_eid
          AND e.eligibility_state <> 'blocked_by_dependencies';
      END IF;
      PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
        'apply_dependency_to_child',
        jsonb_build_object('edge_id', p_edge_id, 'downstream_execution_id', downstream_execution_id), v_now);
      -- 6. a late edge (its upstream already terminal) resolves now, as the cascade would
      IF v_upstream.lifecycle_phase = 'terminal' THEN
        PERFORM ff_resolve_dependency(p_flow_id, p_edge_id, v_upstream.terminal_outcome, v_now);
        SELECT g.running_count INTO unsatisfied_count FROM ff_edge_group g
        WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_edge.downstream_eid;
      END IF;
      status := 'applied';
      RETURN NEXT;
      RETURN;
    END IF;
    -- else a concurrent apply of this edge won while we waited: answer as a replay
  END IF;

  -- 3. already applied
  SELECT g.running_count INTO unsatisfied_count FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_edge.downstream_eid;
  status := 'already_applied';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_apply_dependency_to_child(uuid, uuid, bigint) IS
$$Apply staged edge p_edge_id of flow p_flow_id to its child (the edge's downstream): the edge becomes applied and counts in the child's fan-in group.
Returns (status, edge_id, downstream_execution_id, unsatisfied_count); unsatisfied_count is the group's running_count after the call.
Checks in order: flow_not_found (FF001); flow_already_terminal (FF002: applying changes a cancelled or finished flow); edge_not_found (FF010: not staged in this flow); execution_not_found (FF003) for the child; execution_already_in_flow (FF011) if the child's flow_id names another flow (execution_not_in_flow FF007 if it was cleared); already applied -> already_applied, nothing changes.
On applied: edge_state applied, applied_at_ms; the child's ff_edge_group row is created (policy from ff_set_edge_group_policy, else {"kind":"all_of"}) or its running_count rises by one; a runnable child is blocked (eligibility_state blocked_by_dependencies, blocking_reason waiting_for_children, public_state waiting_children). A group that has already decided (satisfied or impossible) takes no new edge: invalid_input, DETAIL group_already_decided. If the upstream is already terminal the edge is resolved at once by ff_resolve_dependency (a late edge never leaves its child waiting).
Locks: flow row FOR SHARE, the child and the upstream in uuid order, then the edge and the group. Logs apply_dependency_to_child.$$;
