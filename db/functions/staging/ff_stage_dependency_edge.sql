-- ff_stage_dependency_edge: stage edge upstream -> downstream in a flow, guarded by the flow's graph revision.
CREATE OR REPLACE FUNCTION flowfabric.ff_stage_dependency_edge(
  p_flow_id                   uuid,
  p_edge_id                   uuid,
  p_upstream_execution_id     text,
  p_downstream_execution_id   text,
  p_expected_graph_revision   bigint,
  p_dependency_kind           text   DEFAULT 'success_only',
  p_data_passing_ref          text   DEFAULT NULL,
  p_condition                 text   DEFAULT NULL,
  p_now_ms                    bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_stage_dependency_edge_status,
  edge_id        flowfabric.ff_edge_id,
  graph_revision flowfabric.ff_revision)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now            bigint;
  v_partition      smallint;
  v_up_requested   smallint;
  v_up             uuid;
  v_down_requested smallint;
  v_down           uuid;
  v_flow           ff_flow_core;
  v_edge           ff_edge;
  v_exec           ff_exec_core;
  v_revision       bigint;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_edge_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edge_id: must not be null');
  END IF;
  SELECT p.partition_key, p.execution_id INTO v_up_requested, v_up
  FROM _parse_execution_id('p_upstream_execution_id', p_upstream_execution_id) p;
  SELECT p.partition_key, p.execution_id INTO v_down_requested, v_down
  FROM _parse_execution_id('p_downstream_execution_id', p_downstream_execution_id) p;
  IF p_expected_graph_revision IS NULL OR p_expected_graph_revision < 0 THEN
    PERFORM _raise('invalid_input',
      format('p_expected_graph_revision: must be a revision >= 0 (got %s)', coalesce(p_expected_graph_revision::text, 'NULL')));
  END IF;
  IF p_dependency_kind IS NULL OR p_dependency_kind NOT IN ('success_only', 'failure_only', 'any_outcome') THEN
    PERFORM _raise('invalid_input',
      format('p_dependency_kind: must be success_only, failure_only or any_outcome (got %s)', _shown(p_dependency_kind)));
  END IF;
  IF p_data_passing_ref = '' THEN
    PERFORM _raise('invalid_input', 'p_data_passing_ref: must be NULL (no data passing) or 1 to 1024 bytes (got an empty string)');
  END IF;
  PERFORM _check_text_size('p_data_passing_ref', p_data_passing_ref, 1024);
  PERFORM _check_condition('p_condition', p_condition);
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  edge_id := p_edge_id;

  -- 1. self reference
  IF v_up = v_down THEN
    PERFORM _raise('self_referencing_edge',
      format('upstream_execution_id=%s downstream_execution_id=%s', p_upstream_execution_id, p_downstream_execution_id));
  END IF;

  -- 2-3 on an unlocked read: an exact retry (already_staged) takes no lock.
  v_flow := _get_flow(v_partition, p_flow_id);
  PERFORM _check_flow_open(v_flow);
  SELECT * INTO v_edge FROM ff_edge e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  IF NOT _is_same_edge(v_edge, v_up, v_down, p_dependency_kind, p_condition) THEN
    -- Write path: the flow row lock serialises every structural change of the flow,
    -- so checks 2-7 are repeated on what the lock holder sees.
    v_flow := _flow_row(v_partition, p_flow_id, true);
    PERFORM _check_flow_open(v_flow);
    SELECT * INTO v_edge FROM ff_edge e
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = p_edge_id;
  END IF;
  IF _is_same_edge(v_edge, v_up, v_down, p_dependency_kind, p_condition) THEN
    status := 'already_staged';
    graph_revision := v_edge.staged_graph_revision;
    RETURN NEXT;
    RETURN;
  END IF;

  -- 4. revision guard
  IF v_flow.graph_revision <> p_expected_graph_revision THEN
    PERFORM _raise('stale_graph_revision',
      format('flow_id=%s expected_graph_revision=%s current_graph_revision=%s',
             p_flow_id, p_expected_graph_revision, v_flow.graph_revision));
  END IF;

  -- 5. both endpoints are members, upstream first
  v_exec := _find_execution('p_upstream_execution_id', v_up_requested, v_up, v_partition);
  IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
    PERFORM _raise('execution_not_in_flow',
      format('upstream_execution_id=%s flow_id=%s', _canonical_execution_id(v_partition, v_up), p_flow_id));
  END IF;
  v_exec := _find_execution('p_downstream_execution_id', v_down_requested, v_down, v_partition);
  IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
    PERFORM _raise('execution_not_in_flow',
      format('downstream_execution_id=%s flow_id=%s', _canonical_execution_id(v_partition, v_down), p_flow_id));
  END IF;

  -- 6. exact cycle check, cost bounded by what is reachable from the downstream
  PERFORM _check_acyclic(v_partition, p_flow_id, NULL, v_up, v_down);

  -- 7. the edge_id is taken by another edge
  IF v_edge.edge_id IS NOT NULL THEN
    PERFORM _raise('dependency_already_exists', _edge_to_json(v_edge)::text,
      'Use a new edge_id, or retry with the endpoints and kind of the existing edge shown in DETAIL.');
  END IF;

  -- 8. insert the edge and bump the flow
  v_revision := v_flow.graph_revision + 1;
  INSERT INTO ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                       staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, condition, edge_state)
  VALUES (v_partition, p_flow_id, p_edge_id, v_up, v_down, 1,
          v_now, v_revision, p_dependency_kind, coalesce(p_data_passing_ref, ''), p_condition, 'pending');
  PERFORM _bump_flow(v_partition, p_flow_id, 0, 1, v_now);
  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_revision,
    'stage_dependency_edge',
    jsonb_build_object('edge_id', p_edge_id,
                       'upstream_execution_id', _canonical_execution_id(v_partition, v_up),
                       'downstream_execution_id', _canonical_execution_id(v_partition, v_down),
                       'dependency_kind', p_dependency_kind,
                       'data_passing_ref', coalesce(p_data_passing_ref, ''))
    || CASE WHEN p_condition IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('condition', p_condition) END,
    v_now);
  status := 'staged';
  graph_revision := v_revision;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_stage_dependency_edge(uuid, uuid, text, text, bigint, text, text, text, bigint) IS
