-- _finish_execution: make a locked, non-terminal execution terminal with an outcome (the one
-- terminal transition: ff_complete_execution, skips from the cascade and cancels all use it).
CREATE OR REPLACE FUNCTION flowfabric._finish_execution(
  p_execution flowfabric.ff_exec_core,
  p_outcome   text,
  p_result    jsonb,
  p_now_ms    bigint,
  p_cascade   boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_flow ff_flow_core;
BEGIN
  UPDATE ff_exec_core e
  SET lifecycle_phase = 'terminal',
      ownership_state = 'unowned',
      eligibility_state = 'not_applicable',
      blocking_reason = 'none',
      public_state = CASE p_outcome WHEN 'success' THEN 'completed' ELSE p_outcome END,
      terminal_outcome = p_outcome,
      terminal_at_ms = p_now_ms,
      result = p_result
  WHERE e.partition_key = p_execution.partition_key AND e.execution_id = p_execution.execution_id;

  IF p_execution.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = p_execution.partition_key AND f.flow_id = p_execution.flow_id;
    PERFORM _log_flow_event(p_execution.partition_key, p_execution.flow_id, v_flow.raw_fields->>'namespace',
      v_flow.graph_revision, 'complete_execution',
      jsonb_build_object('execution_id', _canonical_execution_id(p_execution.partition_key, p_execution.execution_id),
                         'outcome', p_outcome),
      p_now_ms);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._finish_execution(flowfabric.ff_exec_core, text, jsonb, bigint, boolean) IS
  'Private. Terminal transition of an execution the caller has locked and checked non-terminal: lifecycle_phase terminal, eligibility_state not_applicable, terminal_outcome and public_state from p_outcome (success -> completed), terminal_at_ms, result. Logs complete_execution for flow members.';
