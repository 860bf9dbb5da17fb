-- _edge_condition_result: ff_edge.condition_result ("char": t, f, n) as the boolean it records.
CREATE OR REPLACE FUNCTION flowfabric._edge_condition_result(p_code "char")
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_code = 't' THEN true WHEN p_code = 'f' THEN false END
$$;

COMMENT ON FUNCTION flowfabric._edge_condition_result("char") IS
  'Private. What an edge''s condition gave at its last resolution, from ff_edge.condition_result: t -> true, f -> false, n (not boolean, or an error) and NULL (never evaluated) -> NULL.';
