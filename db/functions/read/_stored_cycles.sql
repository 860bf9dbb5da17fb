-- _stored_cycles: one cycle of each flow whose stored edges are not acyclic (ff_check_invariants).
--
-- The staging calls refuse an edge that would close a cycle, so this looks for what they let
-- through or what was written by hand. It is Kahn's algorithm over every edge in scope at once:
-- nodes are numbered by one query, the adjacency is held in int arrays (compressed rows, offsets
-- per node), and the loop peels nodes whose predecessors are all peeled. Nodes left over are on a
-- cycle or downstream of one; walking back from one of them along left-over predecessors must
-- revisit a node, and that loop is a cycle. Linear in nodes + edges: a recursive CTE that follows
-- paths would be quadratic on a long chain with shortcuts, and a STABLE function cannot use a
-- temporary table. (10,000 nodes / 30,000 edges: ~0.2 s.)
CREATE OR REPLACE FUNCTION flowfabric._stored_cycles(p_flow_id uuid)
RETURNS TABLE (flow_id uuid, partition_key smallint, cycle uuid[])
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
-- p_flow_id IS NULL folds away in a custom plan, so one flow is read through its key.
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
  v_partition  smallint := ff_flow_partition(p_flow_id);
  v_node_flow  uuid[];      -- per node: its flow
  v_node_part  smallint[];  -- per node: the edge rows' partition
  v_node_eid   uuid[];      -- per node: the execution uuid
  v_out_first  int[];       -- per node: index of its first out-edge in v_out
  v_out_count  int[];
  v_out        int[];       -- out-edges' downstream nodes, grouped by upstream node
  v_in_first   int[];
  v_in         int[];       -- in-edges' upstream nodes, grouped by downstream node
  v_unpeeled   int[];       -- per node: predecessors Kahn's algorithm could not peel (0: peeled)
  v_nodes      int;
  v_next       int;
  v_pred       int;
  v_seen_at    int[];       -- per node: its step in the current walk back (0 = not seen)
  v_walk       int[];       -- the nodes of the current walk back, v_walked of them
  v_walked     int;
  v_last_flow  uuid;
BEGIN
  -- Nodes are numbered by ranking the edges' ends, without a join (a join on the three-column
  -- key was planned as a merge join on two of them: 40 s for 36,000 edges).
  WITH ends AS (
    SELECT e.ctid AS edge, true AS is_up, e.partition_key, e.flow_id, e.upstream_eid AS eid FROM ff_edge e
    WHERE p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id)
    UNION ALL
    SELECT e.ctid, false, e.partition_key, e.flow_id, e.downstream_eid FROM ff_edge e
    WHERE p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id)),
  ranked AS (
    SELECT x.edge, x.is_up, x.partition_key, x.flow_id, x.eid,
           dense_rank() OVER (ORDER BY x.flow_id, x.partition_key, x.eid)::int AS id
    FROM ends x),
  nodes AS (
    SELECT DISTINCT r.id, r.partition_key, r.flow_id, r.eid FROM ranked r),
  numbered AS (
    SELECT max(r.id) FILTER (WHERE r.is_up) AS up, max(r.id) FILTER (WHERE NOT r.is_up) AS down
    FROM ranked r GROUP BY r.edge),
  degrees AS (
    SELECT n.id, coalesce(o.n, 0) AS outs, coalesce(i.n, 0) AS ins
    FROM nodes n
    LEFT JOIN (SELECT x.up, count(*)::int AS n FROM numbered x GROUP BY x.up) o ON o.up = n.id
    LEFT JOIN (SELECT x.down, count(*)::int AS n FROM numbered x GROUP BY x.down) i ON i.down = n.id),
  offsets AS (
    SELECT g.id, g.outs, g.ins,
           1 + (sum(g.outs) OVER (ORDER BY g.id) - g.outs)::int AS out_first,
           1 + (sum(g.ins) OVER (ORDER BY g.id) - g.ins)::int AS in_first
    FROM degrees g)
  SELECT (SELECT array_agg(n.flow_id ORDER BY n.id) FROM nodes n),
         (SELECT array_agg(n.partition_key ORDER BY n.id) FROM nodes n),
         (SELECT array_agg(n.eid ORDER BY n.id) FROM nodes n),
         (SELECT array_agg(o.out_first ORDER BY o.id) FROM offsets o),
         (SELECT array_agg(o.outs ORDER BY o.id) FROM offsets o),
         (SELECT array_agg(x.down ORDER BY x.up, x.down) FROM numbered x),
         (SELECT array_agg(o.in_first ORDER BY o.id) FROM offsets o),
         (SELECT array_agg(x.up ORDER BY x.down, x.up) FROM numbered x)
  INTO v_node_flow, v_node_part, v_node_eid, v_out_first, v_out_count, v_out, v_in_first, v_in;
  v_nodes := coalesce(cardinality(v_node_eid), 0);
  IF v_nodes = 0 THEN
    RETURN;
  END IF;

  -- Kahn: peel every node whose predecessors are all peeled (every arc counts: position 0, bound 0).
  v_unpeeled := _kahn_unpeeled(v_nodes, v_out_first || (v_out_first[v_nodes] + v_out_count[v_nodes]), v_out,
                               array_fill(0, ARRAY[cardinality(v_out)]), 0);
  IF 0 = ALL (v_unpeeled) THEN
    RETURN;  -- every node peeled: no cycle anywhere in scope
  END IF;

  -- One cycle per flow (nodes are numbered flow by flow): walk back from its first left-over node.
  v_seen_at := array_fill(0, ARRAY[v_nodes]);
  v_walk := array_fill(0, ARRAY[v_nodes]);
  FOR v_node IN 1 .. v_nodes LOOP
    CONTINUE WHEN v_unpeeled[v_node] = 0 OR v_node_flow[v_node] IS NOT DISTINCT FROM v_last_flow;
    v_last_flow := v_node_flow[v_node];
    v_walked := 0;
    v_next := v_node;
    WHILE v_seen_at[v_next] = 0 LOOP
      v_walked := v_walked + 1;
      v_walk[v_walked] := v_next;
      v_seen_at[v_next] := v_walked;
      -- a left-over node always has a left-over predecessor (that is why it was not peeled)
      -- (a FOR loop's variable does not outlive the loop, hence the explicit index)
      v_pred := v_in_first[v_next];
      WHILE v_unpeeled[v_in[v_pred]] = 0 LOOP
        v_pred := v_pred + 1;
      END LOOP;
      v_next := v_in[v_pred];
    END LOOP;
    -- Edges run v_walk[i + 1] -> v_walk[i], and v_next (= v_walk[k]) -> v_walk[v_walked]: forward,
    -- the cycle is v_next, then the walk from its end back to position k.
    flow_id := v_last_flow;
    partition_key := v_node_part[v_next];
    cycle := ARRAY[v_node_eid[v_next]];
    FOR v_step IN REVERSE v_walked .. v_seen_at[v_next] LOOP
      cycle := cycle || v_node_eid[v_walk[v_step]];
    END LOOP;
    RETURN NEXT;
    FOR v_step IN 1 .. v_walked LOOP
      v_seen_at[v_walk[v_step]] := 0;
    END LOOP;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION flowfabric._stored_cycles(uuid) IS
  'Private. For ff_check_invariants: one row per flow (p_flow_id, or every flow when NULL) whose stored ff_edge rows contain a cycle, with one such cycle as execution uuids, first and last equal (a -> b -> ... -> a; a self edge is a -> a), and the partition of the edge rows. Kahn''s algorithm over int arrays, linear in nodes + edges; reads ff_edge only.';
