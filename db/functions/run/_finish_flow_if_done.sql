-- _finish_flow_if_done: a started, open flow whose members are all terminal becomes completed or
-- failed; callable from any transaction that may have made that true, without a lock-order cycle.
--
-- The staging calls lock the flow row first and then executions, so a transaction that holds
-- execution locks (a completion, a cascade hop: p_held 'executions') must never wait for the
-- flow row. The check is built so it need not:
--   1. a witness: a non-terminal member that nobody is changing, locked FOR KEY SHARE SKIP LOCKED.
--      Its own completion locks it FOR UPDATE, so it commits after us and runs this check again:
--      the flow is not finished by us, and not forgotten. (A completion that leaves one of its
--      children non-terminal, or defers a hop to a job, has its witness already and does not
--      call this at all.)
--   2. no witness: every other member is terminal or being changed right now. Take the flow row
--      FOR UPDATE SKIP LOCKED. Checks that get it are serialised by it, and each looks again
--      after it (a new statement sees every commit before it): the last one sees all members
--      terminal. A check that cannot get it returns 'undecided', and its caller defers the check
--      to a job that runs after it commits, with no lock held, and may wait (p_held 'none').
-- A flow is finished only once started: before that, ff_start_flow's own check covers it. The
-- started flag is read again under a shared lock on the flow's ff_flow_start_lock row when it was
-- not set, which pairs with ff_start_flow's exclusive one, so a check racing with the start either
-- sees it or is seen by it.
-- p_held 'flow' (the default): the caller (ff_start_flow, ff_add_execution_to_flow, ff_submit_flow)
-- holds the flow row FOR UPDATE; a member being completed concurrently will find the row locked, or see our commit.
CREATE OR REPLACE FUNCTION flowfabric._finish_flow_if_done(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_now_ms        bigint,
  p_held          text DEFAULT 'flow')
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
  v_flow  ff_flow_core;
  v_state text;
BEGIN
  IF p_held NOT IN ('flow', 'executions', 'none') THEN
    RAISE EXCEPTION 'flowstage bug: _finish_flow_if_done called with p_held %', p_held;
  END IF;
  IF p_held <> 'flow' THEN
    -- 1. a witness (one probe of the partial index ff_exec_core_open_members)
    PERFORM 1 FROM ff_exec_core e
    WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.terminal_outcome = 'none'
      AND e.flow_id IS NOT NULL
    LIMIT 1
    FOR KEY SHARE SKIP LOCKED;
    IF FOUND THEN
      RETURN 'open';
    END IF;
  END IF;

  IF p_held = 'executions' THEN
    SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
    IF v_flow.public_flow_state = 'open' AND NOT (v_flow.raw_fields ? 'started_at_ms') THEN
      -- Not started as far as this statement saw: wait for a start in flight, then look again.
      PERFORM _lock_flow_start(p_partition_key, p_flow_id, false);
      SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
    END IF;
    IF v_flow.public_flow_state <> 'open' OR NOT (v_flow.raw_fields ? 'started_at_ms') THEN
      RETURN v_flow.public_flow_state;
    END IF;
    -- 2. never wait for the flow row while holding executions
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      RETURN 'undecided';
    END IF;
  ELSIF p_held = 'none' THEN
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id
    FOR UPDATE;
  ELSE
    SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  END IF;
  IF v_flow.public_flow_state <> 'open' OR NOT (v_flow.raw_fields ? 'started_at_ms') THEN
    RETURN v_flow.public_flow_state;
  END IF;

  -- Under the flow row lock: anything not terminal (committed, or being completed: that one's
  -- own check comes after our commit) keeps the flow open.
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.terminal_outcome = 'none'
    AND e.flow_id IS NOT NULL
  LIMIT 1;
  IF FOUND THEN
    RETURN 'open';
  END IF;
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.flow_id IS NOT NULL
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN 'open';  -- a flow without members has nothing to finish
  END IF;
  PERFORM 1 FROM ff_exec_core e
  WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.flow_id IS NOT NULL
    AND e.terminal_outcome IN ('failed', 'cancelled', 'expired')
    -- a failure is handled when a failure_only edge out of it led to a child that succeeded
    -- (docs/semantics.md §10.1)
    AND NOT EXISTS (
      SELECT 1 FROM ff_edge h
      JOIN ff_exec_core hc ON hc.partition_key = h.partition_key AND hc.execution_id = h.downstream_eid
      WHERE h.partition_key = p_partition_key AND h.flow_id = p_flow_id AND h.upstream_eid = e.execution_id
        AND h.dependency_kind = 'failure_only' AND hc.terminal_outcome = 'success')
  LIMIT 1;
  v_state := CASE WHEN FOUND THEN 'failed' ELSE 'completed' END;
  UPDATE ff_flow_core f
  SET public_flow_state = v_state,
      terminal_at_ms = p_now_ms
  WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  PERFORM _log_flow_event(p_partition_key, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'complete_flow', jsonb_build_object('flow_id', p_flow_id, 'public_flow_state', v_state), p_now_ms);
  RETURN v_state;
END;
$$;

COMMENT ON FUNCTION flowfabric._finish_flow_if_done(smallint, uuid, bigint, text) IS
  'Private. The flow''s public_flow_state after the check, or undecided: a started (raw_fields.started_at_ms), open flow with at least one member and no non-terminal member becomes completed (no member failed, cancelled or expired without being handled, i.e. without a failure_only edge out of it whose child completed success; skipped members do not fail a flow) or failed, with terminal_at_ms, and complete_flow is logged. p_held says what the caller holds: flow (the default; the flow row FOR UPDATE: ff_start_flow, ff_add_execution_to_flow, ff_submit_flow), executions (execution locks: never waits for the flow row; a non-terminal member nobody is changing is locked FOR KEY SHARE SKIP LOCKED as a witness whose own completion repeats the check; else the flow row is taken FOR UPDATE SKIP LOCKED, and undecided is returned when it is locked: the caller must then defer the check to a job), none (nothing held yet: takes the flow row FOR UPDATE, waiting). In the executions case, a flow read as not started is read again under its ff_flow_start_lock row FOR SHARE (_lock_flow_start, see ff_start_flow).';
