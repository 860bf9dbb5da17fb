-- _bump_flow: raise a locked flow's graph_revision, node_count and edge_count and stamp last_mutation_at_ms, in one row write.
CREATE OR REPLACE FUNCTION flowfabric._bump_flow(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_nodes_added   bigint,
  p_edges_added   bigint,
  p_now_ms        bigint,
  OUT graph_revision bigint,
  OUT node_count     bigint,
  OUT edge_count     bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_locked tid := _remembered_flow_tid(p_flow_id);
  v_tid    tid;
BEGIN
  -- The caller's _flow_row(..., true) remembered the version it locked, and while the lock is
  -- held that version stays current: a TID update, however many versions this transaction left.
  UPDATE ff_flow_core f
  SET graph_revision = f.graph_revision + p_nodes_added + p_edges_added,
      -- jsonb_set and casts, not jsonb_build_object (STABLE) over the columns: Citus refuses a
      -- STABLE function over column values in UPDATE ... SET (docs/conventions.md 17).
      raw_fields = jsonb_set(jsonb_set(f.raw_fields,
        '{node_count}', ((f.raw_fields->>'node_count')::bigint + p_nodes_added)::text::jsonb),
        '{edge_count}', ((f.raw_fields->>'edge_count')::bigint + p_edges_added)::text::jsonb)
        || jsonb_build_object('last_mutation_at_ms', p_now_ms)
  WHERE f.ctid = v_locked AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id
  RETURNING f.ctid, f.graph_revision, (f.raw_fields->>'node_count')::bigint, (f.raw_fields->>'edge_count')::bigint
  INTO v_tid, graph_revision, node_count, edge_count;
  IF v_tid IS NULL THEN
    RAISE EXCEPTION 'flowstage bug: _bump_flow without a current _flow_row(..., true) lock on flow %', p_flow_id;
  END IF;
  PERFORM set_config('flowstage.flow_row', p_flow_id::text || ' ' || v_tid::text, true);
END;
$$;

COMMENT ON FUNCTION flowfabric._bump_flow(smallint, uuid, bigint, bigint, bigint) IS
  'Private. For a flow row the caller has locked with _flow_row(..., true) and not rewritten since: graph_revision + p_nodes_added + p_edges_added, node_count + p_nodes_added, edge_count + p_edges_added, last_mutation_at_ms = p_now_ms; returns the new values. Writes the version at the ctid _flow_row remembered in the transaction-local setting flowstage.flow_row (a TID update, O(1) in long transactions) and remembers the new version. Raises (a flowstage bug) when that version is not current.';
