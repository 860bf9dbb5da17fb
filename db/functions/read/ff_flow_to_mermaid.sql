-- ff_flow_to_mermaid: the flow's DAG as a Mermaid flowchart, nodes classed by state, edges labelled and coloured by state.
CREATE OR REPLACE FUNCTION flowfabric.ff_flow_to_mermaid(p_flow_id uuid)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_partition smallint;
  v_flow      ff_flow_core;
  v_classes   text;
  v_nodes     text;
  v_edges     text;
  v_links     text;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  v_flow := _get_flow(v_partition, p_flow_id);

  SELECT string_agg(format('  classDef %s fill:%s,stroke:%s,color:#212121', s.style_class, s.fill, s.stroke), E'\n' ORDER BY n)
  INTO v_classes
  FROM unnest(ARRAY['waiting', 'waiting_children', 'delayed', 'running', 'completed', 'failed', 'cancelled', 'expired', 'skipped', 'other'])
       WITH ORDINALITY AS t(state, n)
  CROSS JOIN LATERAL _export_style('node', t.state) s;

  SELECT string_agg(format('  n%s["%s"]:::%s',
           replace(e.execution_id::text, '-', ''),
           _mermaid_text(left(e.execution_id::text, 8)
                         || coalesce(' ' || (e.raw_fields->>'task_identifier'), '')) || '<br/>' || _mermaid_text(e.public_state),
           s.style_class), E'\n' ORDER BY e.execution_id)
  INTO v_nodes
  FROM ff_exec_core e
  CROSS JOIN LATERAL _export_style('node', e.public_state) s
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id;

  SELECT string_agg(format('  n%s %s|%s| n%s',
           replace(e.upstream_eid::text, '-', ''),
           CASE WHEN e.dependency_kind = 'failure_only' THEN '-.->'
                ELSE CASE e.edge_state WHEN 'pending' THEN '-.->' WHEN 'satisfied' THEN '==>' ELSE '-->' END END,
           replace(_mermaid_text(_edge_label(e.edge_state, e.dependency_kind, e.condition)), '|', '#124;'),
           replace(e.downstream_eid::text, '-', '')), E'\n' ORDER BY e.edge_id),
         -- a failure path (failure_only) is red and dashed whatever its state
         string_agg(format('  linkStyle %s stroke:%s', n - 1,
                           CASE WHEN e.dependency_kind = 'failure_only' THEN '#e53935,stroke-dasharray:5 4' ELSE s.stroke END),
                    E'\n' ORDER BY e.edge_id)
  INTO v_edges, v_links
  FROM (SELECT e.*, row_number() OVER (ORDER BY e.edge_id) AS n
        FROM ff_edge e WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id) e
  CROSS JOIN LATERAL _export_style('edge', e.edge_state) s;

  RETURN concat_ws(E'\n',
    'flowchart TD',
    format('  %%%% flow %s: %s, graph_revision %s, %s nodes, %s edges',
           p_flow_id, v_flow.public_flow_state, v_flow.graph_revision,
           v_flow.raw_fields->>'node_count', v_flow.raw_fields->>'edge_count'),
    v_classes, v_nodes, v_edges, v_links) || E'\n';
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_flow_to_mermaid(uuid) IS
$$The DAG of flow p_flow_id as Mermaid flowchart text (flowchart TD), deterministic so snapshots are stable. Read-only: takes no row locks.
A comment line names the flow, its state, graph_revision and counts; one classDef per node state (waiting, waiting_children, delayed, running, completed, failed, cancelled, expired, skipped, other); one node per member in execution uuid order, id n<uuid without dashes>, label "<first 8 hex of the uuid> [task_identifier]<br/><public_state>", class = its state; one edge per staged edge in edge_id order, labelled with _edge_label (edge_state, "on failure" / "always" for failure_only / any_outcome, "if <condition>"; | escaped as #124;) (pending dotted -.->, satisfied thick ==>, applied and impossible -->; a failure_only edge dotted), then linkStyle lines colouring each edge by state (pending grey, applied amber, satisfied green, impossible red; a failure_only edge red and dashed).
Refusals: invalid_input (FF012, NULL p_flow_id), flow_not_found (FF001).$$;
