-- _find_cycle: would edge upstream -> downstream close a cycle? Returns the cycle
-- (upstream, downstream, ..., upstream) or NULL. Exact and uncapped; its cost follows the
-- part of the graph reachable from the downstream, never the size of the flow.
--
-- The planner settings are pinned because a recursive CTE left to the planner, on an
-- edge table it has never analysed, can pick a hash join that scans every edge of the
-- flow at every step. Nested loops over the out-edge index make each step one probe.
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
AS $$
DECLARE
  v_predecessor jsonb;
  v_path        uuid[];
BEGIN
  -- Is the upstream reachable from the downstream? The CTE is evaluated lazily, so the
  -- walk stops as soon as the upstream is produced; UNION visits every node once.
  PERFORM 1 FROM (
    WITH RECURSIVE reachable(eid) AS (
      SELECT p_downstream_eid
      UNION
      SELECT e.downstream_eid
      FROM reachable r
      JOIN ff_edge e ON e.partition_key = p_partition_key AND e.flow_id = p_flow_id
                    AND e.upstream_eid = r.eid
    )
    SELECT 1 FROM reachable WHERE eid = p_upstream_eid LIMIT 1
  ) found;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;

  -- A cycle exists: record one predecessor per reachable node (the smallest, so the
  -- reported path is deterministic), then walk back from the upstream to the downstream.
  -- The graph is acyclic before this edge, so the walk ends at the downstream.
  WITH RECURSIVE reachable(eid, via) AS (
    SELECT p_downstream_eid, NULL::uuid
    UNION
    SELECT e.downstream_eid, r.eid
    FROM reachable r
    JOIN ff_edge e ON e.partition_key = p_partition_key AND e.flow_id = p_flow_id
                  AND e.upstream_eid = r.eid
  )
  SELECT jsonb_object_agg(eid, via ORDER BY eid, via DESC NULLS LAST) INTO v_predecessor
  FROM reachable WHERE via IS NOT NULL;

  WITH RECURSIVE walk(eid, step) AS (
    SELECT p_upstream_eid, 0
    UNION ALL
    SELECT (v_predecessor->>w.eid::text)::uuid, w.step + 1
    FROM walk w
    WHERE w.eid <> p_downstream_eid
  )
  SELECT array_agg(eid ORDER BY step DESC) INTO v_path FROM walk;

  RETURN p_upstream_eid || v_path;  -- up -> down -> ... -> up
END;
$$;

COMMENT ON FUNCTION flowfabric._find_cycle(smallint, uuid, uuid, uuid) IS
  'Private. NULL when staging p_upstream_eid -> p_downstream_eid keeps the flow acyclic; else the cycle as uuids, upstream first and last. Exact, no node cap; walks only what is reachable from p_downstream_eid, with nested-loop index probes whatever the table statistics.';

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
