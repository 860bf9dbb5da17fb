-- ff_change_priority: a non-terminal execution's priority, and its queued job's, changed in place.
CREATE OR REPLACE FUNCTION flowfabric.ff_change_priority(
  p_execution_id text,
  p_priority     int,
  p_now_ms       bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_change_priority_status,
  execution_id flowfabric.ff_execution_id,
  priority     flowfabric.ff_priority)
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
  v_job       bigint;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  -- Graphile Worker's priority is a smallint (and runs lower numbers first): -priority must fit.
  IF p_priority IS NULL OR p_priority NOT BETWEEN -32767 AND 32767 THEN
    PERFORM _raise('invalid_input', format('p_priority: must be -32767..32767 (got %s)', coalesce(p_priority::text, 'NULL')));
  END IF;
  v_now := _now_ms(p_now_ms);
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  execution_id := _canonical_execution_id(v_exec.partition_key, v_id);
  SELECT * INTO v_exec FROM ff_exec_core e
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id FOR UPDATE;
  IF v_exec.lifecycle_phase = 'terminal' THEN
    PERFORM _raise('invalid_input',
      format('p_execution_id: execution_terminal: %s is terminal (%s); its priority no longer matters', execution_id, v_exec.terminal_outcome),
      'Replay it first (ff_replay_execution) if it should run again.');
  END IF;
  priority := p_priority;
  IF v_exec.priority = p_priority THEN
    status := 'unchanged';
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE ff_exec_core e SET priority = p_priority
  WHERE e.partition_key = v_exec.partition_key AND e.execution_id = v_id;
  -- Its queued job (waiting, delayed or the next attempt's), re-prioritised in place: never a second job.
  SELECT j.id INTO v_job FROM graphile_worker.jobs j
  WHERE j.key = 'flowstage:run:' || v_id AND j.locked_at IS NULL;
  IF v_job IS NOT NULL THEN
    PERFORM graphile_worker.reschedule_jobs(ARRAY[v_job], priority => (-p_priority)::int);
  END IF;
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
    PERFORM _log_flow_event(v_exec.partition_key, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
      'change_priority', jsonb_build_object('execution_id', execution_id, 'priority', p_priority, 'previous_priority', v_exec.priority),
      v_now);
  END IF;
  status := 'changed';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_change_priority(text, int, bigint) IS
$$Change the priority of non-terminal execution p_execution_id to p_priority (-32767..32767; higher runs first) (docs/semantics.md §9.5). Its queued run job (flowstage:run:<uuid>, not locked: waiting, delayed or a retry's) is re-prioritised in place with graphile_worker.reschedule_jobs (Graphile Worker priority = -p_priority), never duplicated; a running attempt keeps its job, and later jobs of the execution take the new priority. Unlike FlowFabric's ff_change_priority, a delayed or active execution may change too, and there is no clamp to 0..9000.
Returns (status, execution_id, priority): changed, or unchanged when it already had that priority (nothing written).
Refusals: invalid_input (malformed id; p_priority NULL or outside -32767..32767; DETAIL execution_terminal for a terminal execution), execution_not_found (FF003). Locks the execution row. Logs change_priority for flow members.$$;
