-- _shown: a value as a refusal's DETAIL repeats it: at most 200 characters (docs/semantics.md §8).
CREATE OR REPLACE FUNCTION flowfabric._shown(p_value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_value IS NULL THEN
    RETURN 'NULL';
  END IF;
  IF length(p_value) <= 200 THEN
    RETURN p_value;
  END IF;
  -- One refused megabyte argument must not write a megabyte to the server log.
  RETURN left(p_value, 200) || format('… (%s characters in all)', length(p_value));
END;
$$;

COMMENT ON FUNCTION flowfabric._shown(text) IS
  'Private. p_value for a refusal''s DETAIL: unchanged up to 200 characters, else its first 200 followed by "… (N characters in all)"; NULL as the word NULL.';
