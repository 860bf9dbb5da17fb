-- _cycle_path: the cycle closed by upstream -> downstream, from the nodes _find_cycle's walk reached.
CREATE OR REPLACE FUNCTION flowfabric._cycle_path(
  p_partition_key  smallint,
  p_flow_id        uuid,
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
  -- reported cycle is deterministic. One index probe by (partition_key, flow_id, uuid) per step.
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
      FROM (SELECT e.upstream_eid FROM ff_edge e WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.downstream_eid = b.eid OFFSET 0) in_edge
      WHERE v_walked ? in_edge.upstream_eid::text
      ORDER BY in_edge.upstream_eid
      LIMIT 1) pred
    WHERE b.eid <> p_downstream_eid
  )
  SELECT array_agg(eid ORDER BY step DESC) INTO v_path FROM back;
  RETURN p_upstream_eid || v_path;  -- up -> down -> ... -> up
END;
$$;

COMMENT ON FUNCTION flowfabric._cycle_path(smallint, uuid, uuid[], uuid, uuid) IS
  'Private. Given the nodes a walk from p_downstream_eid reached up to p_upstream_eid, the cycle the new edge closes: upstream, downstream, ..., upstream; at each step back the smallest walked predecessor (deterministic), one index probe by (partition_key, flow_id, uuid).';
