-- _run_job_spec: the Graphile Worker job that runs an eligible execution's task, as a job_spec.
CREATE OR REPLACE FUNCTION flowfabric._run_job_spec(p_execution flowfabric.ff_exec_core, p_flow flowfabric.ff_flow_core)
RETURNS graphile_worker.job_spec
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: a SQL function is parsed again at every call site execution, and this
  -- runs for every execution a cascade releases.
  IF NOT (p_execution.raw_fields ? 'task_identifier') THEN
    RETURN NULL;
  END IF;
  RETURN ROW(p_execution.raw_fields->>'task_identifier',
             json_build_object('flow_id', coalesce(p_execution.flow_id, p_flow.flow_id),
                               'execution_id', '{fp:' || p_execution.partition_key || '}:' || p_execution.execution_id),
             NULL,
             -- A delayed execution (retry backoff, ff_delay_execution, delay_until_ms) runs at its time.
             CASE WHEN p_execution.delay_until_ms IS NOT NULL THEN to_timestamp(p_execution.delay_until_ms / 1000.0) END,
             -- One Graphile Worker attempt: flowstage owns retrying (ff_fail_execution, docs/semantics.md §9.2).
             1::smallint,
             'flowstage:run:' || p_execution.execution_id,
             -- flowstage: higher priority runs first; Graphile Worker: lower number runs first.
             (-greatest(least(p_execution.priority, 32767), -32767))::smallint,
             NULL)::graphile_worker.job_spec;
END;
$$;

COMMENT ON FUNCTION flowfabric._run_job_spec(flowfabric.ff_exec_core, flowfabric.ff_flow_core) IS
  'Private. For an execution with raw_fields.task_identifier, the graphile_worker.job_spec of its run job: identifier = task_identifier, payload {flow_id, execution_id}, job_key flowstage:run:<uuid>, run_at = delay_until_ms (NULL: now), max_attempts 1 (flowstage retries: ff_fail_execution enqueues the next attempt itself; a job lost with its worker is failed as worker_lost by ff_recover_jobs), priority = -priority. p_flow (its flow row) names the flow in the payload should the execution row not carry it. NULL without a task_identifier (run by someone else, who reports with ff_complete_execution). The payload names the execution only: the task wrapper reads its payload when the attempt begins (ff_begin_attempt), so data passed after enqueueing is seen. Callers collect specs and call graphile_worker.add_jobs once per transaction.';
