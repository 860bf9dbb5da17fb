-- ff_list_members: a flow's member executions in execution_id order, a page at a time.
CREATE OR REPLACE FUNCTION flowfabric.ff_list_members(
  p_flow_id uuid,
  p_after   text DEFAULT NULL,
  p_limit   int  DEFAULT 100)
RETURNS TABLE (
  execution_id      flowfabric.ff_execution_id,
  lane_id           flowfabric.ff_name,
  lifecycle_phase   flowfabric.ff_lifecycle_phase,
  ownership_state   flowfabric.ff_ownership_state,
  eligibility_state flowfabric.ff_eligibility_state,
  public_state      flowfabric.ff_public_state,
  attempt_state     flowfabric.ff_attempt_state,
  blocking_reason   flowfabric.ff_blocking_reason,
  terminal_outcome  flowfabric.ff_terminal_outcome,
  priority          flowfabric.ff_priority,
  task_identifier   text,
  created_at_ms     flowfabric.ff_time_ms,
  terminal_at_ms    bigint,
  attempt_count     flowfabric.ff_count,
  payload           jsonb,
  result            jsonb,
  policy            jsonb,
  retry_count       flowfabric.ff_count,
  replay_count      flowfabric.ff_count,
  failure_reason    flowfabric.ff_failure_reason_or_null,
  delay_until_ms    bigint,
  deadline_at_ms    bigint)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_requested smallint;
  v_after     uuid;
  v_first     boolean;
  v_flow      ff_flow_core;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  IF p_after IS NOT NULL THEN
    SELECT p.partition_key, p.execution_id INTO v_requested, v_after FROM _parse_execution_id('p_after', p_after) p;
    IF v_requested <> v_partition THEN
      PERFORM _raise('invalid_input',
        format('p_after: partition_mismatch: %s is on partition %s, the flow on partition %s', p_after, v_requested, v_partition));
    END IF;
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM _raise('invalid_input', format('p_limit: must be 1..1000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  v_flow := _get_flow(v_partition, p_flow_id);

  -- Keyset bound the index can use: inclusive only on the first page.
  v_first := v_after IS NULL;
  v_after := coalesce(v_after, '00000000-0000-0000-0000-000000000000'::uuid);
  RETURN QUERY
  SELECT _canonical_execution_id(e.partition_key, e.execution_id)::ff_execution_id, e.lane_id::ff_name,
         e.lifecycle_phase::ff_lifecycle_phase, e.ownership_state::ff_ownership_state,
         e.eligibility_state::ff_eligibility_state, e.public_state::ff_public_state,
         e.attempt_state::ff_attempt_state, e.blocking_reason::ff_blocking_reason,
         e.terminal_outcome::ff_terminal_outcome, e.priority::ff_priority,
         e.raw_fields->>'task_identifier', e.created_at_ms::ff_time_ms, e.terminal_at_ms,
         coalesce((e.raw_fields->>'attempt_count')::int, 0)::ff_count, e.payload, e.result,
         _effective_policy(e.policy, (v_flow.raw_fields->>'max_attempts')::int), e.retry_count::ff_count,
         e.replay_count::ff_count, e.failure_reason::ff_failure_reason_or_null, e.delay_until_ms, e.deadline_at_ms
  FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
    AND e.execution_id >= v_after AND (v_first OR e.execution_id <> v_after)
  ORDER BY e.execution_id
  LIMIT p_limit;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_list_members(uuid, text, int) IS
$$List the member executions of flow p_flow_id ordered by execution uuid, p_limit (1..1000, default 100) at a time. Keyset pagination: p_after is the last execution_id of the previous page, canonical {fp:N}:<uuid> as returned or a bare <uuid> (text, so a result can be passed back as is). Read-only: takes no row locks.
Returns (execution_id (canonical), lane_id, lifecycle_phase, ownership_state, eligibility_state, public_state, attempt_state, blocking_reason, terminal_outcome, priority, task_identifier, created_at_ms, terminal_at_ms, attempt_count, payload, result, policy, retry_count, replay_count, failure_reason, delay_until_ms, deadline_at_ms): policy is the member's resolved run policy (docs/semantics.md §9.1: its stored keys, over the defaults, max_retries from ff_start_flow's p_max_attempts where no policy sets it); retry_count / replay_count / failure_reason / delay_until_ms (when delayed) / deadline_at_ms (once its deadline runs) as §9.2-9.4 describe; attempt_count = attempts begun (0 for one that never ran); payload as it is now (with the results passed to it by data passing); result as completed (NULL until terminal, or when completed without one). So a reader sees what each member did without any right on the tables; choose p_limit with the payload and result sizes in mind.
Refusals in order: invalid_input (FF012: NULL p_flow_id, malformed p_after or one whose {fp:N} is not the flow's partition, p_limit outside 1..1000); flow_not_found (FF001).$$;
