-- ff_deliver_signal: record a signal for a waitpoint and resume its execution when the
-- waitpoint's condition is met (docs/semantics.md §10.2, after FlowFabric's lua/signal.lua).
CREATE OR REPLACE FUNCTION flowfabric.ff_deliver_signal(
  p_waitpoint_id    uuid,
  p_signal_name     text,
  p_payload         jsonb  DEFAULT NULL,
  p_idempotency_key text   DEFAULT NULL,
  p_token           text   DEFAULT NULL,
  p_now_ms          bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_deliver_signal_status,
  waitpoint_id uuid,
  execution_id flowfabric.ff_execution_id)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_waitpoint ff_waitpoint;
  v_phase     text;
BEGIN
  IF p_waitpoint_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_waitpoint_id: must not be null');
  END IF;
  IF p_signal_name IS NULL OR p_signal_name = '' OR octet_length(p_signal_name) > 256 THEN
    PERFORM _raise('invalid_input', format('p_signal_name: must be 1..256 bytes (got %s)', _shown(coalesce(p_signal_name, 'NULL'))));
  END IF;
  IF p_idempotency_key = '' THEN
    PERFORM _raise('invalid_input', 'p_idempotency_key: must be NULL or 1..1024 bytes (got an empty string)');
  END IF;
  PERFORM _check_text_size('p_idempotency_key', p_idempotency_key, 1024);
  v_now := _now_ms(p_now_ms);
  waitpoint_id := p_waitpoint_id;

  SELECT w.partition_key INTO v_partition FROM ff_waitpoint w WHERE w.waitpoint_id = p_waitpoint_id;
  IF v_partition IS NULL THEN
    PERFORM _raise('invalid_input', format('p_waitpoint_id: waitpoint_not_found: %s', p_waitpoint_id));
  END IF;
  SELECT * INTO v_waitpoint FROM ff_waitpoint w WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id;
  -- The token: required from any caller that is not flowstage_writer (the signaler role), and
  -- checked whenever given. DETAIL never repeats it.
  IF (p_token IS NULL AND NOT pg_has_role(session_user, 'flowstage_writer', 'MEMBER'))
     OR (p_token IS NOT NULL AND sha256(convert_to(p_token, 'UTF8')) <> v_waitpoint.token_hash) THEN
    PERFORM _raise('invalid_input',
      format('p_token: %s for waitpoint %s', CASE WHEN p_token IS NULL THEN 'missing' ELSE 'wrong' END, p_waitpoint_id),
      'Present the token ff_suspend_execution or ff_create_waitpoint returned for this waitpoint.');
  END IF;
  execution_id := _canonical_execution_id(v_partition, v_waitpoint.execution_id);

  -- Lock order: the execution, then its waitpoint.
  SELECT e.lifecycle_phase INTO v_phase FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.execution_id = v_waitpoint.execution_id FOR UPDATE;
  SELECT * INTO v_waitpoint FROM ff_waitpoint w
  WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id FOR UPDATE;

  -- 1. a repeated idempotency key: duplicate, even after the waitpoint closed
  IF p_idempotency_key IS NOT NULL THEN
    PERFORM 1 FROM ff_signal s
    WHERE s.partition_key = v_partition AND s.waitpoint_id = p_waitpoint_id AND s.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      status := 'duplicate';
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;
  -- 2. a name the waitpoint does not wait for
  IF NOT (p_signal_name = ANY (v_waitpoint.signal_names)) THEN
    PERFORM _raise('invalid_input',
      format('p_signal_name: %s is not awaited by waitpoint %s (it waits for %s)',
             _shown(p_signal_name), p_waitpoint_id, array_to_string(v_waitpoint.signal_names, ', ')));
  END IF;
  -- 3. a closed waitpoint records nothing; nor does one whose execution finished meanwhile
  --    (cancelled with its flow, expired): it is closed now
  IF v_waitpoint.waitpoint_state <> 'closed' AND v_phase = 'terminal' THEN
    UPDATE ff_waitpoint w SET waitpoint_state = 'closed', closed_at_ms = v_now, close_reason = 'execution_terminal'
    WHERE w.partition_key = v_partition AND w.waitpoint_id = p_waitpoint_id;
    PERFORM graphile_worker.remove_job('flowstage:waitpoint:' || p_waitpoint_id);
    v_waitpoint.waitpoint_state := 'closed';
  END IF;
  IF v_waitpoint.waitpoint_state = 'closed' THEN
    status := 'waitpoint_closed';
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO ff_signal (partition_key, waitpoint_id, signal_name, payload, idempotency_key, received_at_ms)
  VALUES (v_partition, p_waitpoint_id, p_signal_name, p_payload, p_idempotency_key, v_now);
  IF v_waitpoint.waitpoint_state = 'waiting' AND _waitpoint_met(v_waitpoint) THEN
    PERFORM _resume_waitpoint(v_waitpoint, 'signalled', v_now);
    status := 'resumed';
  ELSE
    status := 'recorded';  -- buffered (pending waitpoint) or the condition is not met yet
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_deliver_signal(uuid, text, jsonb, text, text, bigint) IS
$$Deliver signal p_signal_name (with p_payload) to waitpoint p_waitpoint_id (docs/semantics.md §10.2). Returns (status, waitpoint_id, execution_id).
Checks in order: invalid_input (FF012: NULL waitpoint id; signal name empty or over 256 bytes; idempotency key empty or over 1024 bytes; waitpoint_not_found; p_token missing — required from every caller that is not a member of flowstage_writer, i.e. the flowstage_signaler role — or wrong: DETAIL says missing or wrong, never the token); duplicate when p_idempotency_key was recorded for this waitpoint before (nothing changes, also after the execution resumed); invalid_input when the waitpoint does not wait for this name; waitpoint_closed when it is closed, or its execution is terminal (cancelled with its flow, expired: the waitpoint is closed then, close_reason execution_terminal) (nothing recorded). Then the signal is recorded (ff_signal, actor session_user) and: resumed when the waitpoint's execution is suspended on it and its condition (any | all) is met — the waitpoint closes, the execution becomes eligible with payload.signals = every signal recorded ({name, payload, received_at_ms}) and its run job is enqueued in this transaction (held with blocking_reason flow_paused in a paused flow); else recorded (buffered until it suspends, or not all names yet).
Locks the execution row, then the waitpoint row.$$;
