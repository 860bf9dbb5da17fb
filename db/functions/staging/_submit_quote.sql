-- _submit_quote: a JSON value as DETAIL quotes it, cut to at most 200 characters.
CREATE OR REPLACE FUNCTION flowfabric._submit_quote(p_value jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_text text := coalesce(p_value::text, 'NULL');
BEGIN
  IF char_length(v_text) > 200 THEN
    RETURN left(v_text, 200) || format('… (%s characters)', char_length(v_text));
  END IF;
  RETURN v_text;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_quote(jsonb) IS
  'Private (ff_submit_flow). p_value as JSON text for a refusal''s DETAIL: at most its first 200 characters, then "… (N characters)" when longer (docs/semantics.md §8); NULL as the word NULL.';
