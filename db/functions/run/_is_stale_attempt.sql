-- _is_stale_attempt: does a call naming attempt p_attempt come from an attempt that is over?
CREATE OR REPLACE FUNCTION flowfabric._is_stale_attempt(p_execution flowfabric.ff_exec_core, p_attempt int)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN p_attempt IS NOT NULL
     AND (p_execution.attempt_state <> 'running_attempt'
          OR p_attempt <> coalesce((p_execution.raw_fields->>'attempt_count')::int, 0));
END;
$$;

COMMENT ON FUNCTION flowfabric._is_stale_attempt(flowfabric.ff_exec_core, int) IS
  'Private. Fencing (docs/semantics.md §9.3): true when p_attempt is given and is not the attempt of p_execution running now (raw_fields.attempt_count while attempt_state is running_attempt). NULL p_attempt (psql, an operator) is never stale.';
