-- _first_cycle_closing_edge: the first of a plan's or a batch's new edges (already inserted) that closes a cycle, or NULL.
--
-- ff_submit_flow and batch staging (_stage_edges_write) check all their new edges at once here.
-- Every cycle passes through a new edge, so only the part of the graph reachable from the new
-- edges' downstreams matters. When every new edge points at an execution the plan adds, that part
-- holds no edge staged before the plan (an execution the plan adds had none, and a cycle could only
-- reach an older execution through a new edge pointing at it): the graph is the new edges alone,
-- taken from the arrays without reading ff_edge. Otherwise the part is walked in ff_edge (one
-- ff_edge_walk_out probe per reached node, by uuid alone, as _find_cycle does).
--
-- Each step is its own statement over arrays whose sizes the planner knows: the node numbering
-- is a hash join of two arrays. (Done in one statement of recursive CTEs instead, planned with a
-- 30,000-element array as a constant, the estimates grew to 10^11 rows and the hash join split
-- into 65,536 batches on disk: 17 s for 30,000 edges.) Then Kahn's algorithm over int arrays
-- (_kahn_unpeeled), and a binary search over prefixes only when the whole set is cyclic.
CREATE OR REPLACE FUNCTION flowfabric._first_cycle_closing_edge(
  p_partition_key   smallint,
  p_flow_id         uuid,
  p_base_revision   bigint,
  p_upstream_eids   uuid[],
  p_downstream_eids uuid[],
  p_walk            boolean)
RETURNS int
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_mergejoin = off
SET work_mem = '64MB'
SET jit = off
AS $$
DECLARE
  v_nodes  uuid[];
  v_count  int;
  v_src    int[];
  v_dst    int[];
  v_pos    int[];
  v_start  int[];
  v_low    int;
  v_high   int := cardinality(p_downstream_eids);
  v_mid    int;
BEGIN
  IF p_walk THEN
    -- The reachable part: its nodes, then their out-edges (pos = the new edge's place, 0 for an
    -- edge staged before the plan), numbered by a hash join on the node array.
    WITH RECURSIVE reach(eid) AS (
      SELECT DISTINCT d FROM unnest(p_downstream_eids) AS d
      UNION
      SELECT out_edge.downstream_eid
      FROM reach r
      CROSS JOIN LATERAL (SELECT e.downstream_eid FROM ff_edge e WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = r.eid OFFSET 0) out_edge
    )
    SELECT array_agg(eid) INTO v_nodes FROM reach;
    -- The out-edges first (MATERIALIZED), numbered afterwards by one hash join: left in one
    -- query, the planner (on an ff_edge it has never analysed) joined the node array inside the
    -- per-node probe, reading all of it once per node (80 s for a 20,000-edge chain).
    WITH out_arc AS MATERIALIZED (
      SELECT n.idx::int AS src, a.downstream_eid, a.pos
      FROM unnest(v_nodes) WITH ORDINALITY AS n(eid, idx)
      CROSS JOIN LATERAL (
        SELECT e.downstream_eid, greatest(e.staged_graph_revision - p_base_revision, 0)::int AS pos
        FROM ff_edge e WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = n.eid OFFSET 0) a)
    SELECT coalesce(array_agg(arc.src), '{}'), coalesce(array_agg(arc.dst), '{}'), coalesce(array_agg(arc.pos), '{}')
    INTO v_src, v_dst, v_pos
    FROM (SELECT o.src, d.idx::int AS dst, o.pos
          FROM out_arc o
          JOIN unnest(v_nodes) WITH ORDINALITY AS d(eid, idx) ON d.eid = o.downstream_eid
          ORDER BY o.src) arc;
  ELSE
    SELECT array_agg(DISTINCT x) INTO v_nodes FROM unnest(p_upstream_eids || p_downstream_eids) AS x;
    SELECT coalesce(array_agg(arc.src), '{}'), coalesce(array_agg(arc.dst), '{}'), coalesce(array_agg(arc.pos), '{}')
    INTO v_src, v_dst, v_pos
    FROM (SELECT s.idx::int AS src, d.idx::int AS dst, a.pos::int AS pos
          FROM unnest(p_upstream_eids, p_downstream_eids) WITH ORDINALITY AS a(up, down, pos)
          JOIN unnest(v_nodes) WITH ORDINALITY AS s(eid, idx) ON s.eid = a.up
          JOIN unnest(v_nodes) WITH ORDINALITY AS d(eid, idx) ON d.eid = a.down
          ORDER BY s.idx) arc;
  END IF;
  v_count := cardinality(v_nodes);

  -- v_start[n] .. v_start[n + 1] - 1: the arcs leaving node n (arcs are ordered by source).
  v_start := array_fill(0, ARRAY[v_count + 1]);
  FOR v_arc IN 1 .. cardinality(v_src) LOOP
    v_start[v_src[v_arc] + 1] := v_start[v_src[v_arc] + 1] + 1;
  END LOOP;
  v_start[1] := 1;
  FOR v_mid IN 2 .. v_count + 1 LOOP
    v_start[v_mid] := v_start[v_mid] + v_start[v_mid - 1];
  END LOOP;

  IF 0 = ALL (_kahn_unpeeled(v_count, v_start, v_dst, v_pos, v_high)) THEN  -- every node peeled: acyclic
    RETURN NULL;
  END IF;
  -- The graph before the plan is acyclic, with every new edge it is not: the first cyclic prefix
  -- ends with the edge that closes a cycle.
  v_low := 1;
  WHILE v_low < v_high LOOP
    v_mid := (v_low + v_high) / 2;
    IF 0 <> ANY (_kahn_unpeeled(v_count, v_start, v_dst, v_pos, v_mid)) THEN
      v_high := v_mid;
    ELSE
      v_low := v_mid + 1;
    END IF;
  END LOOP;
  RETURN v_low;
END;
$$;

COMMENT ON FUNCTION flowfabric._first_cycle_closing_edge(smallint, uuid, bigint, uuid[], uuid[], boolean) IS
  'Private (ff_submit_flow, _stage_edges_write). With a plan''s or a batch''s new edges inserted in ff_edge (edge k, 1-based, at staged_graph_revision p_base_revision + k; endpoints p_upstream_eids[k] -> p_downstream_eids[k]), the first k whose edge closes a cycle with the edges staged before the plan and new edges 1 .. k - 1, or NULL when the flow stays acyclic. Without p_walk (every new edge points at an execution the plan adds) the graph is the new edges alone, from the arrays; with it, the part reachable from the new downstreams is walked in ff_edge within the flow (p_partition_key, p_flow_id: one shard on Citus), one index probe per node. Then Kahn''s algorithm over int arrays (_kahn_unpeeled), and a binary search over prefixes only when the whole set is cyclic. Linear in the part walked.';
