-- _edge_label: what the exports write on an edge: its state, its kind when not success_only, its condition.
CREATE OR REPLACE FUNCTION flowfabric._edge_label(p_policy jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT concat_ws(' · ', p_policy->>'edge_state',
                   CASE p_policy->>'dependency_kind' WHEN 'failure_only' THEN 'on failure' WHEN 'any_outcome' THEN 'always' END,
                   'if ' || (p_policy->>'condition'))
$$;

COMMENT ON FUNCTION flowfabric._edge_label(jsonb) IS
  'Private. The label ff_flow_to_dot and ff_flow_to_mermaid give an edge (p_policy = its policy): edge_state, then "on failure" (failure_only) or "always" (any_outcome), then "if <condition>" when it has one (docs/semantics.md §10.1), joined by " · ". Unescaped: each export escapes it.';
