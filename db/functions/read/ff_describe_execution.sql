-- ff_describe_execution: one execution (a flow's member or a solo one), with its timings and its raw_fields extras.
-- Guarantees: read-only, no row locks; with p_flow_id the execution is read on the flow's partition only.
CREATE OR REPLACE FUNCTION flowfabric.ff_describe_execution(p_execution_id text, p_flow_id uuid DEFAULT NULL)
RETURNS TABLE (
  execution_id               flowfabric.ff_execution_id,
  flow_id                    uuid,
  lane_id                    flowfabric.ff_name,
  public_state               flowfabric.ff_public_state,
  lifecycle_phase            flowfabric.ff_lifecycle_phase,
  attempt_state              flowfabric.ff_attempt_state,
  terminal_outcome           flowfabric.ff_terminal_outcome,
  priority                   flowfabric.ff_priority,
  task_identifier            text,
  attempt_count              flowfabric.ff_count,
  created_at_ms              flowfabric.ff_time_ms,
  last_attempt_started_at_ms bigint,
  terminal_at_ms             bigint,
  payload                    jsonb,
  result                     jsonb,
  failure_reason             text,
  raw_fields                 jsonb)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  IF p_flow_id IS NOT NULL THEN
    v_partition := ff_flow_partition(p_flow_id);
    PERFORM _get_flow(v_partition, p_flow_id);
  END IF;
  v_exec := _find_execution('p_execution_id', v_requested, v_id, v_partition);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', coalesce(p_execution_id, 'NULL')));
  END IF;
  IF p_flow_id IS NOT NULL AND v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
    PERFORM _raise('execution_not_in_flow',
      format('execution_id=%s flow_id=%s', _canonical_execution_id(v_partition, v_id), p_flow_id));
  END IF;

  execution_id := _canonical_execution_id(v_exec.partition_key, v_exec.execution_id);
  flow_id := v_exec.flow_id;
  lane_id := v_exec.lane_id;
  public_state := v_exec.public_state;
  lifecycle_phase := v_exec.lifecycle_phase;
  attempt_state := v_exec.attempt_state;
  terminal_outcome := v_exec.terminal_outcome;
  priority := v_exec.priority;
  task_identifier := v_exec.raw_fields->>'task_identifier';
  attempt_count := coalesce((v_exec.raw_fields->>'attempt_count')::int, 0);
  created_at_ms := v_exec.created_at_ms;
  last_attempt_started_at_ms := (v_exec.raw_fields->>'last_attempt_started_at_ms')::bigint;
  terminal_at_ms := v_exec.terminal_at_ms;
  payload := v_exec.payload;
  result := v_exec.result;
  -- A failed run stores {"error": ...} as its result (the worker wrapper, ff_recover_jobs).
  failure_reason := CASE WHEN v_exec.terminal_outcome IN ('failed', 'expired')
                         THEN coalesce(v_exec.result->>'error', v_exec.raw_fields->>'failure_reason') END;
  raw_fields := v_exec.raw_fields;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_describe_execution(text, uuid) IS
$$Describe execution p_execution_id ({fp:N}:<uuid> or <uuid>), for a side panel; with p_flow_id (optional) it must be a member of that flow, and is read on the flow's partition. Read-only: takes no row locks.
Returns one row: execution_id (canonical), flow_id (NULL for a solo execution), lane_id, public_state, lifecycle_phase, attempt_state, terminal_outcome, priority, task_identifier, attempt_count (attempts begun), created_at_ms, last_attempt_started_at_ms (NULL if it never ran), terminal_at_ms, payload, result, failure_reason (for a failed or expired execution: its result's "error", else raw_fields.failure_reason; NULL otherwise), raw_fields (every other extra, as stored).
Checks in order: invalid_input (FF012: malformed p_execution_id; with p_flow_id, a {fp:N} of another partition than the flow's -> partition_mismatch); flow_not_found (FF001, p_flow_id given); execution_not_found (FF003); execution_not_in_flow (FF007, p_flow_id given and the execution is not its member).$$;
