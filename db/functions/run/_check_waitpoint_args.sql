-- _check_waitpoint_args: the argument checks shared by ff_suspend_execution and ff_create_waitpoint.
CREATE OR REPLACE FUNCTION flowfabric._check_waitpoint_args(
  p_signal_names     text[],
  p_resume_when      text,
  p_timeout_at_ms    bigint,
  p_timeout_behavior text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_signal_names IS NULL OR cardinality(p_signal_names) = 0 OR cardinality(p_signal_names) > 100
     OR EXISTS (SELECT 1 FROM unnest(p_signal_names) n WHERE n IS NULL OR n = '' OR octet_length(n) > 256) THEN
    PERFORM _raise('invalid_input',
      format('p_signal_names: must be 1..100 names of 1..256 bytes (got %s)', _shown(coalesce(p_signal_names::text, 'NULL'))));
  END IF;
  IF p_resume_when IS NULL OR p_resume_when NOT IN ('any', 'all') THEN
    PERFORM _raise('invalid_input', format('p_resume_when: must be any or all (got %s)', _shown(p_resume_when)));
  END IF;
  IF p_timeout_at_ms < 0 THEN
    PERFORM _raise('invalid_input', format('p_timeout_at_ms: must be NULL or a time >= 0 (got %s)', p_timeout_at_ms));
  END IF;
  IF p_timeout_behavior IS NULL OR p_timeout_behavior NOT IN ('fail', 'expire', 'resume') THEN
    PERFORM _raise('invalid_input', format('p_timeout_behavior: must be fail, expire or resume (got %s)', _shown(p_timeout_behavior)));
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_waitpoint_args(text[], text, bigint, text) IS
  'Private. invalid_input (FF012) naming the parameter unless p_signal_names holds 1..100 non-empty names of at most 256 bytes, p_resume_when is any or all, p_timeout_at_ms is NULL or >= 0, and p_timeout_behavior is fail, expire or resume.';
