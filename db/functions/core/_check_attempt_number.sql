-- _check_attempt_number: refuse an attempt number below 1 (the fencing argument of the run calls, docs/semantics.md §9).
CREATE OR REPLACE FUNCTION flowfabric._check_attempt_number(p_attempt int)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_attempt < 1 THEN
    PERFORM _raise('invalid_input', format('p_attempt: must be NULL or >= 1 (got %s)', p_attempt));
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_attempt_number(int) IS
  'Private (ff_complete_execution, ff_fail_execution, ff_expire_execution, ff_delay_execution, ff_suspend_execution). invalid_input (FF012, DETAIL "p_attempt: ...") when p_attempt is below 1; NULL (the current attempt) passes.';
