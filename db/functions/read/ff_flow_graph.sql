-- ff_flow_graph: a flow's whole graph in one row (members with their states, edges with theirs), compact, for drawing it.
-- Guarantees: read-only, no row locks, one snapshot; reads the flow's own partition only (members by
-- the (partition_key, flow_id) index, edges by the primary key range); payloads and results are left
-- out (a node's label only), so a 10,000-node flow is one round trip of a few hundred kB.
CREATE OR REPLACE FUNCTION flowfabric.ff_flow_graph(p_flow_id uuid, p_edges boolean DEFAULT true)
RETURNS TABLE (
  flow_id        flowfabric.ff_flow_id,
  graph_revision flowfabric.ff_revision,
  members        jsonb,
  edges          jsonb)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_flow      ff_flow_core;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edges IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edges: must be true or false');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  v_flow := _get_flow(v_partition, p_flow_id);
  flow_id := p_flow_id;
  graph_revision := v_flow.graph_revision;
  SELECT coalesce(jsonb_agg(jsonb_build_array(
           _canonical_execution_id(e.partition_key, e.execution_id), e.public_state, e.raw_fields->>'task_identifier',
           coalesce((e.raw_fields->>'attempt_count')::int, 0),
           CASE WHEN jsonb_typeof(e.payload->'label') = 'string' THEN e.payload->>'label'
                WHEN jsonb_typeof(e.payload->'name') = 'string' THEN e.payload->>'name' END)
         ORDER BY e.execution_id), '[]'::jsonb)
  INTO members
  FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id;
  IF p_edges THEN
    SELECT coalesce(jsonb_agg(jsonb_build_array(
             d.edge_id, _canonical_execution_id(v_partition, d.upstream_eid), _canonical_execution_id(v_partition, d.downstream_eid),
             d.edge_state, d.dependency_kind, nullif(d.data_passing_ref, ''))
           ORDER BY d.edge_id), '[]'::jsonb)
    INTO edges
    FROM ff_edge d
    WHERE d.partition_key = v_partition AND d.flow_id = p_flow_id;
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_flow_graph(uuid, boolean) IS
$$Flow p_flow_id's graph in one row, for drawing it: (flow_id, graph_revision, members, edges). members: a jsonb array ordered by execution uuid of [execution_id (canonical), public_state, task_identifier, attempt_count, label] where label is the payload's "label", else its "name", when that is a string (else null); edges (NULL when p_edges is false, e.g. to refresh states only): ordered by edge_id, [edge_id, upstream_execution_id, downstream_execution_id, edge_state, dependency_kind, data_passing_ref (null when none)]. Arrays, not objects, to keep a 10,000-node / 30,000-edge flow small; payloads and results are left out (ff_list_members, ff_describe_execution). Read-only: takes no row locks; one snapshot, so members and edges agree.
Refusals in order: invalid_input (FF012: NULL p_flow_id or p_edges); flow_not_found (FF001).$$;
