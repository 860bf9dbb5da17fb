-- ff_describe_flow: one flow as it stands now — every typed field, the raw_fields extras as columns, its edge groups.
CREATE OR REPLACE FUNCTION flowfabric.ff_describe_flow(p_flow_id uuid)
RETURNS TABLE (
  flow_id             flowfabric.ff_flow_id,
  partition_key       flowfabric.ff_partition,
  graph_revision      flowfabric.ff_revision,
  public_flow_state   flowfabric.ff_public_flow_state,
  created_at_ms       flowfabric.ff_time_ms,
  terminal_at_ms      bigint,
  flow_kind           flowfabric.ff_name,
  namespace           flowfabric.ff_name,
  node_count          flowfabric.ff_graph_size,
  edge_count          flowfabric.ff_graph_size,
  last_mutation_at_ms flowfabric.ff_time_ms,
  started_at_ms       bigint,
  cancelled_at_ms     bigint,
  cancel_reason       text,
  cancellation_policy flowfabric.ff_cancellation_policy_or_null,
  raw_fields          jsonb,
  edge_groups         jsonb,
  paused_at_ms        bigint,
  pause_reason        text,
  default_policy      jsonb,
  replayed_at_ms      bigint)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_flow      ff_flow_core;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  v_flow := _get_flow(v_partition, p_flow_id);

  flow_id := v_flow.flow_id;
  partition_key := v_flow.partition_key;
  graph_revision := v_flow.graph_revision;
  public_flow_state := v_flow.public_flow_state;
  created_at_ms := v_flow.created_at_ms;
  terminal_at_ms := v_flow.terminal_at_ms;
  flow_kind := v_flow.raw_fields->>'flow_kind';
  namespace := v_flow.raw_fields->>'namespace';
  node_count := (v_flow.raw_fields->>'node_count')::bigint;
  edge_count := (v_flow.raw_fields->>'edge_count')::bigint;
  last_mutation_at_ms := (v_flow.raw_fields->>'last_mutation_at_ms')::bigint;
  started_at_ms := (v_flow.raw_fields->>'started_at_ms')::bigint;
  cancelled_at_ms := (v_flow.raw_fields->>'cancelled_at_ms')::bigint;
  cancel_reason := v_flow.raw_fields->>'cancel_reason';
  cancellation_policy := v_flow.raw_fields->>'cancellation_policy';
  raw_fields := v_flow.raw_fields;
  paused_at_ms := (v_flow.raw_fields->>'paused_at_ms')::bigint;  -- docs/semantics.md §10.3
  pause_reason := v_flow.raw_fields->>'pause_reason';
  default_policy := v_flow.raw_fields->'default_policy';
  replayed_at_ms := (v_flow.raw_fields->>'replayed_at_ms')::bigint;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'downstream_execution_id', _canonical_execution_id(g.partition_key, g.downstream_eid),
           'policy', g.policy,
           'k_target', g.k_target,
           'success_count', g.success_count,
           'fail_count', g.fail_count,
           'skip_count', g.skip_count,
           'running_count', g.running_count,
           'decision', g.decision,
           'decided_at_ms', g.decided_at_ms,
           'cancel_siblings_pending_flag', g.cancel_siblings_pending_flag,
           'cancel_siblings_pending_members', to_jsonb(g.cancel_siblings_pending_members))
           ORDER BY g.downstream_eid), '[]'::jsonb)
  INTO edge_groups
  FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_describe_flow(uuid) IS
$$Describe flow p_flow_id as it stands now. Read-only: takes no row locks.
Returns one row: flow_id, partition_key, graph_revision, public_flow_state, created_at_ms, terminal_at_ms; the raw_fields extras as their own columns: flow_kind, namespace, node_count, edge_count, last_mutation_at_ms, started_at_ms (NULL until ff_start_flow), cancelled_at_ms, cancel_reason, cancellation_policy (NULL unless cancelled); raw_fields itself (for any other extra); edge_groups: a jsonb array, ordered by downstream uuid, of {downstream_execution_id (canonical), policy, k_target, success_count, fail_count, skip_count, running_count, decision, decided_at_ms, cancel_siblings_pending_flag, cancel_siblings_pending_members}; paused_at_ms and pause_reason (NULL unless the flow is paused by ff_pause_flow, docs/semantics.md §10.3). default_policy: the flow's run policy (docs/semantics.md §9.1: ff_create_flow's p_default_policy or the plan's default_policy; NULL when none); replayed_at_ms: the last time ff_replay_execution reopened it (NULL if never).
Refusals: invalid_input (FF012, NULL p_flow_id), flow_not_found (FF001).$$;
