-- ff_cascade_step: one hop of the completion cascade: resolve one outgoing applied edge of a
-- terminal execution, or, when none is left, close its cascade and see whether the flow is done.
CREATE OR REPLACE FUNCTION flowfabric.ff_cascade_step(
  p_execution_id text,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (status text, execution_id text, edge_id uuid, decision text, public_flow_state text)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_edge      ff_edge;
  v_resolved  record;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  v_now := _now_ms(p_now_ms);

  v_exec := _find_execution('p_execution_id', v_requested, v_id);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', p_execution_id));
  END IF;
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.lifecycle_phase <> 'terminal' THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: %s is not terminal (lifecycle_phase %s); only a finished execution cascades',
             execution_id, v_exec.lifecycle_phase));
  END IF;
  IF v_exec.flow_id IS NULL THEN
    status := 'done';
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_exec.partition_key AND e.flow_id = v_exec.flow_id
    AND e.upstream_eid = v_id AND e.policy->>'edge_state' = 'applied'
  ORDER BY e.edge_id
  LIMIT 1;
  IF FOUND THEN
    SELECT * INTO v_resolved FROM ff_resolve_dependency(v_exec.flow_id, v_edge.edge_id, v_exec.terminal_outcome, v_now) r;
    status := v_resolved.status;
    edge_id := v_edge.edge_id;
    decision := v_resolved.decision;
    RETURN NEXT;
    RETURN;
  END IF;

  -- Every outgoing edge is resolved: is the flow finished? (flow row lock first, if any)
  public_flow_state := _finish_flow_if_done(v_exec.partition_key, v_exec.flow_id, v_now);
  UPDATE ff_completion_outbox o
  SET cascaded_at_ms = v_now
  WHERE o.partition_key = v_exec.partition_key AND o.execution_id = v_id AND o.cascaded_at_ms IS NULL;
  status := 'done';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_cascade_step(text, bigint) IS
$$One hop of the completion cascade of terminal execution p_execution_id; the flowstage__cascade job calls it, one call per transaction, until status is done.
Returns (status, execution_id, edge_id, decision, public_flow_state); status: resolved | already_resolved | done; decision (NULL when done): pending | satisfied | impossible | already_decided.
resolved / already_resolved: the outgoing applied edge with the smallest edge_id was passed to ff_resolve_dependency with the execution's terminal_outcome (edge_id and decision are its answer; already_resolved when a concurrent caller resolved it first).
done: no outgoing edge is left applied; the execution's ff_completion_outbox row gets cascaded_at_ms, and the flow is checked: an open flow whose members are all terminal becomes completed (no member failed, cancelled or expired) or failed, with terminal_at_ms, logging complete_flow. public_flow_state is the flow's state after the check (NULL for a solo execution, which is done at once).
Idempotent: a repeated or crashed-and-retried job only finds fewer edges to resolve.
Refusals: invalid_input (malformed id; the execution is not terminal), execution_not_found (FF003). Locks: those of ff_resolve_dependency, one edge per call; on done, the flow row only when every member looks terminal.$$;
