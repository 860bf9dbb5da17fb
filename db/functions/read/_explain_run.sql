-- _explain_run: ff_explain_execution's words for the run-policy states (docs/semantics.md §9):
-- a retry's backoff, a delay, an attempt that is a retry or replay, a failure or an expiry.
CREATE OR REPLACE FUNCTION flowfabric._explain_run(p_execution flowfabric.ff_exec_core, p_flow flowfabric.ff_flow_core)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_policy   jsonb := _effective_policy(p_execution.policy, (p_flow.raw_fields->>'max_attempts')::int);
  v_attempts int := (v_policy->>'max_retries')::int + 1;
  v_attempt  int := coalesce((p_execution.raw_fields->>'attempt_count')::int, 0);
  v_at       text := to_char(to_timestamp(p_execution.delay_until_ms / 1000.0) AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' UTC';
BEGIN
  IF p_execution.blocking_reason = 'waiting_for_retry_backoff' THEN
    RETURN format('retrying at %s after attempt %s of %s failed: %s', v_at, v_attempt, v_attempts, p_execution.failure_reason);
  ELSIF p_execution.blocking_reason = 'waiting_for_delay' THEN
    RETURN format('delayed until %s', v_at);
  ELSIF p_execution.lifecycle_phase = 'active' THEN
    RETURN format('running: attempt %s on a worker', greatest(v_attempt, 1))
      || CASE p_execution.raw_fields->>'attempt_type'
           WHEN 'retry' THEN format(' (retry %s of %s after: %s)', p_execution.retry_count, v_attempts - 1, p_execution.failure_reason)
           WHEN 'replay' THEN format(' (replay %s)', p_execution.replay_count)
           ELSE '' END
      || CASE WHEN v_policy ? 'attempt_timeout_ms'
              THEN format('; times out after %s ms', v_policy->>'attempt_timeout_ms') ELSE '' END;
  ELSIF p_execution.lifecycle_phase = 'terminal' AND p_execution.failure_reason IS NOT NULL
        AND p_execution.terminal_outcome IN ('failed', 'expired') THEN
    IF p_execution.failure_reason = 'execution_deadline' THEN
      RETURN format('terminal: expired at its execution deadline (%s ms)', v_policy->>'execution_deadline_ms');
    END IF;
    RETURN format('terminal: %s after attempt %s of %s failed: %s', p_execution.terminal_outcome, v_attempt, v_attempts,
                  p_execution.failure_reason);
  END IF;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._explain_run(flowfabric.ff_exec_core, flowfabric.ff_flow_core) IS
  'Private. The reason ff_explain_execution gives for an execution in a run-policy state, or NULL: "retrying at HH:MM:SS UTC after attempt N of M failed: <failure_reason>" (M = max_retries + 1), "delayed until HH:MM:SS UTC", "running: attempt N on a worker" with " (retry R of M - 1 after: <reason>)" or " (replay R)" and "; times out after T ms", "terminal: failed|expired after attempt N of M failed: <reason>", "terminal: expired at its execution deadline (D ms)".';
