-- _lock_flow_start: the start/pause/cascade handshake on a row only flowstage_owner can lock.
-- p_exclusive (ff_start_flow, ff_pause_flow, ff_resume_flow, holding the flow row and, for pause
-- and resume, the members they hold): FOR UPDATE; otherwise (a cascade, holding the executions it
-- completes and releases): FOR SHARE, waiting for a start, pause or resume in flight. Whoever holds
-- it FOR UPDATE waits for no execution afterwards, or a cascade waiting here would deadlock with it.
CREATE OR REPLACE FUNCTION flowfabric._lock_flow_start(p_partition_key smallint, p_flow_id uuid, p_exclusive boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  -- The row may not exist yet. Inserting it waits for a concurrent insert of it (the start's or
  -- another cascade's, uncommitted) to commit, so both sides always meet on one row; once it
  -- exists, this finds the conflict and writes nothing.
  INSERT INTO ff_flow_start_lock AS l (partition_key, flow_id) VALUES (p_partition_key, p_flow_id)
  ON CONFLICT (partition_key, flow_id) DO NOTHING;
  IF p_exclusive THEN
    PERFORM 1 FROM ff_flow_start_lock l WHERE l.partition_key = p_partition_key AND l.flow_id = p_flow_id FOR UPDATE;
  ELSE
    PERFORM 1 FROM ff_flow_start_lock l WHERE l.partition_key = p_partition_key AND l.flow_id = p_flow_id FOR SHARE;
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._lock_flow_start(smallint, uuid, boolean) IS
  'Private. Locks the flow''s row of ff_flow_start_lock (creating it when missing; a concurrent creation is waited for): FOR UPDATE when p_exclusive (ff_start_flow, ff_pause_flow, ff_resume_flow, after the flow row), else FOR SHARE (a cascade that releases children, after the children it holds). Replaces the advisory lock any login could hold. Lock order: flow row, executions, then this row; a holder of it FOR UPDATE never waits for an execution afterwards (ff_pause_flow and ff_resume_flow lock later members SKIP LOCKED), since a cascade waiting for it FOR SHARE holds executions (issue 23: pause against completion deadlocked).';
