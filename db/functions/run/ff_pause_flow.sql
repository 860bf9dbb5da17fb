-- ff_pause_flow: hold a flow: none of its executions starts until ff_resume_flow (docs/semantics.md §10.3).
-- Queued run jobs are taken out of the queue and eligible members stay eligible_now with
-- blocking_reason flow_paused; running attempts finish and the cascade still resolves and skips.
CREATE OR REPLACE FUNCTION flowfabric.ff_pause_flow(
  p_flow_id uuid,
  p_reason  text   DEFAULT NULL,
  p_now_ms  bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_pause_flow_status,
  flow_id      flowfabric.ff_flow_id,
  paused_at_ms flowfabric.ff_time_ms,
  held_count   flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_flow      ff_flow_core;
  v_held      uuid[];
  v_tasks     uuid[];
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  PERFORM _check_text_size('p_reason', p_reason, 1024);
  IF p_reason = '' THEN
    PERFORM _raise('invalid_input', 'p_reason: must be NULL or 1..1024 bytes (got an empty string)');
  END IF;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  flow_id := p_flow_id;

  v_flow := _get_flow(v_partition, p_flow_id);
  IF NOT (v_flow.raw_fields ? 'paused_at_ms') THEN
    v_flow := _flow_row(v_partition, p_flow_id, true);
  END IF;
  PERFORM _check_flow_open(v_flow);
  IF v_flow.raw_fields ? 'paused_at_ms' THEN
    status := 'already_paused';
    paused_at_ms := (v_flow.raw_fields->>'paused_at_ms')::bigint;
    held_count := 0;
    RETURN NEXT;
    RETURN;
  END IF;

  UPDATE ff_flow_core f
  SET raw_fields = f.raw_fields || jsonb_build_object('paused_at_ms', v_now, 'pause_reason', p_reason)
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;

  -- Lock order: flow row, executions, then the flow's ff_flow_start_lock row. A cascade holds the
  -- executions it completes and releases and then waits for that row FOR SHARE; so the eligible
  -- members are held first (waiting for such a cascade, which then commits), and once the row is
  -- ours no execution is waited for: a cascade waiting for the row may hold it (issue 23).
  SELECT coalesce(array_agg(e.execution_id ORDER BY e.execution_id), '{}'),
         coalesce(array_agg(e.execution_id ORDER BY e.execution_id) FILTER (WHERE e.raw_fields ? 'task_identifier'), '{}')
  INTO v_held, v_tasks
  FROM (SELECT x.execution_id, x.raw_fields FROM ff_exec_core x
        WHERE x.partition_key = v_partition AND x.flow_id = p_flow_id
          AND x.lifecycle_phase = 'runnable' AND x.eligibility_state = 'eligible_now'
        ORDER BY x.execution_id
        FOR UPDATE) e;
  UPDATE ff_exec_core e
  SET blocking_reason = 'flow_paused'
  WHERE e.partition_key = v_partition AND e.execution_id = ANY (v_held);

  -- Exclusive against the cascade's shared lock (_resolve_edges): a cascade that did not see the
  -- pause has committed once this returns, and one that comes later waits for this commit and
  -- holds what it releases. Members released in between (committed, eligible, not yet held) are
  -- held now, SKIP LOCKED: a member locked by another transaction keeps its run job, and
  -- ff_begin_attempt, which every run passes through, holds it if it is still eligible then.
  PERFORM _lock_flow_start(v_partition, p_flow_id, true);
  SELECT v_held || coalesce(array_agg(e.execution_id ORDER BY e.execution_id), '{}'),
         v_tasks || coalesce(array_agg(e.execution_id ORDER BY e.execution_id) FILTER (WHERE e.raw_fields ? 'task_identifier'), '{}')
  INTO v_held, v_tasks
  FROM (SELECT x.execution_id, x.raw_fields FROM ff_exec_core x
        WHERE x.partition_key = v_partition AND x.flow_id = p_flow_id
          AND x.lifecycle_phase = 'runnable' AND x.eligibility_state = 'eligible_now' AND x.blocking_reason <> 'flow_paused'
        ORDER BY x.execution_id
        FOR UPDATE SKIP LOCKED) e;
  UPDATE ff_exec_core e
  SET blocking_reason = 'flow_paused'
  WHERE e.partition_key = v_partition AND e.execution_id = ANY (v_held) AND e.blocking_reason <> 'flow_paused';
  -- Their queued jobs leave the queue (a job already locked by a worker is kept from retrying,
  -- and its ff_begin_attempt finds the execution held). ff_resume_flow enqueues them again.
  PERFORM graphile_worker.remove_job('flowstage:run:' || x) FROM unnest(v_tasks) x;

  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision, 'pause_flow',
    jsonb_build_object('flow_id', p_flow_id, 'reason', p_reason, 'held', cardinality(v_held)), v_now);
  status := 'paused';
  paused_at_ms := v_now;
  held_count := cardinality(v_held);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_pause_flow(uuid, text, bigint) IS
$$Pause flow p_flow_id (docs/semantics.md §10.3): while paused none of its executions starts. Returns (status, flow_id, paused_at_ms, held_count).
paused: raw_fields gains paused_at_ms and pause_reason (shown by ff_describe_flow); every runnable eligible_now member gets blocking_reason flow_paused (held_count of them) and its queued run job is removed from Graphile Worker's queue (graphile_worker.remove_job; a job a worker has already locked is only kept from retrying, and ff_begin_attempt answers not_runnable for a held execution). Members that become eligible while paused stay eligible_now with blocking_reason flow_paused and get no job. Running attempts finish, and the cascade still resolves edges and skips. A pause is not terminal: ff_cancel_flow still works. already_paused: nothing changes (paused_at_ms is the first pause's).
Refusals: invalid_input (FF012: NULL p_flow_id; p_reason empty or over 1024 bytes); flow_not_found (FF001); flow_already_terminal (FF002). Locks, in this order: the flow row; the eligible members in uuid order (waiting for a cascade that holds one); then the flow's ff_flow_start_lock row FOR UPDATE (_lock_flow_start, against the shared lock a cascade takes after the executions it holds; see ff_start_flow); then, without waiting, members released meanwhile (FOR UPDATE SKIP LOCKED: one locked by another transaction keeps its run job and is held by ff_begin_attempt when the job runs). It never waits for an execution while it holds the ff_flow_start_lock row, so it cannot deadlock with a completion (issue 23). Logs pause_flow.$$;
