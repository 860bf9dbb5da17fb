-- _is_same_edge: does a stored edge match a staging call exactly (an idempotent retry)?
CREATE OR REPLACE FUNCTION flowfabric._is_same_edge(
  p_edge flowfabric.ff_edge,
  p_upstream_eid uuid,
  p_downstream_eid uuid,
  p_dependency_kind text,
  p_condition text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce(p_edge.upstream_eid = p_upstream_eid
                  AND p_edge.downstream_eid = p_downstream_eid
                  AND p_edge.dependency_kind = p_dependency_kind
                  AND (p_edge.condition) IS NOT DISTINCT FROM p_condition, false);
END;
$$;

COMMENT ON FUNCTION flowfabric._is_same_edge(flowfabric.ff_edge, uuid, uuid, text, text) IS
  'Private. True when p_edge exists with these endpoints, dependency kind and condition (NULL: none): staging it again is an exact retry. False for a missing (all-NULL) edge.';
