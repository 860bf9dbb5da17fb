-- ff_complete_execution: make an execution terminal once, with its outcome and result.
CREATE OR REPLACE FUNCTION flowfabric.ff_complete_execution(
  p_execution_id text,
  p_outcome      text,
  p_result       jsonb  DEFAULT NULL,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (status text, execution_id text, outcome text)
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
  IF p_outcome IS NULL OR p_outcome NOT IN ('success', 'failed', 'cancelled', 'expired', 'skipped') THEN
    PERFORM _raise('invalid_input',
      format('p_outcome: must be success, failed, cancelled, expired or skipped (got %s)', coalesce(p_outcome, 'NULL')));
  END IF;
  v_now := _now_ms(p_now_ms);

  -- A replay (already_terminal) is answered from an unlocked read.
  v_exec := _find_execution('p_execution_id', v_requested, v_id);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', p_execution_id));
  END IF;
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  IF v_exec.lifecycle_phase <> 'terminal' THEN
    SELECT * INTO v_exec FROM ff_exec_core e
    WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
    IF v_exec.lifecycle_phase <> 'terminal' THEN
      PERFORM _finish_execution(v_exec, p_outcome, p_result, v_now);
      status := 'completed';
      outcome := p_outcome;
      RETURN NEXT;
      RETURN;
    END IF;
  END IF;
  status := 'already_terminal';
  outcome := v_exec.terminal_outcome;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_complete_execution(text, text, jsonb, bigint) IS
$$Make execution p_execution_id terminal once with p_outcome (success | failed | cancelled | expired | skipped) and p_result.
Returns (status, execution_id, outcome); status: completed | already_terminal (a second call changes nothing and reports the stored outcome).
Sets lifecycle_phase terminal, eligibility_state not_applicable, terminal_outcome, public_state (completed for success, else the outcome's name), terminal_at_ms, result.
For a flow member it starts the completion cascade in the same transaction: an ff_completion_outbox row and a Graphile Worker job flowstage__cascade (job_key flowstage:cascade:<uuid>, so a replay cannot enqueue twice) that resolves each outgoing applied edge in its own transaction (SPEC section 6); a cancelled or expired execution's queued run job is removed.
Refusals: invalid_input (malformed id, unknown outcome), execution_not_found (FF003). Locks the execution row on the write path only. Logs complete_execution for flow members.$$;
