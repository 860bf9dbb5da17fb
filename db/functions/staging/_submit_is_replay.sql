-- _submit_is_replay: is every item of a plan already present in the flow exactly as the plan would leave it?
CREATE OR REPLACE FUNCTION flowfabric._submit_is_replay(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_plan          flowfabric.ff_submit_plan)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET jit = off
AS $$
DECLARE
  v_count          bigint;
  v_foreign        boolean;  -- some {fp:N} prefix of the section names another partition
  v_foreign_edges  boolean;
  v_execution_ids  uuid[];
  v_group_ids      uuid[];
  v_edge_ids       uuid[];
BEGIN
  -- Every {fp:N} prefix names the flow's partition (else the plan would be refused); each
  -- section's ids are collected in the same pass.
  SELECT coalesce(bool_or(x.requested_partition <> p_partition_key), false), coalesce(array_agg(x.execution_id), '{}')
  INTO v_foreign, v_execution_ids
  FROM unnest(p_plan.executions) x;
  SELECT coalesce(bool_or(e.upstream_requested_partition <> p_partition_key OR e.downstream_requested_partition <> p_partition_key), false),
         coalesce(array_agg(e.edge_id), '{}')
  INTO v_foreign_edges, v_edge_ids
  FROM unnest(p_plan.edges) e;
  IF v_foreign OR v_foreign_edges
     OR EXISTS (SELECT 1 FROM unnest(p_plan.groups) g WHERE g.requested_partition <> p_partition_key) THEN
    RETURN false;
  END IF;
  -- Every execution is a member of this flow.
  SELECT count(*) INTO v_count FROM ff_exec_core e
  WHERE e.execution_id = ANY (v_execution_ids) AND e.partition_key = p_partition_key AND e.flow_id = p_flow_id;
  IF v_count <> (SELECT count(DISTINCT x) FROM unnest(v_execution_ids) x) THEN
    RETURN false;
  END IF;
  -- Every group item restates the policy in force when its turn comes (ff_set_edge_group_policy: already_set).
  IF cardinality(p_plan.groups) > 0 THEN
    v_group_ids := ARRAY(SELECT g.downstream_eid FROM unnest(p_plan.groups) g);
    PERFORM 1
    FROM (SELECT u.downstream_eid AS id, u.policy, lag(u.policy) OVER (PARTITION BY u.downstream_eid ORDER BY u.ord) AS previous
          FROM unnest(p_plan.groups) WITH ORDINALITY AS u(downstream_eid, requested_partition, policy, k_target, ord)) i
    LEFT JOIN (SELECT g.downstream_eid, g.policy FROM ff_edge_group g
               WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id
                 AND g.downstream_eid = ANY (v_group_ids)) stored ON stored.downstream_eid = i.id
    WHERE i.policy IS DISTINCT FROM coalesce(i.previous, stored.policy)
    LIMIT 1;
    IF FOUND THEN
      RETURN false;
    END IF;
  END IF;
  -- Every edge item is staged exactly (same endpoints, same kind and condition) and already applied.
  IF cardinality(p_plan.edges) > 0 THEN
    SELECT count(*) INTO v_count
    FROM unnest(p_plan.edges) u
    JOIN (SELECT e.edge_id, e.upstream_eid, e.downstream_eid, e.dependency_kind, e.condition, e.edge_state FROM ff_edge e
          WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.edge_id = ANY (v_edge_ids)) stored
      ON stored.edge_id = u.edge_id
    WHERE stored.upstream_eid = u.upstream_eid AND stored.downstream_eid = u.downstream_eid
      AND stored.dependency_kind IS NOT NULL
      AND jsonb_strip_nulls(jsonb_build_object('dependency_kind', nullif(stored.dependency_kind, 'success_only'),
                                               'condition', stored.condition)) = coalesce(u.kinds, '{}'::jsonb)
      AND stored.edge_state <> 'pending';
    IF v_count <> cardinality(p_plan.edges) THEN
      RETURN false;
    END IF;
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_is_replay(smallint, uuid, flowfabric.ff_submit_plan) IS
  'Private (ff_submit_flow). True when submitting the parsed plan p_plan would change nothing: every {fp:N} prefix names the flow''s partition, every execution is a member of the flow, every group item restates the policy in force at its turn (the previous item for that downstream, else the stored one), and every edge item is staged in the flow with the same endpoints, the same kind and condition (an edge''s kinds; NULL: success_only without a condition), and already applied. Reads without locks: one index probe per item, by key.';
