-- ff_list_flows: flows in flow_id order, a page at a time (keyset: rows after p_after), optionally one namespace and state.
CREATE OR REPLACE FUNCTION flowfabric.ff_list_flows(
  p_namespace text DEFAULT NULL,
  p_after     uuid DEFAULT NULL,
  p_limit     int  DEFAULT 100,
  p_state     text DEFAULT NULL)
RETURNS TABLE (
  flow_id             flowfabric.ff_flow_id,
  partition_key       flowfabric.ff_partition,
  namespace           flowfabric.ff_name,
  flow_kind           flowfabric.ff_name,
  public_flow_state   flowfabric.ff_public_flow_state,
  graph_revision      flowfabric.ff_revision,
  node_count          flowfabric.ff_graph_size,
  edge_count          flowfabric.ff_graph_size,
  created_at_ms       flowfabric.ff_time_ms,
  terminal_at_ms      bigint,
  last_mutation_at_ms flowfabric.ff_time_ms)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_after uuid;
  v_first boolean;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM _raise('invalid_input', format('p_limit: must be 1..1000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  IF p_state IS NOT NULL AND p_state NOT IN ('open', 'cancelled', 'completed', 'failed') THEN
    PERFORM _raise('invalid_input', format('p_state: must be open, cancelled, completed or failed (got %s)', _shown(p_state)));
  END IF;
  IF p_namespace = '' THEN
    PERFORM _raise('invalid_input', 'p_namespace: must be NULL (every namespace) or a namespace name');
  END IF;

  -- Keyset bound the index can use: inclusive only on the first page.
  v_after := coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid);
  v_first := p_after IS NULL;
  IF p_namespace IS NULL THEN
    RETURN QUERY
    SELECT f.flow_id::ff_flow_id, f.partition_key::ff_partition, f.namespace::ff_name,
           (f.raw_fields->>'flow_kind')::ff_name, f.public_flow_state::ff_public_flow_state,
           f.graph_revision::ff_revision, (f.raw_fields->>'node_count')::ff_graph_size,
           (f.raw_fields->>'edge_count')::ff_graph_size, f.created_at_ms::ff_time_ms, f.terminal_at_ms,
           (f.raw_fields->>'last_mutation_at_ms')::ff_time_ms
    FROM ff_flow_core f
    WHERE f.flow_id >= v_after AND (v_first OR f.flow_id <> v_after)
      AND (p_state IS NULL OR f.public_flow_state = p_state)
    ORDER BY f.flow_id
    LIMIT p_limit;
  ELSE
    RETURN QUERY
    SELECT f.flow_id::ff_flow_id, f.partition_key::ff_partition, f.namespace::ff_name,
           (f.raw_fields->>'flow_kind')::ff_name, f.public_flow_state::ff_public_flow_state,
           f.graph_revision::ff_revision, (f.raw_fields->>'node_count')::ff_graph_size,
           (f.raw_fields->>'edge_count')::ff_graph_size, f.created_at_ms::ff_time_ms, f.terminal_at_ms,
           (f.raw_fields->>'last_mutation_at_ms')::ff_time_ms
    FROM ff_flow_core f
    WHERE f.namespace = p_namespace
      AND f.flow_id >= v_after AND (v_first OR f.flow_id <> v_after)
      AND (p_state IS NULL OR f.public_flow_state = p_state)
    ORDER BY f.flow_id
    LIMIT p_limit;
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_list_flows(text, uuid, int, text) IS
$$List flows ordered by flow_id, p_limit (1..1000, default 100) at a time. Keyset pagination: pass the last flow_id of a page as p_after to get the next page; a flow created meanwhile appears in a later page if its id sorts after the cursor, and no flow is ever returned twice. Read-only: takes no row locks.
Filters: p_namespace (NULL = every namespace), p_state (NULL = any; else open | cancelled | completed | failed; an extra beyond docs/semantics.md §5's signature, placed last so the documented positional order holds).
Returns (flow_id, partition_key, namespace, flow_kind, public_flow_state, graph_revision, node_count, edge_count, created_at_ms, terminal_at_ms, last_mutation_at_ms); an empty result when nothing is left.
Refusals: invalid_input (FF012) for p_limit outside 1..1000, an unknown p_state or an empty p_namespace.$$;
