-- _find_cycle: would edge upstream -> downstream close a cycle? Returns the cycle
-- (upstream, downstream, ..., upstream) or NULL. Exact and uncapped; one walk over what is
-- reachable from the downstream, stopping as soon as the upstream is reached.
--
-- The planner settings are pinned because a recursive CTE left to the planner, on an edge
-- table it has never analysed, picks a nested loop that scans every edge of the flow at
-- every step (or a hash join over all of them). The LATERAL probe keeps the walk on the
-- out-edge index: one index lookup per expanded node.
CREATE OR REPLACE FUNCTION flowfabric._find_cycle(
  p_partition_key  smallint,
  p_flow_id        uuid,
  p_upstream_eid   uuid,
  p_downstream_eid uuid)
RETURNS uuid[]
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_material = off
SET work_mem = '64MB'
AS $$
DECLARE
  v_step  record;
  v_count int := 0;
  v_nodes uuid[] := '{}';
  v_vias  uuid[] := '{}';
BEGIN
  -- Rows are (node, the node it was reached from). The loop reads them lazily, so the
  -- walk ends at the upstream; only a walk that never meets it covers the whole reach.
  FOR v_step IN
    WITH RECURSIVE reachable(eid, via) AS (
      SELECT p_downstream_eid, NULL::uuid
      UNION
      SELECT out_edge.downstream_eid, r.eid
      FROM reachable r
      CROSS JOIN LATERAL (
        SELECT e.downstream_eid FROM ff_edge e
        WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = r.eid
        OFFSET 0) out_edge
    )
    SELECT eid, via FROM reachable
  LOOP
    v_count := v_count + 1;
    v_nodes[v_count] := v_step.eid;
    v_vias[v_count] := v_step.via;
    IF v_step.eid = p_upstream_eid THEN
      RETURN _cycle_path(v_nodes, v_vias, p_upstream_eid, p_downstream_eid);
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._find_cycle(smallint, uuid, uuid, uuid) IS
  'Private. NULL when staging p_upstream_eid -> p_downstream_eid keeps the flow acyclic; else the cycle as uuids, upstream first and last. Exact, no node cap. Walks only what is reachable from p_downstream_eid (stopping at p_upstream_eid) with one out-edge index probe per (node, predecessor) pair, whatever the table statistics.';

-- _cycle_path: the path found by _find_cycle's walk, from its (node, predecessor) rows.
CREATE OR REPLACE FUNCTION flowfabric._cycle_path(
  p_nodes          uuid[],
  p_vias           uuid[],
  p_upstream_eid   uuid,
  p_downstream_eid uuid)
RETURNS uuid[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_predecessor jsonb;
  v_reversed    uuid[] := ARRAY[p_upstream_eid];
  v_node        uuid := p_upstream_eid;
  v_length      int := 1;
BEGIN
  -- One predecessor per node, the smallest, so the reported cycle is deterministic. The
  -- graph is acyclic before the new edge, so walking predecessors ends at the downstream.
  SELECT jsonb_object_agg(eid, via ORDER BY eid, via DESC) INTO v_predecessor
  FROM unnest(p_nodes, p_vias) AS step(eid, via)
  WHERE via IS NOT NULL;
  WHILE v_node <> p_downstream_eid LOOP
    v_node := (v_predecessor->>v_node::text)::uuid;
    v_length := v_length + 1;
    v_reversed[v_length] := v_node;
  END LOOP;
  RETURN p_upstream_eid || ARRAY(SELECT v_reversed[i] FROM generate_series(v_length, 1, -1) AS i);
END;
$$;

COMMENT ON FUNCTION flowfabric._cycle_path(uuid[], uuid[], uuid, uuid) IS
  'Private. Given the (node, predecessor) pairs of a walk from p_downstream_eid that reached p_upstream_eid, the cycle the new edge closes: upstream, downstream, ..., upstream.';

-- _format_cycle_path: the cycle as canonical ids joined by ' -> ', shortened past 20 entries.
CREATE OR REPLACE FUNCTION flowfabric._format_cycle_path(p_partition_key smallint, p_cycle uuid[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN n <= 20 THEN
      array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle) x), ' -> ')
    ELSE
      array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle[1:10]) x), ' -> ')
      || ' -> … (' || (n - 20) || ' more) … -> '
      || array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle[n - 9:n]) x), ' -> ')
    END
  FROM (SELECT cardinality(p_cycle) AS n) sizes
$$;

COMMENT ON FUNCTION flowfabric._format_cycle_path(smallint, uuid[]) IS
  'Private. DETAIL text of cycle_detected: canonical {fp:N}:<uuid> ids joined by " -> "; with more than 20 entries, the first ten, "… (N more) …" (N = entries left out) and the last ten.';
