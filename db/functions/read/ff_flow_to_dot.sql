-- ff_flow_to_dot: the flow's DAG as Graphviz DOT, nodes filled by state, edges labelled and coloured by state.
CREATE OR REPLACE FUNCTION flowfabric.ff_flow_to_dot(p_flow_id uuid)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_partition smallint;
  v_flow      ff_flow_core;
  v_nodes     text;
  v_edges     text;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  v_flow := _get_flow(v_partition, p_flow_id);

  SELECT string_agg(format('  "%s" [label="%s\n%s", class="%s", fillcolor="%s", color="%s"];',
           e.execution_id,
           _dot_text(left(e.execution_id::text, 8) || coalesce(' ' || (e.raw_fields->>'task_identifier'), '')),
           _dot_text(e.public_state), s.style_class, s.fill, s.stroke), E'\n' ORDER BY e.execution_id)
  INTO v_nodes
  FROM ff_exec_core e
  CROSS JOIN LATERAL _export_style('node', e.public_state) s
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id;

  SELECT string_agg(format('  "%s" -> "%s" [label="%s", class="%s", color="%s", fontcolor="%s"%s];',
           e.upstream_eid, e.downstream_eid, _dot_text(_edge_label(e.edge_state, e.dependency_kind, e.condition)), s.style_class,
           -- a failure path (failure_only) is red and dashed whatever its state
           CASE WHEN e.dependency_kind = 'failure_only' THEN '#e53935' ELSE s.stroke END,
           CASE WHEN e.dependency_kind = 'failure_only' THEN '#e53935' ELSE s.stroke END,
           CASE WHEN e.dependency_kind = 'failure_only'
                  THEN ', style=dashed' || CASE WHEN e.edge_state = 'satisfied' THEN ', penwidth=2' ELSE '' END
                ELSE CASE e.edge_state WHEN 'pending' THEN ', style=dashed' WHEN 'satisfied' THEN ', penwidth=2' ELSE '' END END),
           E'\n' ORDER BY e.edge_id)
  INTO v_edges
  FROM ff_edge e
  CROSS JOIN LATERAL _export_style('edge', e.edge_state) s
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id;

  RETURN concat_ws(E'\n',
    format('digraph "flow %s" {', p_flow_id),
    format('  // %s, graph_revision %s, %s nodes, %s edges',
           v_flow.public_flow_state, v_flow.graph_revision, v_flow.raw_fields->>'node_count', v_flow.raw_fields->>'edge_count'),
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    v_nodes, v_edges, '}') || E'\n';
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_flow_to_dot(uuid) IS
$$The DAG of flow p_flow_id as Graphviz DOT text (digraph "flow <id>"), deterministic so snapshots are stable. Read-only: takes no row locks.
A comment line gives the flow's state, graph_revision and counts; one node per member in execution uuid order, id "<uuid>", label "<first 8 hex> [task_identifier]\n<public_state>", class = its state, filled and outlined by state (waiting grey, waiting_children amber, delayed violet, running blue, completed green, failed red, cancelled slate, expired pink, skipped light grey, other white); one edge per staged edge in edge_id order, labelled with _edge_label (edge_state, "on failure" / "always" for failure_only / any_outcome, "if <condition>") and coloured by edge_state (pending grey dashed, applied amber, satisfied green bold, impossible red); a failure_only edge (a failure path) is red and dashed whatever its state.
Refusals: invalid_input (FF012, NULL p_flow_id), flow_not_found (FF001).$$;
