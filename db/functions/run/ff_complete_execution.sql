-- ff_complete_execution: make an execution terminal once, with its outcome and result, and run
-- its completion cascade in the same transaction (its direct children only).
CREATE OR REPLACE FUNCTION flowfabric.ff_complete_execution(
  p_execution_id text,
  p_outcome      text,
  p_result       jsonb  DEFAULT NULL,
  p_attempt      int    DEFAULT NULL,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status            flowfabric.ff_complete_execution_status,
  execution_id      flowfabric.ff_execution_id,
  outcome           flowfabric.ff_outcome,
  public_flow_state flowfabric.ff_public_flow_state_or_null)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_children  uuid[];
  v_row       ff_exec_core;
  v_open      boolean;
  v_hop       record;
  v_state     text;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  IF p_outcome IS NULL OR p_outcome NOT IN ('success', 'failed', 'cancelled', 'expired', 'skipped') THEN
    PERFORM _raise('invalid_input',
      format('p_outcome: must be success, failed, cancelled, expired or skipped (got %s)', coalesce(p_outcome, 'NULL')));
  END IF;
  PERFORM _check_attempt_number(p_attempt);
  v_now := _now_ms(p_now_ms);

  -- A replay (already_terminal) is answered from an unlocked read.
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.lifecycle_phase = 'terminal' THEN
    status := 'already_terminal';
    outcome := v_exec.terminal_outcome;
    RETURN NEXT;
    RETURN;
  END IF;
  IF _is_stale_attempt(v_exec, p_attempt) THEN
    status := 'stale_attempt';  -- an attempt timed out, reaped or replaced: changes nothing
    outcome := p_outcome;
    RETURN NEXT;
    RETURN;
  END IF;

  -- Write path. Lock order: executions in uuid order, the execution together with its direct
  -- children (read unlocked first; once the execution is locked no edge can be applied from it,
  -- since an apply locks its upstream too), then edges, then groups. The flow row, which comes
  -- first in the lock order, is never waited for (see _finish_flow_if_done).
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT coalesce(array_agg(DISTINCT e.downstream_eid), '{}') INTO v_children
    FROM ff_edge e
    WHERE e.partition_key = v_exec.partition_key AND e.flow_id = v_exec.flow_id AND e.upstream_eid = v_id
      AND e.edge_state = 'applied';
  ELSE
    v_children := '{}';
  END IF;
  v_open := false;
  -- One key probe per row, locked in uuid order (both subqueries fenced by OFFSET 0): as a plain
  -- = ANY, the planner reads the whole partition on a never-analysed table.
  FOR v_row IN
    SELECT e.* FROM (SELECT x FROM unnest(v_children || v_id) x ORDER BY x OFFSET 0) k
    CROSS JOIN LATERAL (SELECT * FROM ff_exec_core e
                        WHERE e.partition_key = v_exec.partition_key AND e.execution_id = k.x
                        OFFSET 0 FOR UPDATE) e
    ORDER BY e.execution_id
  LOOP
    IF v_row.execution_id = v_id THEN
      v_exec := v_row;
    ELSIF v_row.lifecycle_phase <> 'terminal' THEN
      v_open := true;  -- an open child, so far
    END IF;
  END LOOP;
  IF v_exec.lifecycle_phase = 'terminal' THEN
    status := 'already_terminal';  -- a concurrent completion won while we waited
    outcome := v_exec.terminal_outcome;
    RETURN NEXT;
    RETURN;
  END IF;
  IF _is_stale_attempt(v_exec, p_attempt) THEN
    status := 'stale_attempt';  -- the attempt ended while we waited (timed out, failed, delayed)
    outcome := p_outcome;
    RETURN NEXT;
    RETURN;
  END IF;

  -- One log row for the completion: with children, _resolve_edges writes it with the resolutions
  -- (their edges are applied and this execution is locked and not terminal, so no other call can
  -- have resolved them: every one is resolved here); without, _finish_execution writes it.
  PERFORM _finish_execution(v_exec, p_outcome, p_result, v_now, p_cascade => false, p_notify => false,
                            p_log => cardinality(v_children) = 0);
  status := 'completed';
  outcome := p_outcome;
  IF v_exec.flow_id IS NULL THEN
    RETURN NEXT;  -- a solo execution has no edges and no flow
    RETURN;
  END IF;

  -- The cascade, one hop: every outgoing applied edge into the children locked above.
  SELECT * INTO v_hop
  FROM _resolve_edges(v_exec.partition_key, v_exec.flow_id, v_id, p_outcome, v_children, NULL, v_now,
                      'complete_execution', jsonb_build_object('execution_id', execution_id, 'outcome', p_outcome));
  public_flow_state := v_hop.public_flow_state;
  IF v_hop.others_left THEN
    -- An edge applied between the unlocked read and the lock: its child is not locked here, and
    -- locking it now could break the lock order. A job resolves it (and checks the flow).
    PERFORM _add_jobs(ARRAY[_defer_cascade(v_exec.partition_key, v_id, v_exec.flow_id, p_outcome, v_now)]);
  ELSIF cardinality(v_hop.skipped) = 0 AND NOT v_open THEN
    -- Did this completion finish the flow? Not if a child is still open (it is locked here, so its
    -- own completion comes after this commit and checks again); a skipped child's job checks too.
    -- (Only a skip makes a child terminal here, so a child open before is open still.)
    v_state := _finish_flow_if_done(v_exec.partition_key, v_exec.flow_id, v_now, 'executions');
    IF v_state = 'undecided' THEN
      PERFORM _add_jobs(ARRAY[_defer_cascade(v_exec.partition_key, v_id, v_exec.flow_id, p_outcome, v_now)]);
    ELSE
      public_flow_state := v_state;
    END IF;
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_complete_execution(text, text, jsonb, int, bigint) IS
$$Make execution p_execution_id terminal once with p_outcome (success | failed | cancelled | expired | skipped) and p_result, and run its completion cascade in the same transaction (docs/semantics.md §6).
Returns (status, execution_id, outcome, public_flow_state); already_terminal: a second call changes nothing and reports the stored outcome. stale_attempt (docs/semantics.md §9.3, fencing): p_attempt (the number ff_begin_attempt returned; NULL = whatever attempt is current) names an attempt that is no longer running (timed out, failed, delayed, reaped or replaced by a later one): nothing changes and outcome repeats p_outcome. public_flow_state: the flow's state after the call (completed or failed when this completion finished it), NULL for a solo execution and for already_terminal.
Sets lifecycle_phase terminal, eligibility_state not_applicable, terminal_outcome, public_state (completed for success, else the outcome's name), terminal_at_ms, result; a cancelled or expired execution's queued run job is removed.
For a flow member, before it returns: every outgoing applied edge is resolved (its direct children only; as ff_resolve_dependency would, set-based): counters, data passing, group decisions; children that become eligible are enqueued with one graphile_worker.add_jobs call if the flow is started; a child made impossible is completed skipped here, and the edges going out of it are resolved by its own flowstage__cascade job (one hop per transaction). No job is enqueued for the completed execution itself. When this may have been the flow's last member, the flow becomes completed or failed here, or, if the flow row is busy, a flowstage__cascade job of this execution checks it after the commit (likewise for an edge applied while this call waited for its locks).
Refusals: invalid_input (malformed id, unknown outcome, p_attempt < 1), execution_not_found (FF003). Locks on the write path: the execution and its children in uuid order (never the flow row while waiting), then edges, then groups. Logs one complete_execution row for a flow member: {execution_id, outcome}, plus resolved [{edge_id, decision}] (every edge it resolved, by child then edge_id; within a child's edges the last carries the group's decision, the others pending) and released [children it made eligible] when there are any; then complete_execution per skipped child, and complete_flow when it finishes the flow.$$;
