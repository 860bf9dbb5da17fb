-- _edge_label: what the exports write on an edge: its state, its kind when not success_only, its condition.
CREATE OR REPLACE FUNCTION flowfabric._edge_label(p_edge_state text, p_dependency_kind text, p_condition text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT concat_ws(' · ', p_edge_state,
                   CASE p_dependency_kind WHEN 'failure_only' THEN 'on failure' WHEN 'any_outcome' THEN 'always' END,
                   'if ' || p_condition)
$$;

COMMENT ON FUNCTION flowfabric._edge_label(text, text, text) IS
  'Private. The label ff_flow_to_dot and ff_flow_to_mermaid give an edge (its edge_state, dependency_kind and condition columns): edge_state, then "on failure" (failure_only) or "always" (any_outcome), then "if <condition>" when it has one (docs/semantics.md §10.1), joined by " · ". Unescaped: each export escapes it.';
