-- _kahn_unpeeled: Kahn's algorithm on a graph in compressed adjacency form; what it cannot peel is on or behind a cycle.
CREATE OR REPLACE FUNCTION flowfabric._kahn_unpeeled(
  p_nodes int,
  p_start int[],
  p_dst   int[],
  p_pos   int[],
  p_bound int)
RETURNS int[]
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
  RETURN v_indegree;
END;
$$;

COMMENT ON FUNCTION flowfabric._kahn_unpeeled(int, int[], int[], int[], int) IS
  'Private (_first_cycle_closing_edge, _stored_cycles). Kahn''s algorithm over the graph of p_nodes nodes (1..p_nodes), counting only the arcs whose p_pos <= p_bound; arcs in compressed form: the arcs leaving node n are p_start[n] .. p_start[n + 1] - 1, with targets p_dst and positions p_pos. Returns per node the number of its arcs that come from nodes it could not peel: 0 for a peeled node, > 0 for a node on a cycle or downstream of one (every such node has a predecessor that is not peeled), so the graph is acyclic exactly when every entry is 0. Linear in nodes + arcs.';
