-- _fail_attempt: fail the running attempt of an execution (docs/semantics.md §9.2): a retry after
-- the policy's backoff while retries are left, else terminal (failed, or expired for a timeout)
-- with its cascade. The one failure path of ff_fail_execution, ff_expire_execution,
-- ff_recover_jobs (worker_lost) and ff_waitpoint_timeout (a suspended execution, behaviour fail).
CREATE OR REPLACE FUNCTION flowfabric._fail_attempt(
  p_execution_id      text,
  p_failure_reason    text,
  p_failure_category  text,
  p_attempt           int,
  p_exhausted_outcome text,
  p_now_ms            bigint,
  p_phase             text DEFAULT 'active')
RETURNS TABLE (
  status         flowfabric.ff_fail_execution_status,
  execution_id   flowfabric.ff_execution_id,
  delay_until_ms bigint,
  retry_count    flowfabric.ff_count,
  public_flow_state flowfabric.ff_public_flow_state_or_null)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_flow      ff_flow_core;
  v_policy    jsonb;
  v_attempt   int;
  v_delay     bigint;
  v_spec      graphile_worker.job_spec;
  v_done      record;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.flow_id IS NOT NULL THEN
    v_flow := _get_flow(v_exec.partition_key, v_exec.flow_id);
  END IF;

  FOR v_pass IN 1..2 LOOP  -- an unlocked look, then the same checks under the row lock
    retry_count := v_exec.retry_count;
    v_attempt := coalesce((v_exec.raw_fields->>'attempt_count')::int, 0);
    IF v_exec.lifecycle_phase = 'terminal' THEN
      status := 'already_terminal';
      RETURN NEXT;
      RETURN;
    END IF;
    IF _is_stale_attempt(v_exec, p_attempt) THEN
      status := 'stale_attempt';  -- timed out, reaped, delayed or replaced: changes nothing
      RETURN NEXT;
      RETURN;
    END IF;
    IF v_exec.lifecycle_phase <> p_phase THEN
      PERFORM _raise('invalid_input',
        format('p_execution_id: execution_not_active: %s is %s (public_state %s); only a running attempt can fail',
               execution_id, v_exec.lifecycle_phase, v_exec.public_state),
        'Fail an execution while an attempt of it runs (after ff_begin_attempt), or complete it with ff_complete_execution.');
    END IF;
    v_policy := _effective_policy(v_exec.policy, (v_flow.raw_fields->>'max_attempts')::int);
    IF v_exec.retry_count >= (v_policy->>'max_retries')::int THEN
      EXIT;  -- no retries left: terminal, below
    END IF;
    IF v_pass = 2 THEN
      -- Retries left: delayed until the backoff ends, its run job enqueued at that time.
      v_delay := p_now_ms + _backoff_ms(v_policy, v_exec.retry_count);
      UPDATE ff_exec_core e
      SET lifecycle_phase = 'runnable',
          ownership_state = 'unowned',
          eligibility_state = 'not_eligible_until_time',
          blocking_reason = 'waiting_for_retry_backoff',
          public_state = 'delayed',
          attempt_state = 'pending_retry_attempt',
          retry_count = e.retry_count + 1,
          failure_reason = p_failure_reason,
          delay_until_ms = v_delay,
          raw_fields = (e.raw_fields - 'waitpoint_id') || jsonb_build_object('last_failure_at_ms', p_now_ms, 'failure_category', p_failure_category)
      WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id
      RETURNING e.* INTO v_exec;
      v_spec := _run_job_spec(v_exec, v_flow);
      IF NOT (v_spec IS NULL) THEN
        PERFORM _add_jobs(ARRAY[v_spec]);
      END IF;
      IF v_exec.flow_id IS NOT NULL THEN
        PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
          'fail_execution',
          jsonb_build_object('execution_id', execution_id, 'attempt', v_attempt, 'failure_reason', p_failure_reason,
                             'failure_category', p_failure_category, 'retry_count', v_exec.retry_count,
                             'delay_until_ms', v_delay),
          p_now_ms);
      END IF;
      status := 'retry_scheduled';
      delay_until_ms := v_delay;
      retry_count := v_exec.retry_count;
      RETURN NEXT;
      RETURN;
    END IF;
    SELECT * INTO v_exec FROM ff_exec_core e
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
  END LOOP;

  -- No retries left: terminal, with the cascade in this transaction (ff_complete_execution takes
  -- the execution and its children in its lock order; the attempt read above fences it).
  SELECT * INTO v_done FROM ff_complete_execution(
    p_execution_id => execution_id, p_outcome => p_exhausted_outcome,
    p_result => jsonb_strip_nulls(jsonb_build_object('error', p_failure_reason, 'category', p_failure_category)),
    p_attempt => CASE WHEN p_phase = 'active' THEN v_attempt END, p_now_ms => p_now_ms);
  IF v_done.status = 'completed' THEN
    UPDATE ff_exec_core e
    SET failure_reason = p_failure_reason,
        raw_fields = e.raw_fields || jsonb_build_object('last_failure_at_ms', p_now_ms, 'failure_category', p_failure_category)
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id;
    status := p_exhausted_outcome;
    public_flow_state := v_done.public_flow_state;
  ELSE
    status := v_done.status;  -- already_terminal or stale_attempt: a concurrent call won
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric._fail_attempt(text, text, text, int, text, bigint, text) IS
$$Private. Fails the running attempt of execution p_execution_id with p_failure_reason (docs/semantics.md §9.2). Checks, unlocked and again under the execution's row lock: terminal -> already_terminal; p_attempt given and not the current running attempt -> stale_attempt; not in lifecycle phase p_phase -> invalid_input (execution_not_active). p_phase is active (a running attempt), or suspended for ff_waitpoint_timeout (an attempt that suspended and timed out waiting: no attempt fencing, the caller holds the execution row). Retries left (retry_count < the effective max_retries: the policy's, else the flow's max_attempts - 1, else 0): status retry_scheduled, the execution becomes runnable / not_eligible_until_time / delayed / waiting_for_retry_backoff / pending_retry_attempt, retry_count + 1, failure_reason, delay_until_ms = now + _backoff_ms(policy, retry_count before the failure); its run job is enqueued at that time (replace mode on flowstage:run:<uuid>: a job still locked by a dead or hung attempt loses its key and is never retried); logs fail_execution. No retries left: ff_complete_execution with p_exhausted_outcome (failed; expired for an attempt timeout) and result {"error": reason, "category": category}, fenced on the attempt (when p_phase is active), so the cascade runs in this transaction; failure_reason set; status = that outcome.$$;
