-- _finish_flow_if_done: an open flow whose members are all terminal becomes completed or failed.
CREATE OR REPLACE FUNCTION flowfabric._finish_flow_if_done(p_partition_key smallint, p_flow_id uuid, p_now_ms bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_flow  ff_flow_core;
  v_state text;
BEGIN
  -- Unlocked first: while members run, the answer is one probe of ff_exec_core_open_members.
  SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  IF v_flow.public_flow_state IS DISTINCT FROM 'open' THEN
    RETURN v_flow.public_flow_state;
  END IF;
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.lifecycle_phase <> 'terminal'
    AND e.flow_id IS NOT NULL
  LIMIT 1;
  IF FOUND THEN
    RETURN 'open';
  END IF;

  -- Looks finished: decide under the flow row lock (the first lock this transaction takes).
  SELECT * INTO v_flow FROM ff_flow_core f
  WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id FOR UPDATE;
  IF v_flow.public_flow_state <> 'open' THEN
    RETURN v_flow.public_flow_state;
  END IF;
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.lifecycle_phase <> 'terminal'
    AND e.flow_id IS NOT NULL
  LIMIT 1;
  IF FOUND THEN
    RETURN 'open';
  END IF;
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id
    AND e.terminal_outcome IN ('failed', 'cancelled', 'expired')
  LIMIT 1;
  v_state := CASE WHEN FOUND THEN 'failed' ELSE 'completed' END;
  UPDATE ff_flow_core f
  SET public_flow_state = v_state,
      terminal_at_ms = p_now_ms
  WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  PERFORM _log_flow_event(p_partition_key, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'complete_flow', jsonb_build_object('flow_id', p_flow_id, 'public_flow_state', v_state), p_now_ms);
  RETURN v_state;
END;
$$;

COMMENT ON FUNCTION flowfabric._finish_flow_if_done(smallint, uuid, bigint) IS
  'Private. The flow''s public_flow_state after the check: an open flow with at least one member and no non-terminal member becomes completed (no member failed, cancelled or expired; skipped members do not fail a flow) or failed, with terminal_at_ms, and complete_flow is logged. The check is an unlocked probe of the partial index ff_exec_core_open_members; only a flow that looks finished is locked (FOR UPDATE, which must be the first lock of the caller''s transaction) and checked again.';
