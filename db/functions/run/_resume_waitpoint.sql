-- _resume_waitpoint: close a waitpoint and run its suspended execution again, with the signals
-- received so far in its payload (docs/semantics.md §10.2). One statement per table touched.
CREATE OR REPLACE FUNCTION flowfabric._resume_waitpoint(
  p_waitpoint flowfabric.ff_waitpoint,
  p_reason    text,
  p_now_ms    bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_exec ff_exec_core;
  v_flow ff_flow_core;
BEGIN
  UPDATE ff_waitpoint w
  SET waitpoint_state = 'closed', closed_at_ms = p_now_ms, close_reason = p_reason
  WHERE w.partition_key = p_waitpoint.partition_key AND w.waitpoint_id = p_waitpoint.waitpoint_id;
  PERFORM graphile_worker.remove_job('flowstage:waitpoint:' || p_waitpoint.waitpoint_id);

  IF p_waitpoint.flow_id IS NOT NULL THEN
    -- The start/pause handshake, as the cascade takes it when it releases a child (the caller
    -- holds the execution, which comes first in the lock order): a pause or resume in flight is
    -- waited for, so the paused flag read next is the one it committed.
    PERFORM _lock_flow_start(p_waitpoint.partition_key, p_waitpoint.flow_id, false);
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = p_waitpoint.partition_key AND f.flow_id = p_waitpoint.flow_id;
  END IF;
  UPDATE ff_exec_core e
  SET lifecycle_phase = 'runnable',
      ownership_state = 'unowned',
      eligibility_state = 'eligible_now',
      blocking_reason = CASE WHEN v_flow.raw_fields ? 'paused_at_ms' THEN 'flow_paused' ELSE 'waiting_for_worker' END,
      public_state = 'waiting',
      payload = coalesce(e.payload, '{}'::jsonb) || jsonb_build_object('signals', (
        SELECT coalesce(jsonb_agg(jsonb_build_object('name', s.signal_name, 'payload', s.payload,
                                                     'received_at_ms', s.received_at_ms) ORDER BY s.signal_seq), '[]'::jsonb)
        FROM ff_signal s
        WHERE s.partition_key = p_waitpoint.partition_key AND s.waitpoint_id = p_waitpoint.waitpoint_id)),
      raw_fields = e.raw_fields - 'waitpoint_id'
  WHERE e.partition_key = p_waitpoint.partition_key AND e.execution_id = p_waitpoint.execution_id
    AND e.lifecycle_phase = 'suspended'
  RETURNING e.* INTO v_exec;
  IF v_exec.execution_id IS NULL THEN
    RETURN;  -- (not suspended: the caller resumes a waitpoint whose execution still runs)
  END IF;
  -- Enqueued as the cascade enqueues: a member of a started flow that is not paused, or a solo execution.
  IF v_exec.raw_fields ? 'task_identifier'
     AND (v_exec.flow_id IS NULL OR (v_flow.raw_fields ? 'started_at_ms' AND NOT (v_flow.raw_fields ? 'paused_at_ms'))) THEN
    PERFORM _add_jobs(ARRAY[_run_job_spec(v_exec, v_flow)]);
  END IF;
  IF v_exec.flow_id IS NOT NULL THEN
    PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
      'resume_execution',
      jsonb_build_object('execution_id', _canonical_execution_id(v_exec.partition_key, v_exec.execution_id),
                         'waitpoint_id', p_waitpoint.waitpoint_id, 'reason', p_reason), p_now_ms);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._resume_waitpoint(flowfabric.ff_waitpoint, text, bigint) IS
  'Private. Closes p_waitpoint (close_reason p_reason: signalled or timeout), removes its timeout job (flowstage:waitpoint:<id>), and, when its execution is suspended, makes it runnable / eligible_now / waiting (blocking_reason waiting_for_worker, or flow_paused in a paused flow) with payload.signals = every signal recorded for the waitpoint ({name, payload, received_at_ms} in arrival order), and enqueues its run job (a member of a started, unpaused flow, or a solo execution with a task). Logs resume_execution for flow members. The caller holds the execution row and the waitpoint row; for a flow member this takes the flow''s ff_flow_start_lock row FOR SHARE (_lock_flow_start) before reading the paused flag, so a pause or resume in flight is waited for.';
