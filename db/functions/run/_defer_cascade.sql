-- _defer_cascade: record that a terminal flow member's outgoing edges (and the flow check) are
-- left to a later transaction, and return the job that will do it; the caller enqueues it in
-- this transaction, so the outbox row and its job commit together.
CREATE OR REPLACE FUNCTION flowfabric._defer_cascade(
  p_partition_key smallint,
  p_execution_id  uuid,
  p_flow_id       uuid,
  p_outcome       text,
  p_now_ms        bigint)
RETURNS graphile_worker.job_spec
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_job_key text := 'flowstage:cascade:' || p_execution_id;
BEGIN
  -- A deferred flow check after a deferred hop re-arms the same row: one row per execution.
  INSERT INTO ff_completion_outbox AS o (partition_key, execution_id, flow_id, outcome, job_key, finished_at_ms)
  VALUES (p_partition_key, p_execution_id, p_flow_id, p_outcome, v_job_key, p_now_ms)
  ON CONFLICT (partition_key, execution_id) DO UPDATE SET cascaded_at_ms = NULL;
  RETURN ROW('flowstage__cascade',
             json_build_object('flow_id', p_flow_id,
                               'execution_id', _canonical_execution_id(p_partition_key, p_execution_id)),
             NULL, NULL, NULL, v_job_key, NULL, NULL)::graphile_worker.job_spec;
END;
$$;

COMMENT ON FUNCTION flowfabric._defer_cascade(smallint, uuid, uuid, text, bigint) IS
  'Private. Writes (or re-arms: cascaded_at_ms back to NULL) the ff_completion_outbox row of terminal flow member p_execution_id and returns the spec of its flowstage__cascade job ({flow_id, execution_id}, job_key flowstage:cascade:<uuid>), which the caller must pass to graphile_worker.add_jobs in the same transaction. The job (ff_cascade_step) resolves the member''s outgoing applied edges and checks whether the flow has finished.';
