-- _explain_edge_list: "edge <a>, edge <b>" for up to five edges, then "… (N more)".
CREATE OR REPLACE FUNCTION flowfabric._explain_edge_list(p_edges uuid[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT coalesce(string_agg('edge ' || x, ', ' ORDER BY n), 'none')
         || CASE WHEN cardinality(p_edges) > 5 THEN format(', … (%s more)', cardinality(p_edges) - 5) ELSE '' END
  FROM unnest(p_edges[1:5]) WITH ORDINALITY AS t(x, n)
$$;

COMMENT ON FUNCTION flowfabric._explain_edge_list(uuid[]) IS
  'Private. The edge list of ff_explain_execution''s reason: "edge <uuid>" joined by ", ", at most five, then ", … (N more)"; "none" for an empty list.';
