-- _expire_job_spec: the Graphile Worker job that enforces an attempt timeout or an execution
-- deadline at its time, on whichever flowstage worker is alive then (docs/semantics.md §9.3).
CREATE OR REPLACE FUNCTION flowfabric._expire_job_spec(
  p_partition smallint,
  p_execution uuid,
  p_reason    text,
  p_attempt   int,
  p_due_ms    bigint)
RETURNS graphile_worker.job_spec
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN ROW('flowstage__expire',
             json_build_object('execution_id', '{fp:' || p_partition || '}:' || p_execution,
                               'reason', p_reason, 'attempt', p_attempt),
             NULL,
             to_timestamp(p_due_ms / 1000.0),
             5,
             -- One job per execution and kind: a new attempt's timeout replaces the last one's.
             CASE p_reason WHEN 'attempt_timeout' THEN 'flowstage:timeout:' ELSE 'flowstage:deadline:' END || p_execution,
             -- Before run jobs of the same time: a timeout frees the execution for its retry.
             -100::smallint,
             NULL)::graphile_worker.job_spec;
END;
$$;

COMMENT ON FUNCTION flowfabric._expire_job_spec(smallint, uuid, text, int, bigint) IS
  'Private. The graphile_worker.job_spec of a flowstage__expire job: payload {execution_id, reason (attempt_timeout | execution_deadline), attempt}, run_at = p_due_ms, job_key flowstage:timeout:<uuid> or flowstage:deadline:<uuid> (replace mode: one per execution and kind), priority -100, 5 attempts. The job calls ff_expire_execution, which does nothing when the attempt is over or the execution terminal, so a job left behind by a completed attempt is harmless.';
