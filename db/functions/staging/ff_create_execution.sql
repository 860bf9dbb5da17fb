-- ff_create_execution: create an execution (on its flow's partition when p_flow_id is given). Idempotent on the id.
CREATE OR REPLACE FUNCTION flowfabric.ff_create_execution(
  p_execution_id    text   DEFAULT NULL,
  p_flow_id         uuid   DEFAULT NULL,
  p_lane_id         text   DEFAULT 'default',
  p_payload         jsonb  DEFAULT NULL,
  p_priority        int    DEFAULT 0,
  p_task_identifier text   DEFAULT NULL,
  p_policy          jsonb  DEFAULT NULL,
  p_delay_until_ms  bigint DEFAULT NULL,
  p_now_ms          bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_create_execution_status,
  execution_id flowfabric.ff_execution_id)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;  -- the {fp:N} of p_execution_id, NULL when bare or absent
  v_id        uuid;
  v_partition smallint;
  v_existing  ff_exec_core;
  v_flow      ff_flow_core;
  v_policy    jsonb;
  v_delayed   boolean;
  v_deadline  bigint;
BEGIN
  IF p_lane_id IS NULL OR p_lane_id = '' THEN
    PERFORM _raise('invalid_input', 'p_lane_id: must be a non-empty text');
  END IF;
  PERFORM _check_text_size('p_lane_id', p_lane_id, 1024);
  IF p_priority IS NULL THEN
    PERFORM _raise('invalid_input', 'p_priority: must not be null');
  END IF;
  -- Graphile Worker refuses task identifiers over 128 characters: a longer one would jam the flow at start.
  IF p_task_identifier = '' OR length(p_task_identifier) > 128 THEN
    PERFORM _raise('invalid_input',
      format('p_task_identifier: must be NULL or 1 to 128 characters (got %s characters: %s)',
             length(p_task_identifier), _shown(p_task_identifier)));
  END IF;
  -- flowstage__* names flowstage's own worker tasks: a run job under such a name would fail every attempt.
  IF starts_with(p_task_identifier, 'flowstage__') THEN
    PERFORM _raise('invalid_input',
      format('p_task_identifier: the flowstage__ prefix is reserved for flowstage''s own worker tasks (got %s)', _shown(p_task_identifier)));
  END IF;
  -- Data passing merges parents' results into the payload by key: it must be an object.
  IF p_payload IS NOT NULL AND jsonb_typeof(p_payload) <> 'object' THEN
    PERFORM _raise('invalid_input', format('p_payload: must be a JSON object or NULL (got a JSON %s)', jsonb_typeof(p_payload)));
  END IF;
  v_policy := _run_policy('p_policy', p_policy);
  IF p_delay_until_ms < 0 THEN
    PERFORM _raise('invalid_input', format('p_delay_until_ms: must be NULL or a time in ms since the epoch (got %s)', p_delay_until_ms));
  END IF;
  IF p_execution_id IS NOT NULL THEN
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  ELSE
    v_id := gen_random_uuid();
  END IF;
  v_now := _now_ms(p_now_ms);

  IF p_flow_id IS NOT NULL THEN
    v_partition := ff_flow_partition(p_flow_id);
    v_flow := _get_flow(v_partition, p_flow_id);
  ELSE
    v_partition := _solo_partition(p_lane_id);
  END IF;

  -- A replay is answered from an unlocked read. A {fp:N} prefix must name the partition this call mints on.
  v_existing := _find_execution('p_execution_id', v_requested, v_id, v_partition);
  IF v_existing.execution_id IS NOT NULL THEN
    status := 'already_exists';
    execution_id := _canonical_execution_id(v_existing.partition_key, v_id);
    RETURN NEXT;
    RETURN;
  END IF;

  -- The stored policy: this execution's keys over its flow's default_policy (docs/semantics.md §9.1).
  v_policy := coalesce(v_flow.raw_fields->'default_policy', '{}') || coalesce(v_policy, '{}');
  v_delayed := p_delay_until_ms > v_now;
  -- A solo execution's deadline runs from its creation (a member's from ff_start_flow).
  IF p_flow_id IS NULL AND v_policy ? 'execution_deadline_ms' THEN
    v_deadline := v_now + (v_policy->>'execution_deadline_ms')::bigint;
  END IF;
  -- The uuid's home first: the insert that conflicts there (a concurrent create, on any
  -- partition) is the one that loses.
  INSERT INTO ff_execution_home (execution_id, home_partition) VALUES (v_id, v_partition)
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    INSERT INTO ff_exec_core (partition_key, execution_id, lane_id, lifecycle_phase, ownership_state,
                              eligibility_state, public_state, attempt_state, blocking_reason,
                              priority, created_at_ms, payload, raw_fields, policy, delay_until_ms, deadline_at_ms)
    VALUES (v_partition, v_id, p_lane_id, 'runnable', 'unowned',
            CASE WHEN v_delayed THEN 'not_eligible_until_time' ELSE 'eligible_now' END,
            CASE WHEN v_delayed THEN 'delayed' ELSE 'waiting' END,
            'pending_first_attempt',
            CASE WHEN v_delayed THEN 'waiting_for_delay' ELSE 'waiting_for_worker' END,
            p_priority, v_now, p_payload,
            CASE WHEN p_task_identifier IS NULL THEN '{}'::jsonb
                 ELSE jsonb_build_object('task_identifier', p_task_identifier) END,
            v_policy, CASE WHEN v_delayed THEN p_delay_until_ms END, v_deadline);
    status := 'created';
    IF v_deadline IS NOT NULL THEN
      PERFORM _add_jobs(ARRAY[_expire_job_spec(v_partition, v_id, 'execution_deadline', NULL, v_deadline)]);
    END IF;
  ELSE
    -- A concurrent create of this uuid won between our read and our insert: answer as its
    -- replay, which refuses it (partition_mismatch) when the winner minted it on another partition.
    v_existing := _find_execution('p_execution_id', v_requested, v_id, v_partition);
    status := 'already_exists';
  END IF;
  execution_id := _canonical_execution_id(v_partition, v_id);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_create_execution(text, uuid, text, jsonb, int, text, jsonb, bigint, bigint) IS
