-- _flow_row: a flow's row and its physical row version, read unlocked or locked FOR UPDATE, found
-- in O(1) when this transaction already rewrote it.
--
-- Why: every structural change rewrites the flow row (revision and counters). Inside one
-- transaction none of those versions can be pruned, so a lookup by key walks all of them: adding
-- 10,000 members in one transaction went quadratic. The functions that rewrite the row
-- (_bump_flow) remember the new version's ctid in a transaction-local setting, and this lookup
-- tries that ctid first. A stale or forged setting is harmless: the ctid must hold a visible
-- version of this very flow (key rechecked), else the key lookup answers.
CREATE OR REPLACE FUNCTION flowfabric._flow_row(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_for_update    boolean,
  OUT flow        flowfabric.ff_flow_core,
  OUT row_tid     tid)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_remembered text := current_setting('flowstage.flow_row', true);
  v_tid        tid;
  v_found      record;
BEGIN
  IF v_remembered LIKE p_flow_id::text || ' %' THEN
    v_tid := substr(v_remembered, 38)::tid;
    IF p_for_update THEN
      SELECT f AS flow, f.ctid AS row_tid INTO v_found FROM ff_flow_core f
      WHERE f.ctid = v_tid AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id FOR UPDATE;
    ELSE
      SELECT f AS flow, f.ctid AS row_tid INTO v_found FROM ff_flow_core f
      WHERE f.ctid = v_tid AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
    END IF;
    IF v_found.row_tid IS NOT NULL THEN
      flow := v_found.flow;
      row_tid := v_found.row_tid;
      RETURN;
    END IF;
  END IF;
  IF p_for_update THEN
    SELECT f AS flow, f.ctid AS row_tid INTO v_found FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id FOR UPDATE;
  ELSE
    SELECT f AS flow, f.ctid AS row_tid INTO v_found FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  END IF;
  flow := v_found.flow;
  row_tid := v_found.row_tid;
END;
$$;

COMMENT ON FUNCTION flowfabric._flow_row(smallint, uuid, boolean) IS
  'Private. The ff_flow_core row of p_flow_id (flow NULL when missing) and its ctid, locked FOR UPDATE when p_for_update. Tries the row version _bump_flow remembered in the transaction-local setting flowstage.flow_row first (O(1) however often this transaction rewrote the row), then the key. The ctid is rechecked against the key and visibility, so a stale or forged setting only costs the key lookup.';

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
  v_tid tid;
BEGIN
  -- The caller holds the row lock, so the version _flow_row finds stays current: a TID update.
  SELECT r.row_tid INTO v_tid FROM _flow_row(p_partition_key, p_flow_id, true) r;
  UPDATE ff_flow_core f
  SET graph_revision = f.graph_revision + p_nodes_added + p_edges_added,
      raw_fields = f.raw_fields || jsonb_build_object(
        'node_count', (f.raw_fields->>'node_count')::bigint + p_nodes_added,
        'edge_count', (f.raw_fields->>'edge_count')::bigint + p_edges_added,
        'last_mutation_at_ms', p_now_ms)
  WHERE f.ctid = v_tid AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id
  RETURNING f.ctid, f.graph_revision, (f.raw_fields->>'node_count')::bigint, (f.raw_fields->>'edge_count')::bigint
  INTO v_tid, graph_revision, node_count, edge_count;
  IF v_tid IS NULL THEN
    RAISE EXCEPTION 'flowstage bug: _bump_flow found no row for flow %', p_flow_id;
  END IF;
  PERFORM set_config('flowstage.flow_row', p_flow_id::text || ' ' || v_tid::text, true);
END;
$$;

COMMENT ON FUNCTION flowfabric._bump_flow(smallint, uuid, bigint, bigint, bigint) IS
  'Private. For a flow row the caller has locked (FOR UPDATE, e.g. with _flow_row): graph_revision + p_nodes_added + p_edges_added, node_count + p_nodes_added, edge_count + p_edges_added, last_mutation_at_ms = p_now_ms; returns the new values. Remembers the new row version in the transaction-local setting flowstage.flow_row for _flow_row.';
