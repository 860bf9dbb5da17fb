-- _check_condition: refuse an edge condition that is not a usable SQL/JSON path predicate.
CREATE OR REPLACE FUNCTION flowfabric._check_condition(p_field text, p_condition text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_condition IS NULL THEN
    RETURN;
  END IF;
  PERFORM _check_text_size(p_field, p_condition, 1024);
  BEGIN
    -- Parsed, then tried once on a JSON null: a path naming a variable ($x) raises there,
    -- as it would at every resolution; a syntax error raises at the cast.
    PERFORM jsonb_path_match('null'::jsonb, p_condition::jsonpath, '{}'::jsonb, true);
  EXCEPTION WHEN OTHERS THEN
    PERFORM _raise('invalid_input',
      format('%s: must be a SQL/JSON path predicate such as $.rows > 0 (got %s: %s)',
             p_field, _shown(p_condition), SQLERRM));
  END;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_condition(text, text) IS
  'Private. NULL passes. Otherwise p_condition must be 1..1024 bytes and a valid SQL/JSON path (jsonpath) that names no variable: else invalid_input (FF012) naming p_field, with the value (at most 200 characters) and the parser''s message. Whether it yields a boolean is found at resolution: a non-boolean, unknown or erroring predicate makes the edge impossible (docs/semantics.md §10.1).';
