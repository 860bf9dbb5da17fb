-- _find_cycle: would edge upstream -> downstream close a cycle? Returns the cycle
-- (upstream, downstream, ..., upstream) or NULL. Exact and uncapped; one walk over what is
-- reachable from the downstream, visiting each node once and stopping at the upstream.
--
-- A recursive CTE left to the planner, on an edge table it has never analysed, picks a
-- nested loop that scans every edge of the flow at every step, even on the index of the
-- other direction (or a hash join over all of them). So each step is a LATERAL probe by the
-- flow's (partition_key, flow_id) and the node's uuid, which an index answers with all three as
-- its condition (by partition_key and uuid alone the planner chose an index on the partition's
-- prefix and the 100,000-node chain test timed out; the partition filter keeps the walk on one
-- shard on Citus, docs/conventions.md 17), and the planner's alternatives are switched off: one
-- index lookup per reached node. The walk's rows are nodes alone, so
-- UNION expands each node once: rows of (node, predecessor) would expand a node once per
-- predecessor, in-degree x out-degree probes per node (18 s instead of 0.2 s on ten fully
-- connected layers of 100 nodes).
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
        SELECT e.downstream_eid FROM ff_edge e WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = r.eid OFFSET 0) out_edge
    )
    SELECT eid FROM reachable
  LOOP
    v_count := v_count + 1;
    v_nodes[v_count] := v_step.eid;
    IF v_step.eid = p_upstream_eid THEN
      RETURN _cycle_path(p_partition_key, p_flow_id, v_nodes, p_upstream_eid, p_downstream_eid);
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._find_cycle(smallint, uuid, uuid, uuid) IS
  'Private. NULL when staging p_upstream_eid -> p_downstream_eid keeps the flow acyclic; else the cycle as uuids, upstream first and last. Exact, no node cap. Walks only what is reachable from p_downstream_eid (stopping at p_upstream_eid), each node once with one index probe by (partition_key, flow_id, uuid): the walk stays in the flow and, on Citus, on its shard, whatever the table statistics.';
