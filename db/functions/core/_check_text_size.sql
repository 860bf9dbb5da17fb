-- _check_text_size: refuse a text argument longer than the limit (docs/semantics.md §8).
CREATE OR REPLACE FUNCTION flowfabric._check_text_size(p_field text, p_value text, p_max_bytes int)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF octet_length(p_value) > p_max_bytes THEN
    PERFORM _raise('invalid_input',
      format('%s: at most %s bytes (got %s bytes: %s)', p_field, p_max_bytes, octet_length(p_value), _shown(p_value)));
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_text_size(text, text, int) IS
  'Private. invalid_input naming p_field when p_value is longer than p_max_bytes bytes (DETAIL quotes at most 200 characters of it); NULL passes.';
