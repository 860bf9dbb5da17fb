-- ff_create_waitpoint: prepare a waitpoint before the task suspends, so its link (waitpoint id
-- and token) can be sent out first; signals that arrive meanwhile are buffered (docs/semantics.md §10.2).
CREATE OR REPLACE FUNCTION flowfabric.ff_create_waitpoint(
  p_execution_id     text,
  p_signal_names     text[],
  p_resume_when      text   DEFAULT 'any',
  p_timeout_at_ms    bigint DEFAULT NULL,
  p_timeout_behavior text   DEFAULT 'fail',
  p_now_ms           bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_create_waitpoint_status,
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
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  PERFORM _check_waitpoint_args(p_signal_names, p_resume_when, p_timeout_at_ms, p_timeout_behavior);
  v_now := _now_ms(p_now_ms);

  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  SELECT * INTO v_exec FROM ff_exec_core e
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
  IF v_exec.lifecycle_phase IN ('terminal', 'suspended') THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: execution_%s: execution_id=%s', v_exec.lifecycle_phase, execution_id),
      'A waitpoint is prepared for an execution that has not suspended yet and is not terminal.');
  END IF;
  PERFORM 1 FROM ff_waitpoint w
  WHERE w.partition_key = v_exec.partition_key AND w.execution_id = v_id AND w.waitpoint_state <> 'closed';
  IF FOUND THEN
    PERFORM _raise('invalid_input', format('p_execution_id: waitpoint_already_open: execution_id=%s', execution_id),
      'An execution has at most one open waitpoint; the task suspends on the one created before.');
  END IF;
  SELECT o.waitpoint_id, o.token INTO waitpoint_id, token
  FROM _open_waitpoint(v_exec, p_signal_names, p_resume_when, p_timeout_at_ms, p_timeout_behavior, 'pending', v_now) o;
  status := 'created';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_create_waitpoint(text, text[], text, bigint, text, bigint) IS
$$Create a waitpoint for execution p_execution_id before it suspends (docs/semantics.md §10.2). Returns (status created, execution_id, waitpoint_id, token): the token (64 hex digits, stored only as its sha256) is returned here once.
Arguments as ff_suspend_execution's. Signals delivered before the execution suspends are recorded (ff_deliver_signal answers recorded) and counted when it suspends: ff_suspend_execution adopts this waitpoint, and resumes at once if they already meet its condition. The timeout job is scheduled at the suspension.
Refusals: invalid_input (FF012: arguments as ff_suspend_execution; execution_terminal / execution_suspended; waitpoint_already_open when the execution has a pending or waiting waitpoint); execution_not_found (FF003). Locks the execution row.$$;
