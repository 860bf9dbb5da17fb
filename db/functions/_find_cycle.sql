-- _find_cycle: would edge upstream -> downstream close a cycle? Returns the cycle
-- (upstream, downstream, ..., upstream) or NULL. Exact and uncapped; one walk over what is
-- reachable from the downstream, visiting each node once and stopping at the upstream.
--
-- A recursive CTE left to the planner, on an edge table it has never analysed, picks a
-- nested loop that scans every edge of the flow at every step, even on the index of the
-- other direction (or a hash join over all of them). So each step is a LATERAL probe by the
-- node's uuid alone, which only the index ff_edge_walk_out can answer (execution uuids are
-- unique and an edge's endpoints are members of its flow, so a node's edges are its flow's),
-- and the planner's alternatives are switched off: one index lookup per reached node. The walk's rows are nodes alone, so
-- UNION expands each node once: rows of (node, predecessor) would expand a node once per
-- predecessor, in-degree x out-degree probes per node (18 s instead of 0.2 s on ten fully
-- connected layers of 100 nodes).
CREATE OR REPLACE FUNCTION flowfabric._find_cycle(
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
SET jit = off
AS $$
DECLARE
  v_step  record;
  v_count int := 0;
  v_nodes uuid[] := '{}'::uuid[];
BEGIN
  -- The loop reads the walk lazily, so it ends at the upstream; only a walk that never
  -- meets it covers the whole reach.
  FOR v_step IN
    WITH RECURSIVE reachable(eid) AS (
      SELECT p_downstream_eid
      UNION
      SELECT out_edge.downstream_eid
      FROM reachable r
      CROSS JOIN LATERAL (
        SELECT e.downstream_eid FROM ff_edge e WHERE e.upstream_eid = r.eid OFFSET 0) out_edge
    )
    SELECT eid FROM reachable
  LOOP
    v_count := v_count + 1;
    v_nodes[v_count] := v_step.eid;
    IF v_step.eid = p_upstream_eid THEN
      RETURN _cycle_path(v_nodes, p_upstream_eid, p_downstream_eid);
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._find_cycle(uuid, uuid) IS
  'Private. NULL when staging p_upstream_eid -> p_downstream_eid keeps the flow acyclic; else the cycle as uuids, upstream first and last. Exact, no node cap. Walks only what is reachable from p_downstream_eid (stopping at p_upstream_eid), each node once with one probe of ff_edge_walk_out (by uuid alone: execution uuids are unique and an edge''s endpoints are members of its flow, so the walk stays in the flow), whatever the table statistics.';

-- _cycle_path: the cycle closed by upstream -> downstream, from the nodes _find_cycle's walk reached.
CREATE OR REPLACE FUNCTION flowfabric._cycle_path(
  p_walked         uuid[],
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
SET jit = off
AS $$
DECLARE
  v_walked jsonb;
  v_path   uuid[];
BEGIN
  -- Every walked node but the downstream was reached from a node walked before it, so
  -- stepping back from the upstream to a walked predecessor always can go on, and in an
  -- acyclic graph it ends at the downstream. The smallest such predecessor is taken, so the
  -- reported cycle is deterministic. One ff_edge_walk_in probe per step.
  SELECT jsonb_object_agg(n, true) INTO v_walked FROM unnest(p_walked) AS n;
  WITH RECURSIVE back(eid, step) AS (
    SELECT p_upstream_eid, 0
    UNION ALL
    SELECT pred.upstream_eid, b.step + 1
    FROM back b
    CROSS JOIN LATERAL (
      -- The in-edges are fetched in a fenced subquery: an ORDER BY ... LIMIT over ff_edge
      -- itself lets the planner walk a whole index in upstream order instead.
      SELECT in_edge.upstream_eid
      FROM (SELECT e.upstream_eid FROM ff_edge e WHERE e.downstream_eid = b.eid OFFSET 0) in_edge
      WHERE v_walked ? in_edge.upstream_eid::text
      ORDER BY in_edge.upstream_eid
      LIMIT 1) pred
    WHERE b.eid <> p_downstream_eid
  )
  SELECT array_agg(eid ORDER BY step DESC) INTO v_path FROM back;
  RETURN p_upstream_eid || v_path;  -- up -> down -> ... -> up
END;
$$;

COMMENT ON FUNCTION flowfabric._cycle_path(uuid[], uuid, uuid) IS
  'Private. Given the nodes a walk from p_downstream_eid reached up to p_upstream_eid, the cycle the new edge closes: upstream, downstream, ..., upstream; at each step back the smallest walked predecessor (deterministic), one probe of ff_edge_walk_in.';

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
