-- ff_cancel_siblings_step: cancel one sibling recorded by a cancel_remaining group's satisfied decision.
CREATE OR REPLACE FUNCTION flowfabric.ff_cancel_siblings_step(
  p_flow_id                 uuid,
  p_downstream_execution_id text,
  p_now_ms                  bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_cancel_siblings_step_status,
  execution_id text,
  remaining    flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_requested smallint;
  v_down      uuid;
  v_group     ff_edge_group;
  v_flow      ff_flow_core;
  v_sibling   ff_exec_core;
  v_member    text;
  v_spec      graphile_worker.job_spec;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  SELECT p.partition_key, p.execution_id INTO v_requested, v_down
  FROM _parse_execution_id('p_downstream_execution_id', p_downstream_execution_id) p;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);
  IF v_requested IS DISTINCT FROM NULL AND v_requested <> v_partition THEN
    PERFORM _raise('invalid_input',
      format('partition_mismatch: p_downstream_execution_id %s is on partition %s, expected partition %s',
             v_down, v_requested, v_partition));
  END IF;

  v_flow := _get_flow(v_partition, p_flow_id);
  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_down;
  IF v_group.downstream_eid IS NULL THEN
    -- No group: done for a member of the flow, refused for anything else.
    v_sibling := _find_execution('p_downstream_execution_id', v_requested, v_down, v_partition);
    IF v_sibling.execution_id IS NULL THEN
      PERFORM _raise('execution_not_found', format('execution_id=%s', _canonical_execution_id(v_partition, v_down)));
    ELSIF v_sibling.flow_id IS DISTINCT FROM p_flow_id THEN
      PERFORM _raise('execution_not_in_flow',
        format('flow_id=%s execution_id=%s', p_flow_id, _canonical_execution_id(v_partition, v_down)));
    END IF;
  END IF;
  IF NOT v_group.cancel_siblings_pending_flag OR cardinality(v_group.cancel_siblings_pending_members) = 0
     OR v_group.downstream_eid IS NULL THEN
    status := 'done';
    remaining := 0;
    RETURN NEXT;
    RETURN;
  END IF;

  -- Write path, one sibling per transaction. Lock order: the sibling, then the group.
  v_member := v_group.cancel_siblings_pending_members[1];
  execution_id := v_member;
  SELECT * INTO v_sibling FROM ff_exec_core e
  WHERE e.partition_key = v_partition AND e.execution_id = substring(v_member FROM '[0-9a-f-]{36}$')::uuid
  FOR UPDATE;
  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_down FOR UPDATE;
  IF NOT (v_member = ANY (v_group.cancel_siblings_pending_members)) THEN
    status := 'already_terminal';  -- a concurrent step took this sibling
  ELSIF v_sibling.lifecycle_phase <> 'terminal' THEN
    -- Its own cascade is deferred to its flowstage__cascade job: its children are not locked
    -- here, and the group row is (the lock order puts executions before groups).
    v_spec := _finish_execution(v_sibling, 'cancelled',
      jsonb_build_object('cancelled_by', 'cancel_remaining',
                         'downstream_execution_id', _canonical_execution_id(v_partition, v_down)),
      v_now, p_cascade => true, p_log => false);  -- (the cancel_sibling row below records it)
    PERFORM graphile_worker.add_jobs(ARRAY[v_spec]);
    status := 'cancelled';
  ELSE
    status := 'already_terminal';
  END IF;
  UPDATE ff_edge_group g
  SET cancel_siblings_pending_members = array_remove(g.cancel_siblings_pending_members, v_member),
      cancel_siblings_pending_flag = cardinality(array_remove(g.cancel_siblings_pending_members, v_member)) > 0
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_down
  RETURNING cardinality(g.cancel_siblings_pending_members) INTO remaining;
  PERFORM _log_flow_event(v_partition, p_flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision,
    'cancel_sibling',
    jsonb_build_object('downstream_execution_id', _canonical_execution_id(v_partition, v_down),
                       'execution_id', v_member, 'status', status), v_now);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_cancel_siblings_step(uuid, text, bigint) IS
$$Cancel the next sibling recorded in cancel_siblings_pending_members of the group of p_downstream_execution_id (set when a cancel_remaining group was satisfied); the flowstage__cancel_siblings job calls it, one call per transaction, until status is done.
Returns (status, execution_id, remaining).
cancelled: the sibling was not terminal and is now terminal with outcome cancelled (result {"cancelled_by":"cancel_remaining","downstream_execution_id":...}); its queued run job is removed and its own outgoing edges are resolved by its flowstage__cascade job (outbox row), enqueued in this transaction. already_terminal: it had finished meanwhile; nothing happens to it. Either way it leaves the list (remaining = how many are left) and the flag clears with the last one. done: nothing is pending (also for a member of the flow without a group); execution_id is then NULL.
Refusals, in this order: invalid_input (NULL p_flow_id, malformed id or another partition), flow_not_found (FF001), execution_not_found (FF003: no such execution), execution_not_in_flow (FF007: not a member of p_flow_id). Locks: the sibling execution, then the group. Logs one cancel_sibling row {downstream_execution_id, execution_id, status}: a cancelled sibling gets no complete_execution row of its own.$$;
