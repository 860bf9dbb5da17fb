-- ff_set_edge_group_policy: choose a downstream's fan-in policy (all_of, any_of, quorum k) before any edge is applied to it.
CREATE OR REPLACE FUNCTION flowfabric.ff_set_edge_group_policy(
  p_flow_id                 uuid,
  p_downstream_execution_id text,
  p_kind                    text,
  p_on_satisfied            text   DEFAULT NULL,
  p_k                       int    DEFAULT NULL,
  p_now_ms                  bigint DEFAULT NULL)
RETURNS TABLE (
  status                  flowfabric.ff_set_status,
  downstream_execution_id flowfabric.ff_execution_id,
  policy                  jsonb,
  k_target                int)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_requested smallint;
  v_id        uuid;
  v_flow      ff_flow_core;
  v_exec      ff_exec_core;
  v_group     ff_edge_group;
  v_policy    jsonb;
  v_k_target  int;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_downstream_execution_id', p_downstream_execution_id) p;
  IF p_kind IS NULL OR p_kind NOT IN ('all_of', 'any_of', 'quorum') THEN
    PERFORM _raise('invalid_input', format('p_kind: must be all_of, any_of or quorum (got %s)', _shown(p_kind)));
  END IF;
  IF p_on_satisfied IS NOT NULL AND p_on_satisfied NOT IN ('cancel_remaining', 'let_run') THEN
    PERFORM _raise('invalid_input', format('p_on_satisfied: must be cancel_remaining or let_run (got %s)', _shown(p_on_satisfied)));
  END IF;
  IF p_kind = 'all_of' AND p_on_satisfied IS NOT NULL THEN
    PERFORM _raise('invalid_input', 'p_on_satisfied: must be NULL for all_of (it is satisfied only when every edge succeeded)');
  END IF;
  IF p_kind IN ('any_of', 'quorum') AND p_on_satisfied IS NULL THEN
    PERFORM _raise('invalid_input', format('p_on_satisfied: required for %s (cancel_remaining or let_run)', p_kind));
  END IF;
  IF p_kind IN ('all_of', 'any_of') AND p_k IS NOT NULL THEN
    PERFORM _raise('invalid_input', format('p_k: must be NULL for %s (got %s)', p_kind, p_k));
  END IF;
  IF p_kind = 'quorum' AND (p_k IS NULL OR p_k < 1) THEN
    PERFORM _raise('invalid_input', format('p_k: quorum needs k >= 1 (got %s)', coalesce(p_k::text, 'NULL')));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  v_policy := CASE p_kind
    WHEN 'all_of' THEN jsonb_build_object('kind', 'all_of')
    WHEN 'any_of' THEN jsonb_build_object('kind', 'any_of', 'on_satisfied', p_on_satisfied)
    ELSE jsonb_build_object('kind', 'quorum', 'k', p_k, 'on_satisfied', p_on_satisfied) END;
  v_k_target := CASE p_kind WHEN 'quorum' THEN p_k WHEN 'any_of' THEN 1 END;

  -- Checks on an unlocked read: an identical restate (already_set) takes no lock.
  v_flow := _get_flow(v_partition, p_flow_id);
  PERFORM _check_flow_open(v_flow);
  v_exec := _find_execution('p_downstream_execution_id', v_requested, v_id, v_partition);
  downstream_execution_id := _canonical_execution_id(v_partition, v_id);
  IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
    PERFORM _raise('execution_not_in_flow', format('downstream_execution_id=%s flow_id=%s', downstream_execution_id, p_flow_id));
  END IF;
  policy := v_policy;
  k_target := v_k_target;
  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_id;
  IF v_group.policy = v_policy THEN
    status := 'already_set';
    RETURN NEXT;
    RETURN;
  END IF;

  -- Write path. Lock order: flow (shared: a cancel waits for us), the downstream (as an apply
  -- does, so an apply and a policy change on one child serialise), then the group.
  SELECT * INTO v_flow FROM ff_flow_core f
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id FOR SHARE;
  PERFORM _check_flow_open(v_flow);
  PERFORM 1 FROM ff_exec_core e WHERE e.partition_key = v_partition AND e.execution_id = v_id FOR UPDATE;
  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_id FOR UPDATE;
  IF v_group.policy = v_policy THEN
    status := 'already_set';  -- a concurrent identical call won while we waited
    RETURN NEXT;
    RETURN;
  END IF;
  IF v_group.success_count + v_group.fail_count + v_group.skip_count + v_group.running_count > 0 THEN
    PERFORM _raise('edge_group_policy_already_fixed',
      format('downstream_execution_id=%s policy=%s requested=%s applied_edges=%s',
             downstream_execution_id, v_group.policy, v_policy,
             v_group.success_count + v_group.fail_count + v_group.skip_count + v_group.running_count));
  END IF;

  INSERT INTO ff_edge_group AS g (partition_key, flow_id, downstream_eid, policy, k_target)
  VALUES (v_partition, p_flow_id, v_id, v_policy, v_k_target)
  ON CONFLICT (partition_key, flow_id, downstream_eid)
  DO UPDATE SET policy = excluded.policy, k_target = excluded.k_target;
  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'set_edge_group_policy',
    jsonb_build_object('downstream_execution_id', downstream_execution_id, 'policy', v_policy), v_now);
  status := 'set';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_set_edge_group_policy(uuid, text, text, text, int, bigint) IS
$$Set the fan-in policy of downstream p_downstream_execution_id ({fp:N}:<uuid> or <uuid>) in flow p_flow_id: all_of (every inbound edge must succeed), any_of (one success), quorum (p_k successes); p_on_satisfied (cancel_remaining | let_run) says what happens to the still-running upstreams once any_of/quorum is satisfied.
Returns (status, downstream_execution_id, policy, k_target); policy is {"kind":"all_of"}, {"kind":"any_of","on_satisfied":...} or {"kind":"quorum","k":N,"on_satisfied":...}; k_target is k for quorum, 1 for any_of, NULL for all_of.
Checks in order: invalid_input (FF012, DETAIL names the field: NULL p_flow_id, malformed id, unknown p_kind or p_on_satisfied, on_satisfied given for all_of or missing for any_of/quorum, k given for all_of/any_of, quorum without k >= 1); flow_not_found (FF001); flow_already_terminal (FF002); execution_not_in_flow (FF007) when the downstream is not a member (another partition -> invalid_input partition_mismatch); the same policy (kind, k and on_satisfied all equal) as stored -> already_set, at any time, nothing changes; a different policy once an edge has been applied to that downstream (any group counter > 0) -> edge_group_policy_already_fixed (FF013).
On set: the group row is created with zero counters (ff_apply_dependency_to_child then keeps this policy) or its policy and k_target replaced. A policy is not a graph change: graph_revision and the flow row are not touched. A quorum whose k exceeds the edges eventually applied is refused by ff_start_flow.
Locks on the write path: the flow row FOR SHARE, the downstream execution row, then the group row. Logs set_edge_group_policy {downstream_execution_id, policy}.$$;
