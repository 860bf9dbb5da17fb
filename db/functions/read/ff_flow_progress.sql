-- ff_flow_progress: for a list of flows, each one's state and how many members are in each public state.
-- Guarantees: read-only, no row locks; each flow is read on its own partition (flow row by primary
-- key, members by the (partition_key, flow_id) index); ids that name no flow are left out.
CREATE OR REPLACE FUNCTION flowfabric.ff_flow_progress(p_flow_ids uuid[])
RETURNS TABLE (
  flow_id             flowfabric.ff_flow_id,
  namespace           flowfabric.ff_name,
  public_flow_state   flowfabric.ff_public_flow_state,
  graph_revision      flowfabric.ff_revision,
  node_count          flowfabric.ff_graph_size,
  created_at_ms       flowfabric.ff_time_ms,
  started_at_ms       bigint,
  terminal_at_ms      bigint,
  last_mutation_at_ms flowfabric.ff_time_ms,
  member_states       jsonb,
  notify              flowfabric.ff_flag)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_flow_ids IS NULL OR cardinality(p_flow_ids) > 1000 OR array_position(p_flow_ids, NULL) IS NOT NULL THEN
    PERFORM _raise('invalid_input',
      format('p_flow_ids: must be an array of at most 1000 flow ids without NULL (got %s)',
             CASE WHEN p_flow_ids IS NULL THEN 'NULL' ELSE cardinality(p_flow_ids) || ' items' END));
  END IF;
  RETURN QUERY
  SELECT f.flow_id::ff_flow_id, f.namespace::ff_name, f.public_flow_state::ff_public_flow_state,
         f.graph_revision::ff_revision, (f.raw_fields->>'node_count')::ff_graph_size, f.created_at_ms::ff_time_ms,
         (f.raw_fields->>'started_at_ms')::bigint, f.terminal_at_ms,
         (f.raw_fields->>'last_mutation_at_ms')::ff_time_ms,
         coalesce((SELECT jsonb_object_agg(s.public_state, s.n ORDER BY s.public_state)
                   FROM (SELECT e.public_state, count(*) AS n
                         FROM ff_exec_core e
                         WHERE e.partition_key = f.partition_key AND e.flow_id = f.flow_id
                         GROUP BY e.public_state) s), '{}'::jsonb),
         EXISTS (SELECT FROM ff_namespace_notify n WHERE n.namespace = f.namespace)::ff_flag
  FROM (SELECT DISTINCT i.id FROM unnest(p_flow_ids) AS i(id)) ids
  JOIN ff_flow_core f ON f.partition_key = ff_flow_partition(ids.id) AND f.flow_id = ids.id
  ORDER BY f.flow_id;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_flow_progress(uuid[]) IS
$$For each flow of p_flow_ids (at most 1000, duplicates read once; an id that names no flow is left out, not refused, since a list may name a flow pruned meanwhile): (flow_id, namespace, public_flow_state, graph_revision, node_count, created_at_ms, started_at_ms (NULL until ff_start_flow), terminal_at_ms, last_mutation_at_ms, member_states: {public_state: count} over its members, only states that occur; notify: whether its namespace's notifications are on (ff_set_namespace_notify), so a watcher can LISTEN instead of polling). Ordered by flow_id. Read-only: takes no row locks; counts each flow's members (cost grows with the flow's size: meant for a page of flows, as the dashboard's flow list shows).
Refusals: invalid_input (FF012) for p_flow_ids NULL, holding NULL, or longer than 1000.$$;