$$Create an execution: lifecycle_phase runnable, ownership_state unowned, eligibility_state eligible_now, public_state waiting, attempt_state pending_first_attempt, terminal_outcome none.
Returns (status, execution_id); execution_id is canonical {fp:N}:<uuid>.
p_execution_id: {fp:N}:<uuid> or <uuid>; NULL mints a new uuid. With p_flow_id the execution is created on the flow's partition but is not yet a member (ff_add_execution_to_flow makes it one); without it, on the solo partition crc16_xmodem(p_lane_id) % 256.
Idempotent on the uuid: an existing execution on the partition this call would use is reported as already_exists and nothing changes; one on another partition is refused (partition_mismatch), also when a concurrent create on another partition wins the race.
p_task_identifier (raw_fields.task_identifier) names the Graphile Worker task that runs it once its flow is started.
p_policy: its run policy (docs/semantics.md §9.1: max_retries, backoff, attempt_timeout_ms, execution_deadline_ms, max_replays), validated key by key; stored in ff_exec_core.policy with its keys over the flow's default_policy (ff_create_flow) when p_flow_id is given; the defaults fill the rest when it runs. A solo execution's execution_deadline_ms runs from its creation (a flowstage__expire job is scheduled at the deadline); a member's from ff_start_flow.
p_delay_until_ms: a time after now makes it delayed (eligibility_state not_eligible_until_time, public_state delayed, blocking_reason waiting_for_delay, delay_until_ms): its run job, when enqueued, runs at that time (a child blocked by edges waits for them first). A time not after now is no delay.
Refusals: invalid_input (malformed id, empty lane or one over 1024 bytes, NULL priority, a task identifier empty, over 128 characters or starting with the reserved flowstage__, a payload that is neither a JSON object nor NULL, a bad p_policy key (DETAIL p_policy.<key>), a negative p_delay_until_ms, negative p_now_ms; DETAIL partition_mismatch when a {fp:N} prefix names another partition), flow_not_found.$$;
