-- ff_describe_edge: one staged edge of a flow with its state and resolution.
CREATE OR REPLACE FUNCTION flowfabric.ff_describe_edge(p_flow_id uuid, p_edge_id uuid)
RETURNS TABLE (
  flow_id                 flowfabric.ff_flow_id,
  edge_id                 flowfabric.ff_edge_id,
  upstream_execution_id   flowfabric.ff_execution_id,
  downstream_execution_id flowfabric.ff_execution_id,
  dependency_kind         flowfabric.ff_dependency_kind,
  satisfaction_condition  flowfabric.ff_satisfaction_condition,
  data_passing_ref        flowfabric.ff_text,
  edge_state              flowfabric.ff_edge_state,
  policy_version          flowfabric.ff_policy_version,
  created_at_ms           flowfabric.ff_time_ms,
  created_by              flowfabric.ff_name,
  staged_graph_revision   flowfabric.ff_revision,
  staged_at_ms            flowfabric.ff_time_ms,
  applied_at_ms           bigint,
  resolved_at_ms          bigint,
  upstream_outcome        flowfabric.ff_outcome_or_null,
  condition               text,
  condition_result        boolean,
  policy                  jsonb)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_edge      ff_edge;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edge_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edge_id: must not be null');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  PERFORM _get_flow(v_partition, p_flow_id);
  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  IF NOT FOUND THEN
    PERFORM _raise('edge_not_found', format('flow_id=%s edge_id=%s', p_flow_id, p_edge_id));
  END IF;

  flow_id := v_edge.flow_id;
  edge_id := v_edge.edge_id;
  upstream_execution_id := _canonical_execution_id(v_partition, v_edge.upstream_eid);
  downstream_execution_id := _canonical_execution_id(v_partition, v_edge.downstream_eid);
  dependency_kind := v_edge.dependency_kind;
  satisfaction_condition := 'all_required';
  data_passing_ref := v_edge.data_passing_ref;
  edge_state := v_edge.edge_state;
  policy_version := v_edge.policy_version;
  created_at_ms := v_edge.staged_at_ms;
  created_by := 'engine';
  staged_graph_revision := v_edge.staged_graph_revision;
  staged_at_ms := v_edge.staged_at_ms;
  applied_at_ms := v_edge.applied_at_ms;
  resolved_at_ms := v_edge.resolved_at_ms;
  upstream_outcome := v_edge.upstream_outcome;
  condition := v_edge.condition;
  condition_result := _edge_condition_result(v_edge.condition_result);
  policy := _edge_policy(v_edge);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_describe_edge(uuid, uuid) IS
$$Describe edge p_edge_id of flow p_flow_id. Read-only: takes no row locks.
Returns one row: flow_id, edge_id, upstream_execution_id and downstream_execution_id (canonical {fp:N}:<uuid>), and every policy field as a column: dependency_kind, satisfaction_condition, data_passing_ref, edge_state, policy_version, created_at_ms, created_by, staged_graph_revision, staged_at_ms, applied_at_ms, resolved_at_ms, upstream_outcome (NULL until resolved), condition (the SQL/JSON path predicate over the upstream's result, NULL when none; docs/semantics.md §10.1), condition_result (what it gave at resolution: true, false, or NULL when not evaluated, non-boolean or erroring); policy is all of them as one jsonb (_edge_policy: the shape ff_edge.policy had before 0.3.0 stored it as columns; condition, resolved_at_ms with upstream_outcome, and condition_result only when set).
Refusals in order: invalid_input (FF012, NULL argument), flow_not_found (FF001), edge_not_found (FF010: not staged in this flow).$$;
