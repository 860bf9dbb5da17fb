-- _start_deadlines: start the execution_deadline_ms clock of a started flow's members (docs/semantics.md §9.3).
CREATE OR REPLACE FUNCTION flowfabric._start_deadlines(p_partition smallint, p_flow_id uuid, p_now_ms bigint,
                                                       p_only uuid[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_specs graphile_worker.job_spec[];
BEGIN
  -- Only members whose policy sets a deadline are written; a flow without any writes nothing.
  WITH started AS (
    UPDATE ff_exec_core e
    SET deadline_at_ms = p_now_ms + (e.policy->>'execution_deadline_ms')::bigint
    WHERE e.partition_key = p_partition AND e.flow_id = p_flow_id
      AND e.policy ? 'execution_deadline_ms' AND e.lifecycle_phase <> 'terminal' AND e.deadline_at_ms IS NULL
      AND (p_only IS NULL OR e.execution_id = ANY (p_only))
    RETURNING e.execution_id, e.deadline_at_ms)
  SELECT coalesce(array_agg(_expire_job_spec(p_partition, s.execution_id, 'execution_deadline', NULL, s.deadline_at_ms)
                            ORDER BY s.execution_id), '{}')
  INTO v_specs FROM started s;
  PERFORM _add_jobs(v_specs);
END;
$$;

COMMENT ON FUNCTION flowfabric._start_deadlines(smallint, uuid, bigint, uuid[]) IS
  'Private. ff_start_flow''s part of docs/semantics.md §9.3 (and ff_submit_flow''s for the members it adds to a started flow, p_only): every non-terminal member (of p_only when given) of flow p_flow_id whose policy sets execution_deadline_ms (and whose deadline has not started) gets deadline_at_ms = p_now_ms + execution_deadline_ms and a flowstage__expire job (_expire_job_spec, reason execution_deadline) at that time, all with one add_jobs call. The caller holds the flow row.';
