-- ff_list_edges: a flow's edges in edge_id order, a page at a time — all of them, or one execution's in/out/both.
CREATE OR REPLACE FUNCTION flowfabric.ff_list_edges(
  p_flow_id      uuid,
  p_execution_id text DEFAULT NULL,
  p_direction    text DEFAULT 'both',
  p_after        uuid DEFAULT NULL,
  p_limit        int  DEFAULT 100)
RETURNS TABLE (
  edge_id                 flowfabric.ff_edge_id,
  upstream_execution_id   flowfabric.ff_execution_id,
  downstream_execution_id flowfabric.ff_execution_id,
  dependency_kind         flowfabric.ff_dependency_kind,
  data_passing_ref        flowfabric.ff_text,
  edge_state              flowfabric.ff_edge_state,
  staged_graph_revision   flowfabric.ff_revision,
  staged_at_ms            flowfabric.ff_time_ms,
  applied_at_ms           bigint,
  resolved_at_ms          bigint,
  upstream_outcome        flowfabric.ff_outcome_or_null,
  condition               text)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_after     uuid;
  v_first     boolean;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_execution_id IS NOT NULL THEN
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  END IF;
  IF p_direction IS NULL OR p_direction NOT IN ('in', 'out', 'both') THEN
    PERFORM _raise('invalid_input', format('p_direction: must be in, out or both (got %s)', _shown(p_direction)));
  END IF;
  IF p_direction <> 'both' AND p_execution_id IS NULL THEN
    PERFORM _raise('invalid_input', format('p_direction: %s needs p_execution_id (the whole flow is listed with both)', p_direction));
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM _raise('invalid_input', format('p_limit: must be 1..1000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  v_partition := ff_flow_partition(p_flow_id);

  PERFORM _get_flow(v_partition, p_flow_id);
  IF p_execution_id IS NOT NULL THEN
    v_exec := _find_execution('p_execution_id', v_requested, v_id, v_partition);
    IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
      PERFORM _raise('execution_not_in_flow',
        format('execution_id=%s flow_id=%s', _canonical_execution_id(v_partition, v_id), p_flow_id));
    END IF;
  END IF;

  -- Keyset bound the primary key can use: inclusive only on the first page.
  v_after := coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid);
  v_first := p_after IS NULL;
  RETURN QUERY
  SELECT e.edge_id::ff_edge_id,
         _canonical_execution_id(e.partition_key, e.upstream_eid)::ff_execution_id,
         _canonical_execution_id(e.partition_key, e.downstream_eid)::ff_execution_id,
         (e.dependency_kind)::ff_dependency_kind,
         (e.data_passing_ref)::ff_text,
         (e.edge_state)::ff_edge_state,
         e.staged_graph_revision::ff_revision,
         e.staged_at_ms::ff_time_ms,
         e.applied_at_ms,
         e.resolved_at_ms,
         (e.upstream_outcome)::ff_outcome_or_null,
         e.condition
  FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
    AND e.edge_id >= v_after AND (v_first OR e.edge_id <> v_after)
    AND (v_id IS NULL
         OR (p_direction IN ('out', 'both') AND e.upstream_eid = v_id)
         OR (p_direction IN ('in', 'both') AND e.downstream_eid = v_id))
  ORDER BY e.edge_id
  LIMIT p_limit;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_list_edges(uuid, text, text, uuid, int) IS
$$List the edges of flow p_flow_id ordered by edge_id, p_limit (1..1000, default 100) at a time, rows with edge_id > p_after (keyset pagination: pass the last edge_id of a page). Edges staged while a caller pages through appear in a later page if their id sorts after the cursor; none is returned twice. Read-only: takes no row locks.
With p_execution_id ({fp:N}:<uuid> or <uuid>, a member of the flow): p_direction in = its inbound edges, out = its outbound edges, both (default) = either. Without it every edge of the flow is listed and p_direction must be both.
Returns (edge_id, upstream_execution_id, downstream_execution_id (canonical), dependency_kind, data_passing_ref, edge_state, staged_graph_revision, staged_at_ms, applied_at_ms, resolved_at_ms, upstream_outcome (NULL until resolved), condition (the edge's SQL/JSON path predicate, NULL when none; docs/semantics.md §10.1)).
Checks in order: invalid_input (FF012: NULL p_flow_id, malformed p_execution_id, unknown p_direction, in/out without p_execution_id, p_limit outside 1..1000); flow_not_found (FF001); execution_not_in_flow (FF007) when p_execution_id is not a member (a {fp:N} of another partition -> invalid_input partition_mismatch).$$;
