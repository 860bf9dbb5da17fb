-- _backoff_ms: how long a retry waits after a failure, from the policy and the retries so far.
CREATE OR REPLACE FUNCTION flowfabric._backoff_ms(p_policy jsonb, p_retry_count int)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_backoff jsonb := _effective_policy(p_policy)->'backoff';
BEGIN
  IF v_backoff->>'type' = 'fixed' THEN
    RETURN (v_backoff->>'delay_ms')::bigint;
  END IF;
  -- FlowFabric's arithmetic: the retry count before this failure, capped by max_delay_ms
  -- (the power is capped first so a long run of retries cannot overflow).
  RETURN least((v_backoff->>'initial_delay_ms')::numeric
               * power((v_backoff->>'multiplier')::numeric, least(p_retry_count, 64)),
               (v_backoff->>'max_delay_ms')::numeric)::bigint;
END;
$$;

COMMENT ON FUNCTION flowfabric._backoff_ms(jsonb, int) IS
  'Private. The backoff before the next attempt after a failure with p_retry_count retries already spent (docs/semantics.md §9.2): fixed -> delay_ms; exponential -> min(initial_delay_ms * multiplier ^ p_retry_count, max_delay_ms), as FlowFabric''s ff_fail_execution.';
