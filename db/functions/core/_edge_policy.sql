-- _edge_policy: an edge's policy as one jsonb, exactly as 0.2.0 stored it in ff_edge.policy
-- (the row holds it as columns since 0.3.0: issue 21).
CREATE OR REPLACE FUNCTION flowfabric._edge_policy(p_edge flowfabric.ff_edge)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN jsonb_build_object(
      'dependency_kind', p_edge.dependency_kind,
      'satisfaction_condition', 'all_required',
      'data_passing_ref', p_edge.data_passing_ref,
      'edge_state', p_edge.edge_state,
      'created_at_ms', p_edge.staged_at_ms,
      'created_by', 'engine',
      'staged_at_ms', p_edge.staged_at_ms,
      'staged_graph_revision', p_edge.staged_graph_revision,
      'applied_at_ms', p_edge.applied_at_ms)
    || CASE WHEN p_edge.condition IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('condition', p_edge.condition) END
    || CASE WHEN p_edge.resolved_at_ms IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('resolved_at_ms', p_edge.resolved_at_ms, 'upstream_outcome', p_edge.upstream_outcome) END
    || CASE WHEN p_edge.condition_result IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('condition_result', _edge_condition_result(p_edge.condition_result)) END;
END;
$$;

COMMENT ON FUNCTION flowfabric._edge_policy(flowfabric.ff_edge) IS
  'Private. The edge''s policy jsonb as reads show it: dependency_kind, satisfaction_condition (all_required), data_passing_ref, edge_state, created_at_ms (= staged_at_ms), created_by (engine), staged_at_ms, staged_graph_revision, applied_at_ms (null until applied); condition when it has one; resolved_at_ms and upstream_outcome once resolved (not after a replay); condition_result (true, false or null) once its condition was evaluated.';
