-- ff_expire_execution: enforce an attempt timeout or an execution deadline whose time has come
-- (docs/semantics.md §9.3); the flowstage__expire job scheduled at that time calls it.
CREATE OR REPLACE FUNCTION flowfabric.ff_expire_execution(
  p_execution_id text,
  p_reason       text,
  p_attempt      int    DEFAULT NULL,
  p_now_ms       bigint DEFAULT NULL)
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
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_due       bigint;
  v_done      record;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  IF p_reason IS NULL OR p_reason NOT IN ('attempt_timeout', 'execution_deadline') THEN
    PERFORM _raise('invalid_input', format('p_reason: must be attempt_timeout or execution_deadline (got %s)', _shown(p_reason)));
  END IF;
  PERFORM _check_attempt_number(p_attempt);
  v_now := _now_ms(p_now_ms);
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  retry_count := v_exec.retry_count;
  IF v_exec.lifecycle_phase = 'terminal' THEN
    status := 'already_terminal';
    RETURN NEXT;
    RETURN;
  END IF;

  IF p_reason = 'attempt_timeout' THEN
    IF v_exec.attempt_state <> 'running_attempt' OR _is_stale_attempt(v_exec, p_attempt) THEN
      status := 'stale_attempt';  -- that attempt ended (or none runs): its timeout is moot
      RETURN NEXT;
      RETURN;
    END IF;
    v_due := (v_exec.raw_fields->>'last_attempt_started_at_ms')::bigint + (v_exec.policy->>'attempt_timeout_ms')::bigint;
    IF v_due IS NULL OR v_now < v_due THEN
      status := 'not_due';
      RETURN NEXT;
      RETURN;
    END IF;
    -- A failed attempt that spends a retry (FlowFabric's timeout is terminal); expired when none is left.
    RETURN QUERY SELECT * FROM _fail_attempt(execution_id, 'attempt_timeout', 'timeout',
      coalesce(p_attempt, (v_exec.raw_fields->>'attempt_count')::int), 'expired', v_now);
    RETURN;
  END IF;

  -- execution_deadline: whatever its phase, terminal expired with its cascade.
  IF v_exec.deadline_at_ms IS NULL OR v_now < v_exec.deadline_at_ms THEN
    status := 'not_due';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO v_done FROM ff_complete_execution(
    p_execution_id => execution_id, p_outcome => 'expired',
    p_result => jsonb_build_object('error', 'execution_deadline'), p_now_ms => v_now);
  IF v_done.status = 'completed' THEN
    UPDATE ff_exec_core e
    SET failure_reason = 'execution_deadline'
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id;
    status := 'expired';
    public_flow_state := v_done.public_flow_state;
  ELSE
    status := v_done.status;
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_expire_execution(text, text, int, bigint) IS
$$Enforce a timeout of execution p_execution_id whose time has come (docs/semantics.md §9.3); the flowstage__expire job that ff_begin_attempt (attempt_timeout_ms) and ff_start_flow / ff_create_execution (execution_deadline_ms) schedule at the due time calls it, on whichever flowstage worker is alive, so a dead or stuck worker cannot hold the execution. The task wrapper also calls it when its own timer fires.
Returns (status, execution_id, delay_until_ms, retry_count, public_flow_state); public_flow_state: the flow's state when this call finished it (completed or failed), else NULL.
p_reason attempt_timeout: when attempt p_attempt (NULL: the current one) still runs and last_attempt_started_at_ms + attempt_timeout_ms <= now, the attempt fails as by ff_fail_execution with failure_reason attempt_timeout (category timeout): retry_scheduled while retries are left, else terminal expired (not failed). stale_attempt when that attempt is over.
p_reason execution_deadline: when the execution is not terminal and deadline_at_ms <= now, whatever its phase (runnable, delayed, active), it becomes terminal expired (result {"error": "execution_deadline"}, failure_reason execution_deadline), its queued run job removed and its cascade run.
not_due: the time has not come (or the policy has no such limit); already_terminal: nothing to do. Nothing changes in those cases.
Refusals: invalid_input (malformed id, unknown p_reason, p_attempt < 1), execution_not_found (FF003). Locks as ff_fail_execution / ff_complete_execution.$$;
