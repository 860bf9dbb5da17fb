-- ff_waitpoint_timeout: a waitpoint's timeout has come (its flowstage__waitpoint_timeout job):
-- fail (as ff_fail_execution: a retry while retries are left), expire or resume its suspended
-- execution (docs/semantics.md §10.2).
CREATE OR REPLACE FUNCTION flowfabric.ff_waitpoint_timeout(
  p_waitpoint_id uuid,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_waitpoint_timeout_status,
  waitpoint_id uuid,
  execution_id flowfabric.ff_execution_id)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_waitpoint ff_waitpoint;
  v_exec      ff_exec_core;
  v_spec      graphile_worker.job_spec;
  v_failed    record;
BEGIN
  IF p_waitpoint_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_waitpoint_id: must not be null');
  END IF;
  v_now := _now_ms(p_now_ms);
  waitpoint_id := p_waitpoint_id;
  SELECT w.partition_key INTO v_partition FROM ff_waitpoint w WHERE w.waitpoint_id = p_waitpoint_id;
  IF v_partition IS NULL THEN
    PERFORM _raise('invalid_input', format('p_waitpoint_id: waitpoint_not_found: %s', p_waitpoint_id));
  END IF;
  SELECT * INTO v_waitpoint FROM ff_waitpoint w WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id;
  execution_id := _canonical_execution_id(v_partition, v_waitpoint.execution_id);
  SELECT * INTO v_exec FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.execution_id = v_waitpoint.execution_id FOR UPDATE;
  SELECT * INTO v_waitpoint FROM ff_waitpoint w
  WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id FOR UPDATE;

  IF v_waitpoint.waitpoint_state <> 'waiting' OR v_exec.lifecycle_phase <> 'suspended' THEN
    status := 'already_closed';
    RETURN NEXT;
    RETURN;
  END IF;
  IF v_waitpoint.timeout_at_ms IS NULL OR v_now < v_waitpoint.timeout_at_ms THEN
    status := 'not_due';
    RETURN NEXT;
    RETURN;
  END IF;

  IF v_waitpoint.timeout_behavior = 'resume' THEN
    PERFORM _resume_waitpoint(v_waitpoint, 'timeout', v_now);  -- with the signals received so far
    status := 'resumed';
  ELSE
    UPDATE ff_waitpoint w SET waitpoint_state = 'closed', closed_at_ms = v_now, close_reason = 'timeout'
    WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id;
    IF v_waitpoint.timeout_behavior = 'expire' THEN
      v_spec := _finish_execution(v_exec, 'expired', jsonb_build_object('error', 'waitpoint_timeout', 'waitpoint_id', p_waitpoint_id),
                                  v_now, p_cascade => true);
      IF NOT (v_spec IS NULL) THEN
        PERFORM _add_jobs(ARRAY[v_spec]);
      END IF;
      status := 'expired';
    ELSE
      -- fail: the suspended attempt failed, as ff_fail_execution fails a running one (§9.2).
      SELECT * INTO v_failed FROM _fail_attempt(execution_id, 'waitpoint_timeout', 'timeout', NULL, 'failed', v_now,
                                                p_phase => 'suspended');
      status := v_failed.status;  -- retry_scheduled or failed (the execution row is held: nothing else)
    END IF;
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_waitpoint_timeout(uuid, bigint) IS
$$The timeout of waitpoint p_waitpoint_id (called by its flowstage__waitpoint_timeout job, due at timeout_at_ms; docs/semantics.md §10.2). Returns (status, waitpoint_id, execution_id).
When the waitpoint is still waiting and its execution suspended, at or after timeout_at_ms, by timeout_behavior: resume -> resumed (as a signal would resume it, with the signals received so far in payload.signals); expire -> expired (terminal expired); fail -> the suspended attempt fails as ff_fail_execution fails a running one (docs/semantics.md §9.2), with failure_reason waitpoint_timeout and failure_category timeout, spending a retry: retry_scheduled while retries are left (retry_count < max_retries: delayed until now + backoff, retry_count + 1, its run job enqueued at that time; the next attempt is a retry), else failed (terminal failed, result {error: waitpoint_timeout, category: timeout}, the cascade runs in this transaction as in ff_complete_execution). expire -> expired whatever retries are left (result {error: waitpoint_timeout, waitpoint_id}, the cascade through a flowstage__cascade job). The waitpoint closes (close_reason timeout). not_due before the time; already_closed when the waitpoint was resumed or closed before. Refusals: invalid_input (FF012: NULL id, waitpoint_not_found). Locks the execution row, then the waitpoint.$$;
