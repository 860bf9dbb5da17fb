-- _edge_to_json: an edge as callers see it (canonical ids), for DETAIL and reads.
CREATE OR REPLACE FUNCTION flowfabric._edge_to_json(p_edge flowfabric.ff_edge)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN jsonb_build_object(
    'flow_id', p_edge.flow_id,
    'edge_id', p_edge.edge_id,
    'upstream_execution_id', _canonical_execution_id(p_edge.partition_key, p_edge.upstream_eid),
    'downstream_execution_id', _canonical_execution_id(p_edge.partition_key, p_edge.downstream_eid),
    'policy_version', p_edge.policy_version) || _edge_policy(p_edge);
END;
$$;

COMMENT ON FUNCTION flowfabric._edge_to_json(flowfabric.ff_edge) IS
  'Private. The edge as jsonb: flow_id, edge_id, canonical upstream/downstream execution ids, policy_version and every policy field (_edge_policy: dependency_kind, edge_state, ...).';
