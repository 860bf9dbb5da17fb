-- ff_resolve_dependency: count one applied edge's upstream outcome, taken from the upstream's
-- stored terminal_outcome, in its child's group and act on the group's decision. Idempotent per edge.
CREATE OR REPLACE FUNCTION flowfabric.ff_resolve_dependency(
  p_flow_id          uuid,
  p_edge_id          uuid,
  p_upstream_outcome text   DEFAULT NULL,
  p_now_ms           bigint DEFAULT NULL)
RETURNS TABLE (
  status   flowfabric.ff_resolve_dependency_status,
  edge_id  flowfabric.ff_edge_id,
  decision flowfabric.ff_resolve_decision)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_edge      ff_edge;
  v_upstream  ff_exec_core;
  v_resolved  record;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edge_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edge_id: must not be null');
  END IF;
  IF p_upstream_outcome NOT IN ('success', 'failed', 'cancelled', 'expired', 'skipped') THEN
    PERFORM _raise('invalid_input',
      format('p_upstream_outcome: must be NULL or success, failed, cancelled, expired or skipped (got %s)',
             left(p_upstream_outcome, 200)));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  edge_id := p_edge_id;

  PERFORM _get_flow(v_partition, p_flow_id);  -- flow_not_found before edge_not_found
  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  IF NOT FOUND THEN
    PERFORM _raise('edge_not_found', format('flow_id=%s edge_id=%s', p_flow_id, p_edge_id));
  END IF;
  IF v_edge.edge_state = 'pending' THEN
    PERFORM _raise('invalid_dependency', format('flow_id=%s edge_id=%s edge_state=pending', p_flow_id, p_edge_id));
  END IF;
  -- The outcome is the upstream's, never the caller's word (a terminal execution stays terminal,
  -- so an unlocked read answers for good).
  SELECT * INTO v_upstream FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.execution_id = v_edge.upstream_eid;
  IF v_upstream.lifecycle_phase IS DISTINCT FROM 'terminal' THEN
    PERFORM _raise('invalid_input',
      format('upstream_not_terminal: edge_id=%s upstream_execution_id=%s lifecycle_phase=%s',
             p_edge_id, _canonical_execution_id(v_partition, v_edge.upstream_eid), v_upstream.lifecycle_phase),
      'An edge is resolved once its upstream has finished: complete the upstream with ff_complete_execution, which resolves its edges.');
  END IF;
  IF p_upstream_outcome <> v_upstream.terminal_outcome THEN
    PERFORM _raise('invalid_input',
      format('outcome_mismatch: edge_id=%s upstream_execution_id=%s p_upstream_outcome=%s terminal_outcome=%s',
             p_edge_id, _canonical_execution_id(v_partition, v_edge.upstream_eid), p_upstream_outcome,
             v_upstream.terminal_outcome),
      'Pass NULL (the upstream''s stored outcome is used) or the outcome it finished with.');
  END IF;

  IF v_edge.edge_state = 'applied' THEN
    -- Write path. Lock order: the child, then (in _resolve_edges) the edge, then its group.
    PERFORM 1 FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.execution_id = v_edge.downstream_eid FOR UPDATE;
    SELECT * INTO v_resolved
    FROM _resolve_edges(v_partition, p_flow_id, v_edge.upstream_eid, v_upstream.terminal_outcome,
                        ARRAY[v_edge.downstream_eid], p_edge_id, v_now,
                        'resolve_dependency', jsonb_build_object('edge_id', p_edge_id,
                                                                 'upstream_outcome', v_upstream.terminal_outcome)) r;
    IF v_resolved.edge_ids IS NOT NULL THEN
      status := 'resolved';
      decision := v_resolved.decisions[1];
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;

  -- Already resolved (before, or by a concurrent resolver we waited for): the group's decision.
  SELECT g.decision INTO decision FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_edge.downstream_eid;
  status := 'already_resolved';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_resolve_dependency(uuid, uuid, text, bigint) IS
$$Resolve applied edge p_edge_id of flow p_flow_id with its upstream's outcome, read from the upstream's stored terminal_outcome: the unit of the completion cascade (docs/semantics.md §6), which ff_complete_execution applies to every outgoing edge in the completing transaction. Called directly, it mostly answers already_resolved; it resolves an edge whose upstream's cascade was deferred to a job (a skipped or cancelled upstream) ahead of that job.
Returns (status, edge_id, decision); decision: the group's decision after this resolution, already_decided when the group had decided before it. already_resolved: nothing changes, and decision is the group's stored decision.
Moves one unit of the child's group from running_count into success_count (success), skip_count (skipped) or fail_count (anything else), then evaluates the policy (all_of, any_of, quorum k). The edge records edge_state satisfied (upstream success) or impossible, resolved_at_ms and upstream_outcome.
Data passing: with a non-empty data_passing_ref, an upstream success and a non-terminal child, the upstream's result is merged into the child's payload under that key before any decision.
Satisfied: the child becomes eligible_now (blocking_reason waiting_for_worker, public_state waiting) and, once its flow is started (ff_start_flow), its run job is enqueued in this transaction; with on_satisfied cancel_remaining the upstreams of the group's unresolved edges are recorded in cancel_siblings_pending_members (once) and the flowstage__cancel_siblings job is enqueued to cancel them. Impossible: the child becomes terminal with outcome skipped (attempt_state none: it never ran), and its own outgoing edges are resolved by its flowstage__cascade job, a later transaction. A group decides once: later resolutions count but never change the decision or re-trigger the child.
Resolving does not require the flow to be open (a cancel_flow_only flow keeps cascading).
Checks in order, after argument validation (invalid_input FF012: NULL p_flow_id or p_edge_id, an unknown p_upstream_outcome): flow_not_found (FF001), edge_not_found (FF010), invalid_dependency (FF014: the edge was never applied), invalid_input DETAIL upstream_not_terminal: ... (the upstream has not finished), invalid_input DETAIL outcome_mismatch: ... (p_upstream_outcome given and not the upstream's terminal_outcome), already resolved -> already_resolved.
Locks (write path only): the child execution, then the edge, then the group; concurrent resolutions of one child's edges serialise on the child, so counters are exact and a group decides once. Logs resolve_dependency (and complete_execution when the child is skipped).$$;
