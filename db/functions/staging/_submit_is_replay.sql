-- _submit_is_replay: is every item of a plan already present in the flow exactly as the plan would leave it?
CREATE OR REPLACE FUNCTION flowfabric._submit_is_replay(
  p_partition_key           smallint,
  p_flow_id                 uuid,
  p_x_ids                   uuid[],
  p_x_partitions            smallint[],
  p_g_downstream_ids        uuid[],
  p_g_downstream_partitions smallint[],
  p_g_policies              jsonb[],
  p_e_ids                   uuid[],
  p_e_upstream_ids          uuid[],
  p_e_upstream_partitions   smallint[],
  p_e_downstream_ids        uuid[],
  p_e_downstream_partitions smallint[],
  p_e_kinds                 jsonb[] DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET jit = off
AS $$
DECLARE
  v_count bigint;
BEGIN
  -- Every {fp:N} prefix names the flow's partition (else the plan would be refused).
  IF EXISTS (SELECT 1 FROM unnest(p_x_partitions || p_g_downstream_partitions || p_e_upstream_partitions || p_e_downstream_partitions) r
             WHERE r <> p_partition_key) THEN
    RETURN false;
  END IF;
  -- Every execution is a member of this flow.
  SELECT count(*) INTO v_count FROM ff_exec_core e
  WHERE e.execution_id = ANY (p_x_ids) AND e.partition_key = p_partition_key AND e.flow_id = p_flow_id;
  IF v_count <> (SELECT count(DISTINCT x) FROM unnest(p_x_ids) x) THEN
    RETURN false;
  END IF;
  -- Every group item restates the policy in force when its turn comes (ff_set_edge_group_policy: already_set).
  IF cardinality(p_g_downstream_ids) > 0 THEN
    PERFORM 1
    FROM (SELECT u.id, u.policy, lag(u.policy) OVER (PARTITION BY u.id ORDER BY u.ord) AS previous
          FROM unnest(p_g_downstream_ids, p_g_policies) WITH ORDINALITY AS u(id, policy, ord)) i
    LEFT JOIN (SELECT g.downstream_eid, g.policy FROM ff_edge_group g
               WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id
                 AND g.downstream_eid = ANY (p_g_downstream_ids)) stored ON stored.downstream_eid = i.id
    WHERE i.policy IS DISTINCT FROM coalesce(i.previous, stored.policy)
    LIMIT 1;
    IF FOUND THEN
      RETURN false;
    END IF;
  END IF;
  -- Every edge item is staged exactly (same endpoints, same kind and condition) and already applied.
  IF cardinality(p_e_ids) > 0 THEN
    SELECT count(*) INTO v_count
    FROM unnest(p_e_ids, p_e_upstream_ids, p_e_downstream_ids, p_e_kinds) AS u(id, up, down, kc)
    JOIN (SELECT e.edge_id, e.upstream_eid, e.downstream_eid, e.policy FROM ff_edge e
          WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.edge_id = ANY (p_e_ids)) stored
      ON stored.edge_id = u.id
    WHERE stored.upstream_eid = u.up AND stored.downstream_eid = u.down
      AND stored.policy->>'dependency_kind' IS NOT NULL
      AND jsonb_strip_nulls(jsonb_build_object('dependency_kind', nullif(stored.policy->>'dependency_kind', 'success_only'),
                                               'condition', stored.policy->>'condition')) = coalesce(u.kc, '{}'::jsonb)
      AND stored.policy->>'edge_state' <> 'pending';
    IF v_count <> cardinality(p_e_ids) THEN
      RETURN false;
    END IF;
  END IF;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_is_replay(smallint, uuid, uuid[], smallint[], uuid[], smallint[], jsonb[], uuid[], uuid[], smallint[], uuid[], smallint[], jsonb[]) IS
  'Private (ff_submit_flow). True when submitting the parsed plan would change nothing: every {fp:N} prefix names the flow''s partition, every execution is a member of the flow, every group item restates the policy in force at its turn (the previous item for that downstream, else the stored one), and every edge item is staged in the flow with the same endpoints, the same kind and condition (p_e_kinds: _submit_edge_kinds of the plan; NULL: every item success_only without a condition), and already applied. Reads without locks: one index probe per item, by key.';
