-- _effective_policy: an execution's run policy with every default filled in (docs/semantics.md §9.1).
CREATE OR REPLACE FUNCTION flowfabric._effective_policy(p_policy jsonb, p_flow_max_attempts int DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN jsonb_build_object(
           'max_retries', greatest(coalesce(p_flow_max_attempts - 1, 0), 0),
           'backoff', jsonb_build_object('type', 'exponential', 'initial_delay_ms', 1000, 'max_delay_ms', 60000, 'multiplier', 2),
           'max_replays', 10)
         || coalesce(p_policy, '{}');
END;
$$;

COMMENT ON FUNCTION flowfabric._effective_policy(jsonb, int) IS
  'Private. The stored policy p_policy (ff_exec_core.policy: the execution''s keys over its flow''s default_policy) with the defaults of the keys it does not set: max_retries = p_flow_max_attempts - 1 (ff_start_flow''s shorthand) or 0, exponential backoff 1000 ms doubling up to 60000 ms, max_replays 10; attempt_timeout_ms and execution_deadline_ms stay absent (none).';
