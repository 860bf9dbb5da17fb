-- _is_int_between: is a JSON value an integer number within [p_min, p_max]?
CREATE OR REPLACE FUNCTION flowfabric._is_int_between(p_value jsonb, p_min numeric, p_max numeric)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN p_value IS NOT NULL AND jsonb_typeof(p_value) = 'number'
    AND (p_value::text)::numeric = trunc((p_value::text)::numeric)
    AND (p_value::text)::numeric BETWEEN p_min AND p_max;
END;
$$;

COMMENT ON FUNCTION flowfabric._is_int_between(jsonb, numeric, numeric) IS
  'Private. True when p_value is a JSON number without a fractional part between p_min and p_max (inclusive); false for NULL, other JSON types and out-of-range numbers.';
