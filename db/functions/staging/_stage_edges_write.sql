-- _stage_edges_write: checks 6-7 and the insert of ff_stage_dependency_edges for a whole batch, then the flow bump and the log.
CREATE OR REPLACE FUNCTION flowfabric._stage_edges_write(
  p_flow              flowfabric.ff_flow_core,
  p_edge_ids          uuid[],
  p_upstream_eids     uuid[],
  p_downstream_eids   uuid[],
  p_data_passing_refs text[],
  p_dry_run           boolean,
  p_now_ms            bigint DEFAULT NULL,
  p_kinds             jsonb[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
  v_now       bigint;
  v_partition smallint := p_flow.partition_key;
  v_count     int := cardinality(p_edge_ids);
  v_duplicate int;
  v_clean     int;
  v_closing   int;
  v_edge      ff_edge;
BEGIN
  v_now := _now_ms(p_now_ms);
  -- The first entry whose edge_id is taken (by an edge of the flow, or by an earlier entry).
  SELECT min(b.ord) INTO v_duplicate
  FROM (SELECT u.edge_id, u.ord::int AS ord, row_number() OVER (PARTITION BY u.edge_id ORDER BY u.ord) AS nth
        FROM unnest(p_edge_ids) WITH ORDINALITY AS u(edge_id, ord)) b
  WHERE b.nth > 1
     OR EXISTS (SELECT 1 FROM ff_edge e
                WHERE e.partition_key = v_partition AND e.flow_id = p_flow.flow_id AND e.edge_id = b.edge_id);
  -- Every entry before it is inserted at once, each exactly as ff_stage_dependency_edge inserts
  -- it, at its own revision (base + its 1-based position).
  v_clean := coalesce(v_duplicate - 1, v_count);
  IF v_clean > 0 THEN
    INSERT INTO ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                         staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, condition, edge_state)
    SELECT v_partition, p_flow.flow_id, b.edge_id, b.upstream_eid, b.downstream_eid, 1,
           v_now, p_flow.graph_revision + b.ord, coalesce(p_kinds[b.ord]->>'dependency_kind', 'success_only'),
           b.data_passing_ref, p_kinds[b.ord]->>'condition', 'pending'
    FROM unnest(p_edge_ids[1:v_clean], p_upstream_eids[1:v_clean], p_downstream_eids[1:v_clean], p_data_passing_refs[1:v_clean])
         WITH ORDINALITY AS b(edge_id, upstream_eid, downstream_eid, data_passing_ref, ord);
    -- 6. one check for the whole batch: the first entry (if any) that closes a cycle with the
    -- flow's edges and the entries before it.
    v_closing := _first_cycle_closing_edge(v_partition, p_flow.flow_id, p_flow.graph_revision, p_upstream_eids[1:v_clean], p_downstream_eids[1:v_clean], true);
    IF v_closing IS NOT NULL THEN
      -- Back to the graph that entry saw, so its cycle is the one a call for it alone would report.
      DELETE FROM ff_edge e
      WHERE e.partition_key = v_partition AND e.flow_id = p_flow.flow_id AND e.edge_id = ANY (p_edge_ids[v_closing:v_clean]);
      PERFORM _check_acyclic(v_partition, p_flow.flow_id, format('p_edges[%s]', v_closing - 1), p_upstream_eids[v_closing], p_downstream_eids[v_closing]);
      RAISE EXCEPTION 'flowstage bug: p_edges[%] closes a cycle in the batch check but not in _find_cycle', v_closing - 1;
    END IF;
  END IF;
  IF v_duplicate IS NOT NULL THEN
    -- 6-7 for the first entry with a taken edge_id: a cycle is reported first, as for one edge.
    PERFORM _check_acyclic(v_partition, p_flow.flow_id, format('p_edges[%s]', v_duplicate - 1), p_upstream_eids[v_duplicate], p_downstream_eids[v_duplicate]);
    SELECT * INTO v_edge FROM ff_edge e
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow.flow_id AND e.edge_id = p_edge_ids[v_duplicate];
    PERFORM _raise('dependency_already_exists', format('p_edges[%s]: %s', v_duplicate - 1, _edge_to_json(v_edge)::text),
      'Use a new edge_id, or retry with the endpoints and kind of the existing edge shown in DETAIL.');
  END IF;
  IF p_dry_run THEN
    -- Every check passed: undo the inserts. The caller catches exactly this SQLSTATE.
    RAISE EXCEPTION USING ERRCODE = 'FF900', MESSAGE = 'flowstage private: dry run rollback',
      DETAIL = 'Raised by _stage_edges_write and caught by ff_stage_dependency_edges; never reaches a caller.';
  END IF;
  FOR v_index IN 1 .. v_count LOOP
    PERFORM _log_flow_event(v_partition, p_flow.flow_id, p_flow.raw_fields->>'namespace', p_flow.graph_revision + v_index,
      'stage_dependency_edge',
      jsonb_build_object('edge_id', p_edge_ids[v_index],
                         'upstream_execution_id', _canonical_execution_id(v_partition, p_upstream_eids[v_index]),
                         'downstream_execution_id', _canonical_execution_id(v_partition, p_downstream_eids[v_index]),
                         'dependency_kind', 'success_only',
                         'data_passing_ref', p_data_passing_refs[v_index]) || coalesce(p_kinds[v_index], '{}'::jsonb),
      v_now);
  END LOOP;
  PERFORM _bump_flow(v_partition, p_flow.flow_id, 0, v_count, v_now);
END;
$$;

COMMENT ON FUNCTION flowfabric._stage_edges_write(flowfabric.ff_flow_core, uuid[], uuid[], uuid[], text[], boolean, bigint, jsonb[]) IS
$$Private (ff_stage_dependency_edges; the caller has validated the batch, locked p_flow's row and run checks 1-5). Gives the answer of staging the entries one by one in array order (cycle check against the flow's edges plus the earlier entries, then the edge_id check), without one walk per entry: finds the first entry whose edge_id is taken (in the flow or by an earlier entry), inserts every entry before it in one statement (staged_graph_revision = p_flow.graph_revision + 1-based position, columns as ff_stage_dependency_edge writes them; p_kinds[i], when given, sets dependency_kind and condition: {} for a plain success_only edge), and asks _first_cycle_closing_edge for the first of them that closes a cycle. The first failing entry decides: cycle_detected (FF008, DETAIL p_edges[i] (0-based): the path _find_cycle reports on the graph that entry saw) or dependency_already_exists (FF009, DETAIL p_edges[i]: the edge holding the id, as JSON). Then logs one stage_dependency_edge event per entry (revision after that entry) and raises the flow's graph_revision and edge_count by the number of entries, last_mutation_at_ms = now.
With p_dry_run, once every entry has passed it logs nothing, leaves the flow row alone and raises the private sentinel SQLSTATE FF900 so the caller's exception block rolls the inserts back; refusals propagate unchanged. Planner pinned to index scans: ff_edge is only probed by key.$$;
