-- _stage_edges_first_cycle: the first entry of a freshly inserted batch that closes a cycle, or NULL.
--
-- One walk over what is reachable from the batch's downstreams (every cycle through a batch edge
-- lies there), then Kahn's algorithm on that part of the graph held in int arrays, run for a
-- prefix of the batch at a time (binary search) only when the whole batch is cyclic. The cost
-- grows with the reachable part, not with the flow or with entries x reach as one walk per entry would.
--
-- Out-edges are probed by the node's uuid alone, as _find_cycle does: only ff_edge_walk_out can
-- answer that with an index condition, so no table statistics can steer a probe onto an
-- adjacency index led by (partition_key, flow_id), which would read every edge of the flow at
-- each step (measured: a 2,000-node chain took seconds instead of milliseconds). Execution uuids
-- are unique and an edge's endpoints are members of its flow, so a node's edges are its flow's.
CREATE OR REPLACE FUNCTION flowfabric._stage_edges_first_cycle(
  p_partition_key   smallint,
  p_flow_id         uuid,
  p_downstream_eids uuid[],
  p_base_revision   bigint)
RETURNS int
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
SET enable_seqscan = off
SET enable_bitmapscan = off
SET work_mem = '64MB'
SET jit = off
AS $$
DECLARE
  v_nodes int;
  v_src   int[];
  v_dst   int[];
  v_pos   int[];
  v_start int[];
  v_low   int;
  v_high  int;
  v_mid   int;
BEGIN
  -- The reachable part as arcs between dense node numbers; pos = the entry that added the arc
  -- (1-based), 0 for an edge staged before the batch. Arcs come ordered by their source node.
  WITH RECURSIVE reach(eid) AS (
    SELECT d FROM unnest(p_downstream_eids) AS d
    UNION
    SELECT out_edge.downstream_eid
    FROM reach r
    CROSS JOIN LATERAL (
      SELECT e.downstream_eid FROM ff_edge e
      WHERE e.upstream_eid = r.eid
      OFFSET 0) out_edge
  ),
  nodes AS MATERIALIZED (
    SELECT eid, (row_number() OVER (ORDER BY eid))::int AS idx FROM reach
  ),
  arcs AS MATERIALIZED (
    SELECT n.idx AS src, out_edge.downstream_eid, out_edge.pos
    FROM nodes n
    CROSS JOIN LATERAL (
      SELECT e.downstream_eid, greatest((e.policy->>'staged_graph_revision')::bigint - p_base_revision, 0)::int AS pos
      FROM ff_edge e
      WHERE e.upstream_eid = n.eid
      OFFSET 0) out_edge
  )
  SELECT (SELECT count(*) FROM nodes)::int,
         coalesce(array_agg(a.src ORDER BY a.src), '{}'),
         coalesce(array_agg(d.idx ORDER BY a.src), '{}'),
         coalesce(array_agg(a.pos ORDER BY a.src), '{}')
  INTO v_nodes, v_src, v_dst, v_pos
  FROM arcs a JOIN nodes d ON d.eid = a.downstream_eid;

  -- v_start[n] .. v_start[n + 1] - 1: the arcs leaving node n.
  v_start := array_fill(0, ARRAY[v_nodes + 1]);
  FOR v_arc IN 1 .. cardinality(v_src) LOOP
    v_start[v_src[v_arc] + 1] := v_start[v_src[v_arc] + 1] + 1;
  END LOOP;
  v_start[1] := 1;
  FOR v_mid IN 2 .. v_nodes + 1 LOOP
    v_start[v_mid] := v_start[v_mid] + v_start[v_mid - 1];
  END LOOP;

  v_high := cardinality(p_downstream_eids);
  IF NOT _stage_edges_cyclic(v_nodes, v_start, v_dst, v_pos, v_high) THEN
    RETURN NULL;
  END IF;
  -- The graph before the batch is acyclic (bound 0), the whole batch is not: find the first
  -- prefix that is cyclic; its last entry is the one that closes a cycle.
  v_low := 1;
  WHILE v_low < v_high LOOP
    v_mid := (v_low + v_high) / 2;
    IF _stage_edges_cyclic(v_nodes, v_start, v_dst, v_pos, v_mid) THEN
      v_high := v_mid;
    ELSE
      v_low := v_mid + 1;
    END IF;
  END LOOP;
  RETURN v_low;
END;
$$;

COMMENT ON FUNCTION flowfabric._stage_edges_first_cycle(smallint, uuid, uuid[], bigint) IS
  'Private (_stage_edges_write). With a batch''s entries already inserted in ff_edge (staged_graph_revision = p_base_revision + 1-based position), the position of the first entry that closes a cycle with the edges before the batch and the earlier entries, or NULL when the batch keeps the flow acyclic. One walk over what is reachable from p_downstream_eids (one ff_edge_walk_out probe per node, by uuid alone, whatever the statistics; p_partition_key and p_flow_id are not needed by the probes, a node''s edges being its flow''s), then Kahn''s algorithm on that part in int arrays; a binary search over prefixes only when the whole batch is cyclic.';

-- _stage_edges_cyclic: Kahn's algorithm on a graph in compressed adjacency form, counting only arcs with pos <= p_bound.
CREATE OR REPLACE FUNCTION flowfabric._stage_edges_cyclic(
  p_nodes int,
  p_start int[],
  p_dst   int[],
  p_pos   int[],
  p_bound int)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_indegree int[] := array_fill(0, ARRAY[greatest(p_nodes, 1)]);
  v_queue    int[] := array_fill(0, ARRAY[greatest(p_nodes, 1)]);
  v_head     int := 1;
  v_tail     int := 0;
  v_node     int;
  v_next     int;
BEGIN
  FOR v_arc IN 1 .. cardinality(p_dst) LOOP
    IF p_pos[v_arc] <= p_bound THEN
      v_indegree[p_dst[v_arc]] := v_indegree[p_dst[v_arc]] + 1;
    END IF;
  END LOOP;
  FOR v_node IN 1 .. p_nodes LOOP
    IF v_indegree[v_node] = 0 THEN
      v_tail := v_tail + 1;
      v_queue[v_tail] := v_node;
    END IF;
  END LOOP;
  WHILE v_head <= v_tail LOOP
    v_node := v_queue[v_head];
    v_head := v_head + 1;
    FOR v_arc IN p_start[v_node] .. p_start[v_node + 1] - 1 LOOP
      IF p_pos[v_arc] <= p_bound THEN
        v_next := p_dst[v_arc];
        v_indegree[v_next] := v_indegree[v_next] - 1;
        IF v_indegree[v_next] = 0 THEN
          v_tail := v_tail + 1;
          v_queue[v_tail] := v_next;
        END IF;
      END IF;
    END LOOP;
  END LOOP;
  RETURN v_tail < p_nodes;
END;
$$;

COMMENT ON FUNCTION flowfabric._stage_edges_cyclic(int, int[], int[], int[], int) IS
  'Private (_stage_edges_first_cycle). True when the graph of p_nodes nodes (1..p_nodes) has a cycle, counting only the arcs whose p_pos <= p_bound. Arcs in compressed form: the arcs leaving node n are p_start[n] .. p_start[n + 1] - 1, with targets p_dst and positions p_pos. Kahn''s algorithm, linear in nodes + arcs.';
