-- ff_begin_attempt: the task wrapper's first call: may this execution run now, and with what payload?
CREATE OR REPLACE FUNCTION flowfabric.ff_begin_attempt(
  p_execution_id text,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_begin_attempt_status,
  execution_id flowfabric.ff_execution_id,
  payload      jsonb,
  attempt      flowfabric.ff_count,
  attempt_timeout_ms bigint,
  retry_count  flowfabric.ff_count,
  attempt_type flowfabric.ff_attempt_type_or_null)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_flow      ff_flow_core;
  v_started   record;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  v_now := _now_ms(p_now_ms);

  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
    -- A paused flow starts nothing (docs/semantics.md §10.3), whichever way the job got into the
    -- queue (a retry's backoff, a delay, a replay, a recovery, a member added to a started flow):
    -- the one place every run passes through holds it. FOR KEY SHARE waits for a resume in flight
    -- (it holds the flow row FOR UPDATE; flow row before execution, as everywhere) and reads again.
    IF v_exec.lifecycle_phase = 'runnable' AND v_flow.raw_fields ? 'paused_at_ms' THEN
      SELECT * INTO v_flow FROM ff_flow_core f
      WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id FOR KEY SHARE;
      IF v_flow.raw_fields ? 'paused_at_ms' THEN
        -- Held as ff_pause_flow holds an eligible member, so ff_resume_flow enqueues it again.
        UPDATE ff_exec_core e
        SET eligibility_state = 'eligible_now', blocking_reason = 'flow_paused', public_state = 'waiting', delay_until_ms = NULL
        WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id
          AND e.lifecycle_phase = 'runnable' AND e.eligibility_state IN ('eligible_now', 'not_eligible_until_time');
        v_exec.blocking_reason := 'flow_paused';
      END IF;
    END IF;
  END IF;
  IF v_exec.lifecycle_phase = 'active'
     OR (v_exec.lifecycle_phase = 'runnable' AND v_exec.eligibility_state IN ('eligible_now', 'not_eligible_until_time')
         AND v_exec.blocking_reason <> 'flow_paused') THEN
    -- The unlocked read says it may run: one UPDATE that checks again on the row it locks (after
    -- waiting for a concurrent writer, PostgreSQL re-evaluates the WHERE on the newest version),
    -- so the write path locks and changes the row in one statement, with no separate row-lock
    -- record in the WAL.
    UPDATE ff_exec_core e
    SET lifecycle_phase = 'active',
        ownership_state = 'leased',
        eligibility_state = 'eligible_now',
        blocking_reason = 'none',
        public_state = 'active',
        attempt_state = 'running_attempt',
        delay_until_ms = NULL,
        -- jsonb_set over the columns, not jsonb_build_object (STABLE): docs/conventions.md 17.
        raw_fields = jsonb_set(jsonb_set(e.raw_fields,
          '{attempt_count}', (coalesce((e.raw_fields->>'attempt_count')::int, 0) + 1)::text::jsonb),
          -- What kind of attempt this is (docs/semantics.md §9.2), for ff_explain_execution.
          -- (A searched CASE: Citus sends CASE <column> WHEN ... to the shard as text = boolean.)
          '{attempt_type}', CASE WHEN e.attempt_state = 'pending_retry_attempt' THEN '"retry"'::jsonb
                                 WHEN e.attempt_state = 'pending_replay_attempt' THEN '"replay"'::jsonb
                                 WHEN e.attempt_state = 'running_attempt' THEN coalesce(e.raw_fields->'attempt_type', '"initial"')
                                 ELSE '"initial"'::jsonb END)
          || jsonb_build_object('last_attempt_started_at_ms', v_now)
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id
      AND (e.lifecycle_phase = 'active'
           OR (e.lifecycle_phase = 'runnable' AND e.eligibility_state IN ('eligible_now', 'not_eligible_until_time')
               AND e.blocking_reason <> 'flow_paused'))
    -- (Into a record: the OUT columns are NOT NULL domains, which a missed row would set to NULL.)
    RETURNING e.payload, (e.raw_fields->>'attempt_count')::int AS attempt, (e.policy->>'attempt_timeout_ms')::bigint AS timeout_ms,
              e.retry_count, e.raw_fields->>'attempt_type' AS attempt_type
    INTO v_started;
    IF FOUND THEN
      payload := v_started.payload;
      attempt := v_started.attempt;
      attempt_timeout_ms := v_started.timeout_ms;
      retry_count := v_started.retry_count;
      attempt_type := v_started.attempt_type;
      -- The attempt timeout is enforced by the database side too (docs/semantics.md §9.3): a job
      -- at the due time fails this attempt on whichever worker is alive, even if this one died.
      IF attempt_timeout_ms IS NOT NULL THEN
        PERFORM _add_jobs(ARRAY[_expire_job_spec(v_exec.partition_key, v_id, 'attempt_timeout', attempt, v_now + attempt_timeout_ms)]);
      END IF;
      IF v_exec.flow_id IS NOT NULL THEN
        PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace',
          v_flow.graph_revision, 'begin_attempt',
          jsonb_build_object('execution_id', execution_id, 'attempt', attempt), v_now);
      END IF;
      status := 'started';
      RETURN NEXT;
      RETURN;
    END IF;
    -- A concurrent call changed it first (finished, cancelled, paused, began it): answer from
    -- the row as it is now.
    SELECT * INTO v_exec FROM ff_exec_core e
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id;
  END IF;
  status := 'not_runnable';
  payload := v_exec.payload;
  attempt := coalesce((v_exec.raw_fields->>'attempt_count')::int, 0);
  retry_count := coalesce(v_exec.retry_count, 0);
  attempt_type := v_exec.raw_fields->>'attempt_type';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_begin_attempt(text, bigint) IS
$$Begin an attempt of execution p_execution_id ({fp:N}:<uuid> or <uuid>): the flowstage task wrapper calls it before running the user's task function.
Returns (status, execution_id, payload, attempt, attempt_timeout_ms, retry_count, attempt_type): attempt is the fencing token the task wrapper passes back to ff_complete_execution / ff_fail_execution / ff_delay_execution (p_attempt); attempt_timeout_ms is the policy's (NULL: none), for the task's AbortSignal.
started: the execution was runnable and eligible_now or delayed (its run job comes at its time: a retry after backoff, a delay), or active (a retry, or a run interrupted by a crash); it becomes lifecycle_phase active, ownership_state leased, public_state active, attempt_state running_attempt, raw_fields.attempt_count + 1 (= attempt), raw_fields.attempt_type (initial | retry | replay), delay_until_ms cleared; with an attempt_timeout_ms a flowstage__expire job is scheduled at now + that timeout (job_key flowstage:timeout:<uuid>); and payload is its current payload (with every result passed to it so far).
not_runnable: it is terminal (e.g. cancelled as a sibling, completed from outside), held by a paused flow (blocking_reason flow_paused: ff_resume_flow enqueues it again; a runnable member whose job reaches this call while its flow is paused - a retry after backoff, a delay, a replay - is held here the same way: eligible_now, flow_paused, public_state waiting) or blocked by dependencies applied after it was queued; nothing changes and the wrapper does not run the task (a blocked execution is queued again when its group is satisfied).
Refusals: invalid_input (malformed id), execution_not_found (FF003). Locks the execution row on the write path only (by the UPDATE that begins the attempt, which checks the state again on the row it locks); the flow row FOR KEY SHARE only when the flow reads as paused. Logs begin_attempt for flow members.$$;
