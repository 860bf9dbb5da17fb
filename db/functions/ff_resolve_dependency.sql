-- ff_resolve_dependency: count one applied edge's upstream outcome in its child's group and
-- act on the group's decision. One edge per transaction; idempotent per edge.
CREATE OR REPLACE FUNCTION flowfabric.ff_resolve_dependency(
  p_flow_id          uuid,
  p_edge_id          uuid,
  p_upstream_outcome text,
  p_now_ms           bigint DEFAULT NULL)
RETURNS TABLE (status text, edge_id uuid, decision text)
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
  v_group     ff_edge_group;
  v_ref       text;
  v_decision  text;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edge_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edge_id: must not be null');
  END IF;
  IF p_upstream_outcome IS NULL OR p_upstream_outcome NOT IN ('success', 'failed', 'cancelled', 'expired', 'skipped') THEN
    PERFORM _raise('invalid_input',
      format('p_upstream_outcome: must be success, failed, cancelled, expired or skipped (got %s)',
             coalesce(p_upstream_outcome, 'NULL')));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  edge_id := p_edge_id;

  v_flow := _get_flow(v_partition, p_flow_id);
  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  IF NOT FOUND THEN
    PERFORM _raise('edge_not_found', format('flow_id=%s edge_id=%s', p_flow_id, p_edge_id));
  END IF;
  IF v_edge.policy->>'edge_state' = 'pending' THEN
    PERFORM _raise('invalid_dependency', format('flow_id=%s edge_id=%s edge_state=pending', p_flow_id, p_edge_id));
  END IF;

  IF v_edge.policy->>'edge_state' = 'applied' THEN
    -- Write path. Lock order: the child, then the edge, then its group.
    SELECT * INTO v_child FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.execution_id = v_edge.downstream_eid FOR UPDATE;
    UPDATE ff_edge e
    SET policy = e.policy || jsonb_build_object(
          'edge_state', CASE WHEN p_upstream_outcome = 'success' THEN 'satisfied' ELSE 'impossible' END,
          'resolved_at_ms', v_now,
          'upstream_outcome', p_upstream_outcome)
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id
      AND e.policy->>'edge_state' = 'applied';
    IF FOUND THEN
      -- Data passing happens at this edge's resolution, before any decision.
      v_ref := v_edge.policy->>'data_passing_ref';
      IF p_upstream_outcome = 'success' AND v_ref <> '' AND v_child.lifecycle_phase <> 'terminal' THEN
        UPDATE ff_exec_core c
        SET payload = coalesce(c.payload, '{}'::jsonb) || jsonb_build_object(v_ref, u.result)
        FROM ff_exec_core u
        WHERE c.partition_key = v_partition AND c.execution_id = v_edge.downstream_eid
          AND u.partition_key = v_partition AND u.execution_id = v_edge.upstream_eid;
      END IF;

      UPDATE ff_edge_group g
      SET running_count = g.running_count - 1,
          success_count = g.success_count + (p_upstream_outcome = 'success')::int,
          skip_count    = g.skip_count    + (p_upstream_outcome = 'skipped')::int,
          fail_count    = g.fail_count    + (p_upstream_outcome NOT IN ('success', 'skipped'))::int
      WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_edge.downstream_eid
      RETURNING g.* INTO v_group;

      IF v_group.decision <> 'pending' THEN
        decision := 'already_decided';  -- counted, but a decided group never re-triggers its child
      ELSE
        decision := _group_decision(v_group);
        IF decision IS NULL THEN
          RAISE EXCEPTION 'flowstage bug: edge group of % has an unknown policy %', v_edge.downstream_eid, v_group.policy;
        END IF;
        IF decision <> 'pending' THEN
          PERFORM _decide_group(v_group, decision, v_child, v_now);
        END IF;
      END IF;
      PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
        'resolve_dependency',
        jsonb_build_object('edge_id', p_edge_id, 'upstream_outcome', p_upstream_outcome, 'decision', decision), v_now);
      status := 'resolved';
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;

  -- Already resolved (now, or by a concurrent resolver we waited for): report the group's decision.
  SELECT g.decision INTO decision FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_edge.downstream_eid;
  status := 'already_resolved';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_resolve_dependency(uuid, uuid, text, bigint) IS
$$Resolve applied edge p_edge_id of flow p_flow_id with its upstream's outcome (success | failed | cancelled | expired | skipped). The completion cascade calls it once per outgoing applied edge, one edge per transaction.
Returns (status, edge_id, decision); status: resolved | already_resolved (nothing changes; decision is then the group's stored decision); decision: pending | satisfied | impossible | already_decided.
Moves one unit of the child's group from running_count into success_count (success), skip_count (skipped) or fail_count (anything else), then evaluates the policy (all_of, any_of, quorum k). The edge records edge_state satisfied (upstream success) or impossible, resolved_at_ms and upstream_outcome.
Data passing: with a non-empty data_passing_ref, an upstream success and a non-terminal child, the upstream's result is merged into the child's payload under that key before any decision.
Satisfied: the child becomes eligible_now (blocking_reason waiting_for_worker, public_state waiting) and, once its flow is started (ff_start_flow), its run job is enqueued in this transaction; with on_satisfied cancel_remaining the upstreams of the group's unresolved edges are recorded in cancel_siblings_pending_members (once) and the flowstage__cancel_siblings job is enqueued to cancel them. Impossible: the child becomes terminal with outcome skipped, which cascades on. A group decides once: later resolutions count but never change the decision or re-trigger the child.
The outcome is the caller's word: the cascade passes the upstream's terminal_outcome. Resolving does not require the flow to be open (a cancel_flow_only flow keeps cascading).
Checks in order, after argument validation (invalid_input FF012): flow_not_found (FF001), edge_not_found (FF010), invalid_dependency (FF014: the edge was never applied), already resolved -> already_resolved.
Locks (write path only): the child execution, then the edge, then the group; concurrent resolutions of one child's edges serialise on the child, so counters are exact and a group decides once. Logs resolve_dependency (and complete_execution when the child is skipped).$$;