$$Stage edge p_edge_id (upstream -> downstream, ids as {fp:N}:<uuid> or <uuid>) in flow p_flow_id if the flow is still at p_expected_graph_revision.
Returns (status, edge_id, graph_revision); graph_revision: the new revision when staged, the revision that staging produced when already_staged.
Checks in order, after argument validation (invalid_input FF012; p_dependency_kind success_only | failure_only | any_outcome (docs/semantics.md §10.1); p_condition NULL or a SQL/JSON path predicate over the upstream's result (jsonb_path_match, e.g. $.rows > 0), 1..1024 bytes, naming no variable; p_data_passing_ref NULL for no data passing or 1..1024 bytes; '' is refused, as ff_submit_flow refuses it): 1 self_referencing_edge (FF005); 2 flow_not_found (FF001), flow_already_terminal (FF002); 3 exact retry (same edge_id, endpoints, kind and condition) -> already_staged, nothing changes, even if the revision moved on since; 4 stale_graph_revision (FF006, retryable); 5 execution_not_in_flow (FF007) for the upstream, then the downstream; 6 cycle_detected (FF008): exact, uncapped, DETAIL is the cycle upstream first and last (up -> down -> ... -> up; over 20 entries: the first ten, "… (N more) …", the last ten); 7 dependency_already_exists (FF009, DETAIL is the existing edge as JSON; another kind or condition counts as another edge).
On staged: edge policy {dependency_kind, condition (only when given), satisfaction_condition all_required, data_passing_ref ('' when NULL), edge_state pending, created_at_ms, created_by engine, staged_at_ms, staged_graph_revision, applied_at_ms null}; the flow's graph_revision and edge_count rise by one. Parallel edges between one pair are allowed. Locks the flow row only on the write path. Logs stage_dependency_edge.$$;
