-- ff_start_flow: let a flow run: enqueue every member that is already eligible (one add_jobs
-- call); from now on each member is enqueued in the transaction that makes it eligible, and the
-- flow can finish (at once, if its members are all terminal already). Idempotent.
CREATE OR REPLACE FUNCTION flowfabric.ff_start_flow(
  p_flow_id      uuid,
  p_now_ms       bigint DEFAULT NULL,
  p_max_attempts int    DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_start_flow_status,
  flow_id        flowfabric.ff_flow_id,
  started_at_ms  flowfabric.ff_time_ms,
  enqueued_count flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_flow      ff_flow_core;
  v_group     ff_edge_group;
  v_specs     graphile_worker.job_spec[];
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_max_attempts < 1 OR p_max_attempts > 32767 THEN
    PERFORM _raise('invalid_input', format('p_max_attempts: must be NULL or 1..32767 (got %s)', p_max_attempts));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  flow_id := p_flow_id;

  -- A replay (already_started) is answered from an unlocked read.
  v_flow := _get_flow(v_partition, p_flow_id);
  IF NOT (v_flow.raw_fields ? 'started_at_ms') THEN
    -- Write path: the flow row lock serialises start against applies, policy changes and cancel.
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id FOR UPDATE;
  END IF;
  IF v_flow.raw_fields ? 'started_at_ms' THEN
    status := 'already_started';
    started_at_ms := (v_flow.raw_fields->>'started_at_ms')::bigint;
    enqueued_count := 0;
    RETURN NEXT;
    RETURN;
  END IF;
  PERFORM _check_flow_open(v_flow);

  -- A quorum that can never be met is refused now rather than skipping its child later.
  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.policy->>'kind' = 'quorum'
    AND coalesce(g.k_target, (g.policy->>'k')::int)
        > g.running_count + g.success_count + g.fail_count + g.skip_count
  ORDER BY g.downstream_eid
  LIMIT 1;
  IF FOUND THEN
    PERFORM _raise('invalid_input',
      format('p_flow_id: quorum group of downstream_execution_id=%s needs k=%s but only %s edges are applied to it',
             _canonical_execution_id(v_partition, v_group.downstream_eid),
             coalesce(v_group.k_target, (v_group.policy->>'k')::int),
             v_group.running_count + v_group.success_count + v_group.fail_count + v_group.skip_count),
      'Apply more edges to that downstream, or lower k with ff_set_edge_group_policy before applying any edge.');
  END IF;

  UPDATE ff_flow_core f
  SET raw_fields = f.raw_fields || jsonb_build_object('started_at_ms', v_now, 'max_attempts', p_max_attempts)
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id
  RETURNING f.* INTO v_flow;

  -- Exclusive against the cascade's shared lock (_resolve_edges, _finish_flow_if_done): a child
  -- made eligible by a transaction that did not see this start has committed before the scan
  -- below, which then finds it; one that started after waits for this commit and sees the start.
  -- A row of ff_flow_start_lock, not an advisory lock: no login without flowstage_owner's rights can hold it.
  PERFORM _lock_flow_start(v_partition, p_flow_id, true);
  SELECT coalesce(array_agg(_run_job_spec(ROW(e.*)::ff_exec_core, v_flow) ORDER BY e.execution_id)
                  FILTER (WHERE e.raw_fields ? 'task_identifier'), '{}')
  INTO v_specs
  FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
    AND e.lifecycle_phase = 'runnable' AND e.eligibility_state IN ('eligible_now', 'not_eligible_until_time')
    AND e.blocking_reason <> 'flow_paused';  -- held by ff_pause_flow until ff_resume_flow
  enqueued_count := cardinality(v_specs);
  PERFORM _start_deadlines(v_partition, p_flow_id, v_now);
  IF enqueued_count > 0 THEN
    PERFORM graphile_worker.add_jobs(v_specs);  -- one call for every member released by the start
  END IF;

  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'start_flow', jsonb_build_object('flow_id', p_flow_id, 'max_attempts', p_max_attempts, 'enqueued_count', enqueued_count),
    v_now);
  -- Members that all finished before the start (or before they were added) finish the flow now.
  PERFORM _finish_flow_if_done(v_partition, p_flow_id, v_now, 'flow');
  status := 'started';
  started_at_ms := v_now;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_start_flow(uuid, bigint, int) IS
$$Start flow p_flow_id: nothing of a flow runs before this call, and a flow finishes only once started. Every member that is runnable, eligible_now and has a task_identifier is enqueued now, with one graphile_worker.add_jobs call, as a Graphile Worker job (identifier = the task_identifier, payload {flow_id, execution_id}, job_key flowstage:run:<uuid>); afterwards each member is enqueued in the transaction that makes it eligible (its group's satisfied decision).
Returns (status, flow_id, started_at_ms, enqueued_count); already_started: a replay changes nothing and reports the first start's time, even once the flow has finished; enqueued_count 0.
Records started_at_ms and max_attempts in raw_fields: p_max_attempts is a shorthand for the run policy's max_retries = p_max_attempts - 1 of every member whose policy does not set max_retries (docs/semantics.md §9.1; NULL: max_retries 0 unless set); each run job is a single Graphile Worker attempt. Delayed members (delay_until_ms) are enqueued with run_at at their time. Members with an execution_deadline_ms get deadline_at_ms = start + it and a flowstage__expire job at that time (_start_deadlines). graph_revision stays. If the flow has members and all of them are already terminal (they finished before the start, or before they were added), the flow becomes completed (no member failed, cancelled or expired) or failed in this call, logging complete_flow; otherwise public_flow_state is not changed.
Checks in order, after argument validation (invalid_input FF012: NULL p_flow_id, p_max_attempts outside 1..32767): flow_not_found (FF001); already started -> already_started; flow_already_terminal (FF002); a quorum group whose k exceeds the number of edges applied to its downstream -> invalid_input, DETAIL naming the group's downstream_execution_id.
Members added after the start are not enqueued by it: they run when an applied edge's group releases them; a member added later by ff_add_execution_to_flow with no inbound edge is not run (create the flow's members before starting it, or add them with ff_submit_flow, which enqueues the members it adds to a started flow that nothing blocks).
Locks: the flow row (write path), then the flow's row of ff_flow_start_lock FOR UPDATE, against the FOR SHARE a cascade takes when it releases children (a row only flowstage_owner can lock, unlike the advisory lock of 0.2.0), so a member made eligible concurrently is enqueued exactly once and a concurrent last completion is never missed. Logs start_flow.$$;
