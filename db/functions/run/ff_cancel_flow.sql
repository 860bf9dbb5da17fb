-- ff_cancel_flow: make an open flow cancelled for good; with cancel_all its unfinished members are cancelled too, in the same transaction.
CREATE OR REPLACE FUNCTION flowfabric.ff_cancel_flow(
  p_flow_id             uuid,
  p_reason              text,
  p_cancellation_policy text   DEFAULT 'cancel_all',
  p_now_ms              bigint DEFAULT NULL)
RETURNS TABLE (
  status           flowfabric.ff_cancel_flow_status,
  execution_id     flowfabric.ff_execution_id,
  public_state     flowfabric.ff_public_state,
  terminal_outcome flowfabric.ff_terminal_outcome)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_flow      ff_flow_core;
  v_exec      ff_exec_core;
  v_cancelled jsonb := '[]'::jsonb;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_reason IS NULL THEN
    PERFORM _raise('invalid_input', 'p_reason: must not be null (say why the flow is cancelled)');
  END IF;
  IF p_reason = '' THEN
    PERFORM _raise('invalid_input', 'p_reason: must be 1 to 1024 bytes (got an empty string; say why the flow is cancelled)');
  END IF;
  PERFORM _check_text_size('p_reason', p_reason, 1024);
  IF p_cancellation_policy IS NULL OR p_cancellation_policy NOT IN ('cancel_all', 'cancel_flow_only') THEN
    PERFORM _raise('invalid_input',
      format('p_cancellation_policy: must be cancel_all or cancel_flow_only (got %s)', _shown(p_cancellation_policy)));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);

  -- Lock order: the flow row first, then the members in execution_id order.
  SELECT * INTO v_flow FROM ff_flow_core f
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM _raise('flow_not_found', format('flow_id=%s', p_flow_id));
  END IF;
  PERFORM _check_flow_open(v_flow);

  -- The flow turns terminal before any member does, so no member's finish can complete it.
  UPDATE ff_flow_core f
  SET public_flow_state = 'cancelled',
      terminal_at_ms = v_now,
      raw_fields = f.raw_fields || jsonb_build_object(
        'cancelled_at_ms', v_now,
        'cancel_reason', p_reason,
        'cancellation_policy', p_cancellation_policy,
        'last_mutation_at_ms', v_now)
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;

  FOR v_exec IN
    SELECT * FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
    ORDER BY e.execution_id
    FOR UPDATE
  LOOP
    execution_id := _canonical_execution_id(v_partition, v_exec.execution_id);
    IF v_exec.lifecycle_phase = 'terminal' THEN
      status := 'already_terminal';
      public_state := v_exec.public_state;
      terminal_outcome := v_exec.terminal_outcome;
    ELSIF p_cancellation_policy = 'cancel_all' THEN
      -- (No row per member: the cancel_flow row lists them.)
      PERFORM _finish_execution(v_exec, 'cancelled', NULL, v_now, p_cascade => false, p_log => false);
      v_cancelled := v_cancelled || to_jsonb(execution_id);
      status := 'cancelled';
      public_state := 'cancelled';
      terminal_outcome := 'cancelled';
    ELSE
      status := 'left_running';
      public_state := v_exec.public_state;
      terminal_outcome := v_exec.terminal_outcome;
    END IF;
    RETURN NEXT;
  END LOOP;

  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'cancel_flow',
    jsonb_build_object('reason', p_reason, 'cancellation_policy', p_cancellation_policy,
                       'cancelled_execution_ids', v_cancelled), v_now);
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_cancel_flow(uuid, text, text, bigint) IS
$$Cancel open flow p_flow_id: public_flow_state cancelled, terminal_at_ms, and in raw_fields cancelled_at_ms, cancel_reason (p_reason, required, 1..1024 bytes), cancellation_policy, last_mutation_at_ms. Cancel is not a graph change: graph_revision stays. Afterwards every call that would change the flow's graph refuses with flow_already_terminal, and so does a second cancel.
p_cancellation_policy: cancel_all (default) makes every non-terminal member terminal with outcome cancelled (public_state cancelled) in the same transaction, without cascading from them (the flow is already terminal); cancel_flow_only leaves the members as they are.
Returns the member list, one row per member in execution uuid order: (status, execution_id (canonical), public_state, terminal_outcome) as they stand after the call; status cancelled = made terminal by this call, already_terminal = was terminal before, left_running = not terminal, kept by cancel_flow_only. A flow without members returns no rows.
Checks in order: invalid_input (FF012: NULL p_flow_id, p_reason NULL, empty or over 1024 bytes, unknown p_cancellation_policy); flow_not_found (FF001); flow_already_terminal (FF002).
Locks the flow row FOR UPDATE, then the members in execution_id order. Logs one cancel_flow row {reason, cancellation_policy, cancelled_execution_ids}: the members it cancelled get no complete_execution row of their own.$$;
