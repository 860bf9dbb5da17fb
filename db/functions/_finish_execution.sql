-- _finish_execution: make a locked, non-terminal execution terminal with an outcome (the one
-- terminal transition: ff_complete_execution, skips from the cascade, sibling and flow cancels
-- all use it) and, for a flow member with p_cascade, enqueue its completion cascade.
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
  v_flow      ff_flow_core;
  v_canonical text;
  v_job_key   text;
BEGIN
  UPDATE ff_exec_core e
  SET lifecycle_phase = 'terminal',
      ownership_state = 'unowned',
      eligibility_state = 'not_applicable',
      blocking_reason = 'none',
      attempt_state = CASE WHEN e.attempt_state = 'running_attempt' THEN 'attempt_terminal' ELSE e.attempt_state END,
      public_state = CASE p_outcome WHEN 'success' THEN 'completed' ELSE p_outcome END,
      terminal_outcome = p_outcome,
      terminal_at_ms = p_now_ms,
      result = p_result
  WHERE e.partition_key = p_execution.partition_key AND e.execution_id = p_execution.execution_id;

  -- A cancelled or expired execution must not start any more: drop its queued run job
  -- (a job already running is only stopped from retrying; its completion finds the
  -- execution terminal). success/failed come from the run itself or from an outside
  -- completion, whose queued job then finds the execution terminal and does nothing.
  IF p_execution.raw_fields ? 'task_identifier' AND p_outcome IN ('cancelled', 'expired') THEN
    PERFORM graphile_worker.remove_job('flowstage:run:' || p_execution.execution_id);
  END IF;

  IF p_execution.flow_id IS NULL THEN
    RETURN;  -- a solo execution has no edges and no flow to finish
  END IF;

  v_canonical := _canonical_execution_id(p_execution.partition_key, p_execution.execution_id);
  SELECT * INTO v_flow FROM ff_flow_core f
  WHERE f.partition_key = p_execution.partition_key AND f.flow_id = p_execution.flow_id;
  PERFORM _log_flow_event(p_execution.partition_key, p_execution.flow_id, v_flow.raw_fields->>'namespace',
    v_flow.graph_revision, 'complete_execution',
    jsonb_build_object('execution_id', v_canonical, 'outcome', p_outcome),
    p_now_ms);

  IF p_cascade THEN
    -- The outbox row and the job commit together; the job key is derived from the row, so
    -- the cascade of one completion is enqueued once. No flow lock here: the caller holds
    -- an execution lock, and the flow row comes first in the lock order. The job checks
    -- whether the flow has finished, in its own transaction.
    v_job_key := 'flowstage:cascade:' || p_execution.execution_id;
    INSERT INTO ff_completion_outbox (partition_key, execution_id, flow_id, outcome, job_key, finished_at_ms)
    VALUES (p_execution.partition_key, p_execution.execution_id, p_execution.flow_id, p_outcome, v_job_key, p_now_ms)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
      PERFORM graphile_worker.add_job('flowstage__cascade',
        json_build_object('flow_id', p_execution.flow_id, 'execution_id', v_canonical),
        job_key => v_job_key);
    END IF;
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._finish_execution(flowfabric.ff_exec_core, text, jsonb, bigint, boolean) IS
  'Private. Terminal transition of an execution the caller has locked and checked non-terminal: lifecycle_phase terminal, eligibility_state not_applicable, blocking_reason none, terminal_outcome and public_state from p_outcome (success -> completed), terminal_at_ms, result. Outcome cancelled or expired removes the execution''s queued run job (graphile_worker.remove_job(''flowstage:run:<uuid>'')). For flow members: logs complete_execution and, when p_cascade, inserts the ff_completion_outbox row and enqueues Graphile Worker job flowstage__cascade {flow_id, execution_id} with job_key flowstage:cascade:<uuid> in the same transaction (once per execution). Takes no flow lock. ff_cancel_flow passes p_cascade => false (the flow is already terminal).';
