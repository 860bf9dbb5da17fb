-- ff_suspend_execution: a running task waits for signals; its job ends without completing it
-- (docs/semantics.md §10.2, after FlowFabric's lua/suspension.lua).
CREATE OR REPLACE FUNCTION flowfabric.ff_suspend_execution(
  p_execution_id     text,
  p_signal_names     text[],
  p_resume_when      text   DEFAULT 'any',
  p_timeout_at_ms    bigint DEFAULT NULL,
  p_timeout_behavior text   DEFAULT 'fail',
  p_attempt          int    DEFAULT NULL,
  p_now_ms           bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_suspend_execution_status,
  execution_id flowfabric.ff_execution_id,
  waitpoint_id uuid,
  token        text)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_waitpoint ff_waitpoint;
  v_flow      ff_flow_core;
  v_wid       uuid;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  PERFORM _check_waitpoint_args(p_signal_names, p_resume_when, p_timeout_at_ms, p_timeout_behavior);
  PERFORM _check_attempt_number(p_attempt);
  v_now := _now_ms(p_now_ms);

  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  SELECT * INTO v_exec FROM ff_exec_core e
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
  IF _is_stale_attempt(v_exec, p_attempt) THEN
    status := 'stale_attempt';  -- timed out, reaped, failed or replaced: changes nothing
    RETURN NEXT;
    RETURN;
  END IF;
  IF v_exec.lifecycle_phase <> 'active' THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: execution_not_active: execution_id=%s lifecycle_phase=%s', execution_id, v_exec.lifecycle_phase),
      'Only a running attempt suspends; ff_create_waitpoint prepares a waitpoint beforehand.');
  END IF;

  -- A waitpoint created beforehand (ff_create_waitpoint) is adopted with its own names and
  -- settings and the signals it buffered; else a new one is opened and its token returned.
  SELECT * INTO v_waitpoint FROM ff_waitpoint w
  WHERE w.partition_key = v_exec.partition_key AND w.execution_id = v_id AND w.waitpoint_state = 'pending'
  FOR UPDATE;
  IF FOUND THEN
    UPDATE ff_waitpoint w SET waitpoint_state = 'waiting'
    WHERE w.partition_key = v_waitpoint.partition_key AND w.waitpoint_id = v_waitpoint.waitpoint_id
    RETURNING * INTO v_waitpoint;
    token := NULL;
  ELSE
    SELECT o.waitpoint_id, o.token INTO v_wid, token
    FROM _open_waitpoint(v_exec, p_signal_names, p_resume_when, p_timeout_at_ms, p_timeout_behavior, 'waiting', v_now) o;
    SELECT * INTO v_waitpoint FROM ff_waitpoint w WHERE w.partition_key = v_exec.partition_key AND w.waitpoint_id = v_wid;
  END IF;
  waitpoint_id := v_waitpoint.waitpoint_id;

  UPDATE ff_exec_core e
  SET lifecycle_phase = 'suspended',
      ownership_state = 'unowned',
      eligibility_state = 'not_applicable',
      blocking_reason = 'waiting_for_signal',
      public_state = 'suspended',
      attempt_state = 'attempt_interrupted',
      raw_fields = e.raw_fields || jsonb_build_object('waitpoint_id', v_waitpoint.waitpoint_id)
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id;
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
    PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
      'suspend_execution',
      jsonb_build_object('execution_id', execution_id, 'waitpoint_id', v_waitpoint.waitpoint_id,
                         'signal_names', to_jsonb(v_waitpoint.signal_names), 'resume_when', v_waitpoint.resume_when,
                         'timeout_at_ms', v_waitpoint.timeout_at_ms, 'timeout_behavior', v_waitpoint.timeout_behavior), v_now);
  END IF;

  IF _waitpoint_met(v_waitpoint) THEN
    -- signals buffered before the suspension already meet the condition: run again at once
    PERFORM _resume_waitpoint(v_waitpoint, 'signalled', v_now);
    status := 'resumed';
  ELSE
    IF v_waitpoint.timeout_at_ms IS NOT NULL THEN
      -- the timeout is a job due at that time, one per waitpoint (no scan of waiting rows)
      PERFORM _add_jobs(ARRAY[ROW('flowstage__waitpoint_timeout',
        json_build_object('waitpoint_id', v_waitpoint.waitpoint_id),
        NULL, to_timestamp(v_waitpoint.timeout_at_ms / 1000.0), NULL,
        'flowstage:waitpoint:' || v_waitpoint.waitpoint_id, NULL, NULL)::graphile_worker.job_spec]);
    END IF;
    status := 'suspended';
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_suspend_execution(text, text[], text, bigint, text, int, bigint) IS
$$Suspend active execution p_execution_id until signals arrive (docs/semantics.md §10.2). Returns (status, execution_id, waitpoint_id, token).
The execution becomes lifecycle_phase suspended, ownership_state unowned, eligibility_state not_applicable, blocking_reason waiting_for_signal, public_state suspended, attempt_state attempt_interrupted (raw_fields.waitpoint_id); the task's job then ends without completing it. Its waitpoint: the one created beforehand by ff_create_waitpoint (kept with its own names and settings and the signals it buffered; token NULL here: its creator holds it), else a new one with p_signal_names (1..100 names), p_resume_when any (one of the names) or all (every name), p_timeout_at_ms and p_timeout_behavior (fail | expire | resume), whose token (64 hex digits, stored only as its sha256) is returned once: whoever holds it may deliver signals (ff_deliver_signal p_token).
status suspended; or resumed when buffered signals already meet the condition (the execution is eligible again at once, payload.signals set, its run job enqueued). stale_attempt: p_attempt (the number ff_begin_attempt returned; run()'s helpers.suspend passes it) is not the attempt running now (it was timed out, reaped, failed or replaced, or the execution is no longer running): nothing changes, waitpoint_id and token NULL (docs/semantics.md §9.3 fencing). NULL p_attempt acts on the current attempt. p_attempt comes before p_now_ms so that p_now_ms stays last.
With a timeout, a flowstage__waitpoint_timeout job (job key flowstage:waitpoint:<id>) is due at p_timeout_at_ms and calls ff_waitpoint_timeout.
At the timeout, behaviour fail spends a retry as ff_fail_execution does (see ff_waitpoint_timeout).
Refusals: invalid_input (FF012: malformed id, bad names, resume_when, timeout or behavior; p_attempt < 1; execution_not_active when it is not running); execution_not_found (FF003). Locks the execution row, then its waitpoint. Logs suspend_execution (and resume_execution) for flow members.$$;
