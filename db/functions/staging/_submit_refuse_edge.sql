-- _submit_refuse_edge: raise the refusal of ff_submit_flow's first failing edge item, as the single calls would.
CREATE OR REPLACE FUNCTION flowfabric._submit_refuse_edge(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_index         int,
  p_kind          text,
  p_edge          flowfabric.ff_submit_plan_edge)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_place    text := format('edges[%s]', p_index);
  v_side     text;
  v_eid      uuid;
  v_stored   smallint;
  v_edge     ff_edge;
  v_decision text;
BEGIN
  IF p_kind = 'self' THEN
    PERFORM _raise('self_referencing_edge', format('%s: upstream_execution_id=%s downstream_execution_id=%s', v_place,
      _canonical_execution_id(p_partition_key, p_edge.upstream_eid), _canonical_execution_id(p_partition_key, p_edge.downstream_eid)));
  END IF;
  IF p_kind IN ('up_partition', 'up_member', 'down_partition', 'down_member') THEN
    v_side := CASE WHEN p_kind LIKE 'up%' THEN 'upstream' ELSE 'downstream' END;
    v_eid := CASE v_side WHEN 'upstream' THEN p_edge.upstream_eid ELSE p_edge.downstream_eid END;
    IF p_kind LIKE '%partition' THEN
      SELECT e.partition_key INTO v_stored FROM ff_exec_core e WHERE e.execution_id = v_eid;
      PERFORM _raise('invalid_input',
        format('%s: partition_mismatch: %s_execution_id %s is on partition %s, expected partition %s', v_place, v_side, v_eid,
               CASE v_side WHEN 'upstream' THEN coalesce(nullif(p_edge.upstream_requested_partition, p_partition_key), v_stored)
                           ELSE coalesce(nullif(p_edge.downstream_requested_partition, p_partition_key), v_stored) END,
               p_partition_key),
        'Create the execution with ff_create_execution(p_flow_id => <flow>) so it lives on the flow''s partition, and pass its canonical {fp:N}:<uuid> id.');
    END IF;
    PERFORM _raise('execution_not_in_flow',
      format('%s: %s_execution_id=%s flow_id=%s', v_place, v_side, _canonical_execution_id(p_partition_key, v_eid), p_flow_id));
  END IF;

  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.edge_id = p_edge.edge_id;
  -- An item that stages (not an exact retry) meets the cycle check before the edge_id check and
  -- the apply; the graph holds exactly the edges staged before it.
  IF NOT _is_same_edge(v_edge, p_edge.upstream_eid, p_edge.downstream_eid, 'success_only') THEN
    PERFORM _check_acyclic(p_partition_key, p_flow_id, v_place, p_edge.upstream_eid, p_edge.downstream_eid);
  END IF;
  IF p_kind = 'taken' THEN
    PERFORM _raise('dependency_already_exists', format('%s: %s', v_place, _edge_to_json(v_edge)::text),
      'Use a new edge_id, or retry with the endpoints and kind of the existing edge shown in DETAIL.');
  END IF;
  IF p_kind = 'decided' THEN
    SELECT g.decision INTO v_decision FROM ff_edge_group g
    WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id AND g.downstream_eid = p_edge.downstream_eid;
    PERFORM _raise('invalid_input',
      format('%s: group_already_decided: downstream_execution_id=%s decision=%s edge_id=%s', v_place,
             _canonical_execution_id(p_partition_key, p_edge.downstream_eid), v_decision, p_edge.edge_id),
      'The child''s fan-in decision is final; stage the dependency to another execution.');
  END IF;
  RAISE EXCEPTION 'flowstage bug: _submit_refuse_edge has no refusal for kind %', p_kind;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_refuse_edge(smallint, uuid, int, text, flowfabric.ff_submit_plan_edge) IS
  'Private (ff_submit_flow, refusals only). Raises the refusal of edge item p_index (0-based, parsed as p_edge) of kind p_kind, with DETAIL "edges[i]: ..." as ff_stage_dependency_edge / ff_apply_dependency_to_child would word it: self -> self_referencing_edge; up_partition / down_partition -> invalid_input partition_mismatch; up_member / down_member -> execution_not_in_flow; taken -> cycle_detected if the item closes a cycle on the graph staged before it, else dependency_already_exists with the edge holding the id; decided -> cycle_detected likewise for a new edge, else invalid_input group_already_decided. The caller has inserted exactly the plan''s edges staged before the item.';
