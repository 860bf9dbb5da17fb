-- _parse_execution_id: accept {fp:N}:<uuid> (0 <= N <= 255) or a bare <uuid>; refuse anything else.
CREATE OR REPLACE FUNCTION flowfabric._parse_execution_id(
  p_field text,
  p_value text,
  OUT partition_key smallint,
  OUT execution_id uuid)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_match text[];
BEGIN
  IF p_value IS NULL THEN
    PERFORM _raise('invalid_input', format('%s: must not be null', p_field));
  END IF;
  v_match := regexp_match(p_value,
    '^(?:\{fp:([0-9]{1,3})\}:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$');
  IF v_match IS NULL OR v_match[1]::int > 255 THEN
    PERFORM _raise('invalid_input',
      format('%s: not an execution id, expected {fp:N}:<uuid> with N in 0..255 or <uuid> (got %s)', p_field, p_value));
  END IF;
  partition_key := v_match[1]::smallint;  -- NULL for a bare uuid
  execution_id := v_match[2]::uuid;
END;
$$;

COMMENT ON FUNCTION flowfabric._parse_execution_id(text, text) IS
  'Private. Parses an execution id given as {fp:N}:<uuid> or <uuid>; partition_key is NULL for a bare uuid. Anything else (or NULL) -> invalid_input naming p_field, never a cast error.';
