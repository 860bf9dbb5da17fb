-- ff_resume_flow: end a pause: every held member is eligible again and, in a started flow,
-- enqueued with one add_jobs call (docs/semantics.md §10.3).
CREATE OR REPLACE FUNCTION flowfabric.ff_resume_flow(
  p_flow_id uuid,
  p_now_ms  bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_resume_flow_status,
  flow_id        flowfabric.ff_flow_id,
  enqueued_count flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_flow      ff_flow_core;
  v_released  ff_exec_core[];
  v_specs     graphile_worker.job_spec[];
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  flow_id := p_flow_id;

  v_flow := _get_flow(v_partition, p_flow_id);
  IF v_flow.raw_fields ? 'paused_at_ms' THEN
    v_flow := _flow_row(v_partition, p_flow_id, true);
  END IF;
  IF NOT (v_flow.raw_fields ? 'paused_at_ms') THEN
    status := 'not_paused';
    enqueued_count := 0;
    RETURN NEXT;
    RETURN;
  END IF;

  UPDATE ff_flow_core f
  SET raw_fields = f.raw_fields - 'paused_at_ms' - 'pause_reason'
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id
  RETURNING f.* INTO v_flow;

  -- Lock order as in ff_pause_flow: flow row, the held members (waiting for a cascade that holds
  -- one), then the flow's ff_flow_start_lock row, after which no execution is waited for.
  WITH held AS (
    SELECT x.execution_id FROM ff_exec_core x
    WHERE x.partition_key = v_partition AND x.flow_id = p_flow_id AND x.blocking_reason = 'flow_paused'
    ORDER BY x.execution_id
    FOR UPDATE),
  released AS (
    UPDATE ff_exec_core e
    SET blocking_reason = 'waiting_for_worker'
    FROM held h
    WHERE e.partition_key = v_partition AND e.execution_id = h.execution_id
      AND e.lifecycle_phase = 'runnable' AND e.eligibility_state = 'eligible_now'
    RETURNING e)
  SELECT array_agg(r.e ORDER BY (r.e).execution_id) INTO v_released FROM released r;

  -- Exclusive against the cascade's shared lock: a cascade that saw the flow paused has committed
  -- once this returns (its held children are released here, SKIP LOCKED), and one that comes
  -- later waits for this commit and enqueues what it releases.
  PERFORM _lock_flow_start(v_partition, p_flow_id, true);
  WITH held AS (
    SELECT x.execution_id FROM ff_exec_core x
    WHERE x.partition_key = v_partition AND x.flow_id = p_flow_id AND x.blocking_reason = 'flow_paused'
    ORDER BY x.execution_id
    FOR UPDATE SKIP LOCKED),
  released AS (
    UPDATE ff_exec_core e
    SET blocking_reason = 'waiting_for_worker'
    FROM held h
    WHERE e.partition_key = v_partition AND e.execution_id = h.execution_id
      AND e.lifecycle_phase = 'runnable' AND e.eligibility_state = 'eligible_now'
    RETURNING e)
  SELECT coalesce(v_released, '{}') || array_agg(r.e ORDER BY (r.e).execution_id) INTO v_released FROM released r;

  -- One add_jobs call for every eligible member of a started flow that has a task.
  SELECT coalesce(array_agg(_run_job_spec(x, v_flow) ORDER BY x.execution_id)
                  FILTER (WHERE x.raw_fields ? 'task_identifier'), '{}')
  INTO v_specs
  FROM unnest(coalesce(v_released, '{}')) x
  WHERE v_flow.raw_fields ? 'started_at_ms';
  PERFORM _add_jobs(v_specs);

  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision, 'resume_flow',
    jsonb_build_object('flow_id', p_flow_id, 'enqueued', cardinality(v_specs)), v_now);
  status := 'resumed';
  enqueued_count := cardinality(v_specs);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_resume_flow(uuid, bigint) IS
$$Resume paused flow p_flow_id (docs/semantics.md §10.3). Returns (status, flow_id, enqueued_count).
resumed: paused_at_ms and pause_reason leave raw_fields; every member held with blocking_reason flow_paused that is still runnable and eligible_now gets blocking_reason waiting_for_worker and, when the flow is started and it has a task_identifier, its run job, all in one graphile_worker.add_jobs call (enqueued_count of them). not_paused: nothing changes. Works on a terminal flow too (a cancelled paused flow can be resumed; it enqueues nothing then, its members being terminal).
Refusals: invalid_input (FF012: NULL p_flow_id); flow_not_found (FF001). Locks, in this order: the flow row; the held members in uuid order (waiting for a cascade that holds one); then the flow's ff_flow_start_lock row FOR UPDATE (_lock_flow_start, against the shared lock a cascade takes after the executions it holds); then, without waiting, members a cascade held meanwhile (FOR UPDATE SKIP LOCKED). It never waits for an execution while it holds the ff_flow_start_lock row, so it cannot deadlock with a completion (issue 23). A member held meanwhile that another transaction has locked at that instant and leaves non-terminal (a completion of another parent of it, releasing a sibling, in the same instant) stays held: a later pause and resume releases it. Logs resume_flow.$$;
