-- _decide_group: record a group's first decision and act on its child: run it (satisfied)
-- or skip it (impossible). Called once per group, with the child locked.
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
  v_child    ff_exec_core;
  v_flow     ff_flow_core;
BEGIN
  IF p_decision = 'satisfied' AND p_group.policy->>'on_satisfied' = 'cancel_remaining' THEN
    -- The upstreams of the edges still unresolved (the deciding edge is already resolved).
    SELECT coalesce(array_agg(DISTINCT _canonical_execution_id(e.partition_key, e.upstream_eid)), '{}')
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
  IF cardinality(v_siblings) > 0 THEN
    -- Cancelling the siblings locks each of them: that is a job of its own, one sibling
    -- per transaction, never done while this transaction holds the child.
    PERFORM graphile_worker.add_job('flowstage__cancel_siblings',
      json_build_object('flow_id', p_group.flow_id,
                        'downstream_execution_id', _canonical_execution_id(p_group.partition_key, p_group.downstream_eid)),
      job_key => 'flowstage:cancel_siblings:' || p_group.downstream_eid);
  END IF;

  IF p_child.lifecycle_phase = 'terminal' THEN
    RETURN;  -- e.g. cancelled meanwhile: the decision is recorded, the child stays as it is
  END IF;
  IF p_decision = 'impossible' THEN
    PERFORM _finish_execution(p_child, 'skipped', NULL, p_now_ms);
    RETURN;
  END IF;
  IF p_child.lifecycle_phase <> 'runnable' THEN
    RETURN;  -- already running (it was eligible before this edge was applied): nothing to release
  END IF;
  UPDATE ff_exec_core e
  SET eligibility_state = 'eligible_now',
      blocking_reason = 'waiting_for_worker',
      public_state = 'waiting'
  WHERE e.partition_key = p_child.partition_key AND e.execution_id = p_child.execution_id
  RETURNING e.* INTO v_child;
  -- Enqueue in the transaction that makes it eligible, if its flow has been started. The
  -- shared advisory lock pairs with ff_start_flow's exclusive one: either start commits
  -- first and we see started_at_ms, or start waits for us and then sees the child eligible.
  -- (A flow row lock cannot be taken here: the child is locked and the flow comes first.)
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('flowstage.start_flow:' || p_child.flow_id, 0));
  SELECT * INTO v_flow FROM ff_flow_core f
  WHERE f.partition_key = p_child.partition_key AND f.flow_id = p_child.flow_id;
  IF v_flow.raw_fields ? 'started_at_ms' THEN
    PERFORM _enqueue_execution(v_child, v_flow);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._decide_group(flowfabric.ff_edge_group, text, flowfabric.ff_exec_core, bigint) IS
  'Private. Records a group''s first decision (decision, decided_at_ms); the caller holds the child''s lock. satisfied: a runnable child becomes eligible_now / waiting_for_worker / waiting and, if its flow was started (ff_start_flow), its run job is enqueued in this transaction (_enqueue_execution); under on_satisfied cancel_remaining the upstreams of still-unresolved edges go to cancel_siblings_pending_members (flag set when any) and job flowstage__cancel_siblings (job_key flowstage:cancel_siblings:<downstream uuid>) is enqueued to cancel them. impossible: the child is finished with outcome skipped (which cascades on). A terminal child is left as it is; an active child (already running) is not re-released. Takes a shared transaction advisory lock on the flow''s start key (see ff_start_flow).';
