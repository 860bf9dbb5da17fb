-- ff_describe_flow_at: the flow's graph (members and edges) as it stood at a past revision, rebuilt from the mutation log.
CREATE OR REPLACE FUNCTION flowfabric.ff_describe_flow_at(p_flow_id uuid, p_graph_revision bigint)
RETURNS TABLE (
  flow_id                uuid,
  graph_revision         bigint,
  current_graph_revision bigint,
  node_count             bigint,
  edge_count             bigint,
  members                jsonb,
  edges                  jsonb)
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
  IF p_graph_revision IS NULL OR p_graph_revision < 0 THEN
    PERFORM _raise('invalid_input',
      format('p_graph_revision: must be a revision >= 0 (got %s)', coalesce(p_graph_revision::text, 'NULL')));
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  v_flow := _get_flow(v_partition, p_flow_id);
  IF p_graph_revision > v_flow.graph_revision THEN
    PERFORM _raise('invalid_input',
      format('p_graph_revision: %s is beyond the flow''s current revision %s', p_graph_revision, v_flow.graph_revision),
      'Pass a revision between 0 and the current graph_revision (ff_describe_flow).');
  END IF;

  flow_id := p_flow_id;
  graph_revision := p_graph_revision;
  current_graph_revision := v_flow.graph_revision;
  -- Members in the order they joined (each add is one revision), edges in edge_id order.
  SELECT count(*), coalesce(jsonb_agg(ev.arguments->>'execution_id' ORDER BY ev.graph_revision, ev.event_id), '[]'::jsonb)
  INTO node_count, members
  FROM ff_flow_event ev
  WHERE ev.partition_key = v_partition AND ev.flow_id = p_flow_id
    AND ev.operation = 'add_execution_to_flow' AND ev.graph_revision <= p_graph_revision;
  SELECT count(*), coalesce(jsonb_agg(jsonb_build_object(
           'edge_id', ev.arguments->>'edge_id',
           'upstream_execution_id', ev.arguments->>'upstream_execution_id',
           'downstream_execution_id', ev.arguments->>'downstream_execution_id',
           'dependency_kind', ev.arguments->>'dependency_kind',
           'data_passing_ref', coalesce(ev.arguments->>'data_passing_ref', ''),
           'staged_graph_revision', ev.graph_revision)
           ORDER BY (ev.arguments->>'edge_id')::uuid), '[]'::jsonb)
  INTO edge_count, edges
  FROM ff_flow_event ev
  WHERE ev.partition_key = v_partition AND ev.flow_id = p_flow_id
    AND ev.operation IN ('stage_dependency_edge', 'stage_dependency_edges') AND ev.graph_revision <= p_graph_revision;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_describe_flow_at(uuid, bigint) IS
$$The graph of flow p_flow_id as it stood at revision p_graph_revision (0 = just created), rebuilt from the mutation log ff_flow_event: every add_execution_to_flow and stage_dependency_edge(s) event whose graph_revision (the revision after that change) is <= p_graph_revision. Read-only: takes no row locks.
Returns one row: flow_id, graph_revision (as asked), current_graph_revision, node_count, edge_count, members (jsonb array of canonical execution ids in the order they joined), edges (jsonb array ordered by edge_id of {edge_id, upstream_execution_id, downstream_execution_id, dependency_kind, data_passing_ref, staged_graph_revision}). Only the structure is rebuilt: states of executions and edges are today's business (ff_describe_flow, ff_list_edges).
Checks in order: invalid_input (FF012: NULL p_flow_id, NULL or negative p_graph_revision); flow_not_found (FF001); invalid_input (FF012, DETAIL p_graph_revision) for a revision beyond the current one.$$;
