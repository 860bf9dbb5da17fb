-- ff_cascade_step: a deferred hop of the completion cascade: resolve every outgoing applied edge
-- of a terminal execution in one transaction, then see whether the flow is done.
CREATE OR REPLACE FUNCTION flowfabric.ff_cascade_step(
  p_execution_id text,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status            flowfabric.ff_cascade_step_status,
  execution_id      flowfabric.ff_execution_id,
  edges_resolved    flowfabric.ff_count,
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
  v_now := _now_ms(p_now_ms);

  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.lifecycle_phase <> 'terminal' THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: %s is not terminal (lifecycle_phase %s); only a finished execution cascades',
             execution_id, v_exec.lifecycle_phase));
  END IF;
  edges_resolved := 0;
  IF v_exec.flow_id IS NULL THEN
    status := 'done';
    RETURN NEXT;
    RETURN;
  END IF;

  -- The execution is terminal, so the set of its applied edges only shrinks (an apply that finds
  -- its upstream terminal resolves the edge itself). Lock the children in uuid order.
  SELECT coalesce(array_agg(DISTINCT e.downstream_eid), '{}') INTO v_children
  FROM ff_edge e
  WHERE e.partition_key = v_exec.partition_key AND e.flow_id = v_exec.flow_id AND e.upstream_eid = v_id
    AND e.edge_state = 'applied';

  IF cardinality(v_children) > 0 THEN
    v_open := false;
    -- One key probe per child, locked in uuid order (as in ff_complete_execution).
    FOR v_row IN
      SELECT e.* FROM (SELECT x FROM unnest(v_children) x ORDER BY x OFFSET 0) k
      CROSS JOIN LATERAL (SELECT * FROM ff_exec_core e
                          WHERE e.partition_key = v_exec.partition_key AND e.execution_id = k.x
                          OFFSET 0 FOR UPDATE) e
      ORDER BY e.execution_id
    LOOP
      v_open := v_open OR v_row.lifecycle_phase <> 'terminal';
    END LOOP;
    SELECT * INTO v_hop
    FROM _resolve_edges(v_exec.partition_key, v_exec.flow_id, v_id, v_exec.terminal_outcome, v_children, NULL, v_now,
                        'resolve_edges', jsonb_build_object('execution_id', execution_id,
                                                            'upstream_outcome', v_exec.terminal_outcome));
    edges_resolved := coalesce(cardinality(v_hop.edge_ids), 0);
    IF v_hop.others_left THEN
      -- Edges applied after the read above (not expected: an apply resolves an edge whose
      -- upstream is terminal itself): the next call, a new transaction, resolves them.
      v_state := 'undecided';
    ELSIF cardinality(v_hop.skipped) > 0 OR v_open THEN
      -- A skipped child's own job checks the flow later; an open child is locked here, so its own
      -- completion comes after this commit (only a skip makes a child terminal here).
      v_state := 'open';
    ELSE
      v_state := _finish_flow_if_done(v_exec.partition_key, v_exec.flow_id, v_now, 'executions');
    END IF;
  ELSE
    v_state := _finish_flow_if_done(v_exec.partition_key, v_exec.flow_id, v_now, 'none');
  END IF;

  IF v_state = 'undecided' THEN
    -- The flow row was busy while this transaction held its children: check again in a new
    -- transaction, which holds nothing and may wait for it.
    status := 'check_again';
    SELECT f.public_flow_state INTO public_flow_state FROM ff_flow_core f
    WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE ff_completion_outbox o
  SET cascaded_at_ms = v_now
  WHERE o.partition_key = v_exec.partition_key AND o.execution_id = v_id AND o.cascaded_at_ms IS NULL;
  status := 'done';
  public_flow_state := v_state;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_cascade_step(text, bigint) IS
$$A deferred hop of the completion cascade of terminal execution p_execution_id: the flowstage__cascade job calls it (one call per transaction) until status is done. Such a job exists only for an execution whose cascade did not run where it became terminal: a child skipped by a cascade (so a skip chain advances one hop per job), a sibling cancelled by cancel_remaining, an execution failed by ff_recover_jobs, and a completion whose flow check was deferred; a normal completion resolves its edges itself (ff_complete_execution).
Returns (status, execution_id, edges_resolved, public_flow_state).
done: every outgoing applied edge is resolved (edges_resolved of them by this call, in one transaction, as ff_complete_execution would: its direct children locked in uuid order; a child made impossible is skipped here and gets its own job), the execution's ff_completion_outbox row gets cascaded_at_ms, and the flow has been checked: a started, open flow whose members are all terminal becomes completed or failed, with terminal_at_ms, logging complete_flow. public_flow_state is the flow's state after the check (NULL for a solo execution, which is done at once).
check_again: the edges are resolved but the flow row was busy while this call held the children's locks; the next call (holding nothing, so it may wait for the flow row) checks the flow.
Logs one resolve_edges row when it resolved edges: {execution_id, upstream_outcome, resolved [{edge_id, decision}], released [children made eligible], when any}; then complete_execution per skipped child, and complete_flow when it finishes the flow.
Idempotent: a repeated or crashed-and-retried job finds fewer or no edges to resolve.
Refusals: invalid_input (malformed id; the execution is not terminal), execution_not_found (FF003). Locks: the children in uuid order, then edges, then groups; with no edge left to resolve, the flow row FOR UPDATE when every member looks terminal.$$;
