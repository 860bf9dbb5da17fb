-- _finish_execution: make a locked, non-terminal execution terminal with an outcome (the one
-- terminal transition: completions, skips from the cascade, sibling and flow cancels all use it)
-- and, for a flow member with p_cascade, defer its cascade to a job whose spec it returns.
-- A caller whose own log row records the transition (ff_complete_execution, whose row lists the
-- resolutions it caused; ff_cancel_flow and ff_cancel_siblings_step, whose rows name what they
-- cancelled) passes p_log => false: one log row per call, not one more per execution.
CREATE OR REPLACE FUNCTION flowfabric._finish_execution(
  p_execution flowfabric.ff_exec_core,
  p_outcome   text,
  p_result    jsonb,
  p_now_ms    bigint,
  p_cascade   boolean DEFAULT true,
  p_notify    boolean DEFAULT true,
  p_log       boolean DEFAULT true)
RETURNS graphile_worker.job_spec
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_namespace text;
  v_revision  bigint;
BEGIN
  -- The transition, then for a flow member its log row, as statements of their own: an INSERT
  -- into ff_flow_event (identity key) inside a data-modifying CTE runs on Citus as one statement
  -- per shard (docs/conventions.md 17).
  UPDATE ff_exec_core e
  SET lifecycle_phase = 'terminal',
      ownership_state = 'unowned',
      eligibility_state = 'not_applicable',
      blocking_reason = 'none',
      -- A skipped execution that never began an attempt never ran: attempt_state none.
      attempt_state = CASE WHEN e.attempt_state = 'running_attempt' THEN 'attempt_terminal'
                           WHEN p_outcome = 'skipped' AND e.attempt_state = 'pending_first_attempt' THEN 'none'
                           ELSE e.attempt_state END,
      -- (A searched CASE: Citus sends CASE x WHEN ... in an UPDATE to the shard as text = boolean.)
      public_state = CASE WHEN p_outcome = 'success' THEN 'completed' ELSE p_outcome END,
      terminal_outcome = p_outcome,
      terminal_at_ms = p_now_ms,
      result = p_result
  WHERE e.partition_key = p_execution.partition_key AND e.execution_id = p_execution.execution_id;
  IF p_execution.flow_id IS NOT NULL AND p_log THEN
    SELECT f.graph_revision, f.raw_fields->>'namespace' INTO v_revision, v_namespace
    FROM ff_flow_core f
    WHERE f.partition_key = p_execution.partition_key AND f.flow_id = p_execution.flow_id;
    INSERT INTO ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
    VALUES (p_execution.partition_key, p_execution.flow_id, v_revision, 'complete_execution',
            jsonb_build_object('execution_id', '{fp:' || p_execution.partition_key || '}:' || p_execution.execution_id,
                               'outcome', p_outcome),
            p_now_ms);
  END IF;

  -- A cancelled or expired execution must not start any more: drop its queued run job
  -- (a job already running is only stopped from retrying; its completion finds the
  -- execution terminal). success/failed come from the run itself or from an outside
  -- completion, whose queued job then finds the execution terminal and does nothing.
  IF p_execution.raw_fields ? 'task_identifier' AND p_outcome IN ('cancelled', 'expired') THEN
    PERFORM graphile_worker.remove_job('flowstage:run:' || p_execution.execution_id);
  END IF;

  IF p_execution.flow_id IS NULL THEN
    RETURN NULL;  -- a solo execution has no edges and no flow to finish
  END IF;
  IF p_notify AND p_log THEN
    PERFORM _notify_namespace(v_namespace);  -- (the log row above was written directly)
  END IF;
  IF p_cascade THEN
    RETURN _defer_cascade(p_execution.partition_key, p_execution.execution_id, p_execution.flow_id, p_outcome, p_now_ms);
  END IF;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._finish_execution(flowfabric.ff_exec_core, text, jsonb, bigint, boolean, boolean, boolean) IS
  'Private. Terminal transition of an execution the caller has locked and checked non-terminal: lifecycle_phase terminal, eligibility_state not_applicable, blocking_reason none, terminal_outcome and public_state from p_outcome (success -> completed), terminal_at_ms, result; attempt_state attempt_terminal after a running attempt, none for a skip of an execution that never began one. Outcome cancelled or expired removes the execution''s queued run job (graphile_worker.remove_job(''flowstage:run:<uuid>'')). For flow members it logs complete_execution {execution_id, outcome} (and notifies the namespace unless p_notify => false: the caller then calls _notify_namespace itself in this transaction); p_log => false writes no row and sends no notification (the caller''s own row records the transition) and, with p_cascade, defers the outgoing edges to a job (_defer_cascade: outbox row) and returns that job''s spec, which the caller passes to graphile_worker.add_jobs in the same transaction; NULL otherwise. p_cascade => false: ff_complete_execution (which resolves the edges itself) and ff_cancel_flow (the flow is already terminal). Takes no lock.';
