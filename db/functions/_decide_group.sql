-- _decide_group: record a group's first decision and act on its child.
CREATE OR REPLACE FUNCTION flowfabric._decide_group(
  p_group    flowfabric.ff_edge_group,
  p_decision text,
  p_child    flowfabric.ff_exec_core,
  p_now_ms   bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_siblings text[];
BEGIN
  IF p_decision = 'satisfied' AND p_group.policy->>'on_satisfied' = 'cancel_remaining' THEN
    SELECT coalesce(array_agg(_canonical_execution_id(e.partition_key, e.upstream_eid) ORDER BY e.upstream_eid), '{}')
    INTO v_siblings
    FROM ff_edge e
    WHERE e.partition_key = p_group.partition_key AND e.flow_id = p_group.flow_id
      AND e.downstream_eid = p_group.downstream_eid AND e.policy->>'edge_state' = 'applied';
  END IF;
  UPDATE ff_edge_group g
  SET decision = p_decision,
      decided_at_ms = p_now_ms,
      cancel_siblings_pending_flag = coalesce(cardinality(v_siblings) > 0, false),
      cancel_siblings_pending_members = coalesce(v_siblings, '{}')
  WHERE g.partition_key = p_group.partition_key AND g.flow_id = p_group.flow_id
    AND g.downstream_eid = p_group.downstream_eid;

  IF p_child.lifecycle_phase = 'terminal' THEN
    RETURN;  -- e.g. cancelled meanwhile: the decision is recorded, the child stays as it is
  END IF;
  IF p_decision = 'satisfied' THEN
    UPDATE ff_exec_core e
    SET eligibility_state = 'eligible_now',
        blocking_reason = 'waiting_for_worker',
        public_state = 'waiting'
    WHERE e.partition_key = p_child.partition_key AND e.execution_id = p_child.execution_id;
  ELSE
    PERFORM _finish_execution(p_child, 'skipped', NULL, p_now_ms);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._decide_group(flowfabric.ff_edge_group, text, flowfabric.ff_exec_core, bigint) IS
  'Private. Records a group''s first decision (decision, decided_at_ms). satisfied: the child becomes eligible_now / waiting_for_worker / waiting, and under cancel_remaining the upstreams of still-unresolved edges go to cancel_siblings_pending_members (flag set when any). impossible: the child is finished with outcome skipped. A terminal child is left as it is.';
