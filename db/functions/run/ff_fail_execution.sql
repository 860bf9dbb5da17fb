-- ff_fail_execution: the running attempt of an execution failed; retry it after the policy's
-- backoff while retries are left, else make it terminal failed and run its cascade.
CREATE OR REPLACE FUNCTION flowfabric.ff_fail_execution(
  p_execution_id     text,
  p_failure_reason   text,
  p_failure_category text   DEFAULT NULL,
  p_attempt          int    DEFAULT NULL,
  p_now_ms           bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_fail_execution_status,
  execution_id   flowfabric.ff_execution_id,
  delay_until_ms bigint,
  retry_count    flowfabric.ff_count,
  public_flow_state flowfabric.ff_public_flow_state_or_null)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_now bigint;
BEGIN
  PERFORM _parse_execution_id('p_execution_id', p_execution_id);
  IF p_failure_reason IS NULL OR p_failure_reason = '' OR length(p_failure_reason) > 1024 THEN
    PERFORM _raise('invalid_input', format('p_failure_reason: must be 1 to 1024 characters (got %s)',
      CASE WHEN p_failure_reason IS NULL THEN 'NULL' ELSE length(p_failure_reason) || ' characters: ' || _shown(p_failure_reason) END));
  END IF;
  IF p_failure_category = '' OR length(p_failure_category) > 128 THEN
    PERFORM _raise('invalid_input', format('p_failure_category: must be NULL or 1 to 128 characters (got %s)', _shown(p_failure_category)));
  END IF;
  PERFORM _check_attempt_number(p_attempt);
  v_now := _now_ms(p_now_ms);
  RETURN QUERY SELECT * FROM _fail_attempt(p_execution_id, p_failure_reason, p_failure_category, p_attempt, 'failed', v_now);
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_fail_execution(text, text, text, int, bigint) IS
$$Fail the running attempt of active execution p_execution_id ({fp:N}:<uuid> or <uuid>) with p_failure_reason (1..1024 characters; the task wrapper of run() passes the error's message, truncated) and an optional p_failure_category (1..128 characters, e.g. the error's name). docs/semantics.md §9.2.
Returns (status, execution_id, delay_until_ms, retry_count, public_flow_state); public_flow_state: the flow's state when this call finished it (completed or failed), else NULL.
retry_scheduled: retries were left (retry_count < max_retries of its run policy; without one in the policy, ff_start_flow's p_max_attempts - 1, else 0): the execution is delayed (lifecycle_phase runnable, eligibility_state not_eligible_until_time, blocking_reason waiting_for_retry_backoff, public_state delayed, attempt_state pending_retry_attempt), retry_count + 1, failure_reason kept, delay_until_ms = now + backoff (exponential: min(initial_delay_ms * multiplier ^ retry_count before this failure, max_delay_ms); fixed: delay_ms), and its run job is enqueued with run_at = delay_until_ms in this transaction.
failed: no retries left: terminal failed (result {"error": p_failure_reason, "category": p_failure_category}), failure_reason set, the cascade runs as in ff_complete_execution.
already_terminal: it is terminal; nothing changes. stale_attempt: p_attempt (the number ff_begin_attempt returned) is not the attempt running now (it was timed out, reaped or replaced); nothing changes. NULL p_attempt acts on the current attempt.
Refusals: invalid_input (malformed id; p_failure_reason NULL, empty or over 1024 characters; p_failure_category empty or over 128 characters; p_attempt < 1; DETAIL execution_not_active when no attempt of it runs: waiting, delayed or blocked), execution_not_found (FF003).
p_attempt comes before p_now_ms so that p_now_ms stays last. Locks: the execution row (retry), or the execution and its children as ff_complete_execution (terminal). Logs fail_execution (retry) or complete_execution (terminal) for flow members.$$;
