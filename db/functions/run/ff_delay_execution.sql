-- ff_delay_execution: defer an active or eligible execution until a time, without spending a retry.
CREATE OR REPLACE FUNCTION flowfabric.ff_delay_execution(
  p_execution_id   text,
  p_delay_until_ms bigint,
  p_attempt        int    DEFAULT NULL,
  p_now_ms         bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_delay_execution_status,
  execution_id   flowfabric.ff_execution_id,
  delay_until_ms flowfabric.ff_time_ms)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_flow      ff_flow_core;
  v_spec      graphile_worker.job_spec;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  PERFORM _check_attempt_number(p_attempt);
  v_now := _now_ms(p_now_ms);
  IF p_delay_until_ms IS NULL OR p_delay_until_ms < v_now THEN
    PERFORM _raise('invalid_input', format('p_delay_until_ms: must not be in the past (got %s, now %s)',
      coalesce(p_delay_until_ms::text, 'NULL'), v_now));
  END IF;
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
  END IF;
  SELECT * INTO v_exec FROM ff_exec_core e
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
  IF _is_stale_attempt(v_exec, p_attempt) AND v_exec.lifecycle_phase <> 'terminal' THEN
    status := 'stale_attempt';
    delay_until_ms := coalesce(v_exec.delay_until_ms, p_delay_until_ms);
    RETURN NEXT;
    RETURN;
  END IF;
  IF NOT (v_exec.lifecycle_phase = 'active'
          OR (v_exec.lifecycle_phase = 'runnable' AND v_exec.eligibility_state IN ('eligible_now', 'not_eligible_until_time'))) THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: execution_not_active: %s is %s (public_state %s); only an active, waiting or delayed execution can be delayed',
             execution_id, v_exec.lifecycle_phase, v_exec.public_state));
  END IF;

  UPDATE ff_exec_core e
  SET lifecycle_phase = 'runnable',
      ownership_state = 'unowned',
      eligibility_state = 'not_eligible_until_time',
      blocking_reason = 'waiting_for_delay',
      public_state = 'delayed',
      -- The attempt that delays itself is over: the next one is a new attempt (no retry is spent).
      attempt_state = CASE WHEN e.attempt_state = 'running_attempt' THEN 'pending_retry_attempt' ELSE e.attempt_state END,
      delay_until_ms = p_delay_until_ms
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id
  RETURNING e.* INTO v_exec;
  -- Its run job moves to the new time (replace mode), unless its flow has not started yet:
  -- ff_start_flow enqueues it then, at that time.
  IF v_exec.flow_id IS NULL OR v_flow.raw_fields ? 'started_at_ms' THEN
    v_spec := _run_job_spec(v_exec, v_flow);
    IF NOT (v_spec IS NULL) THEN
      PERFORM _add_jobs(ARRAY[v_spec]);
    END IF;
  END IF;
  IF v_exec.flow_id IS NOT NULL THEN
    PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
      'delay_execution', jsonb_build_object('execution_id', execution_id, 'delay_until_ms', p_delay_until_ms, 'attempt', p_attempt),
      v_now);
  END IF;
  status := 'delayed';
  delay_until_ms := p_delay_until_ms;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_delay_execution(text, bigint, int, bigint) IS
$$Defer execution p_execution_id until p_delay_until_ms without spending a retry (docs/semantics.md §9.2): a running task deferring itself (pass p_attempt) or an operator. It becomes lifecycle_phase runnable, eligibility_state not_eligible_until_time, public_state delayed, blocking_reason waiting_for_delay, delay_until_ms; an attempt it interrupts ends (attempt_state pending_retry_attempt; retry_count unchanged); its run job is enqueued at run_at = p_delay_until_ms (replace mode), or by ff_start_flow at that time when its flow has not started.
Returns (status, execution_id, delay_until_ms); stale_attempt: p_attempt is not the attempt running now, nothing changes.
Refusals: invalid_input (malformed id; p_delay_until_ms NULL or in the past; p_attempt < 1; DETAIL execution_not_active for an execution that is terminal or blocked by its dependencies), execution_not_found (FF003). Locks the execution row. Logs delay_execution for flow members.$$;
