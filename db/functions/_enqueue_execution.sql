-- _enqueue_execution: queue the Graphile Worker job that runs one eligible execution's task.
CREATE OR REPLACE FUNCTION flowfabric._enqueue_execution(p_execution flowfabric.ff_exec_core, p_flow flowfabric.ff_flow_core)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_spec graphile_worker.job_spec := _run_job_spec(p_execution, p_flow);
BEGIN
  IF v_spec IS NULL THEN
    RETURN false;  -- run by someone else, who reports with ff_complete_execution
  END IF;
  PERFORM graphile_worker.add_jobs(ARRAY[v_spec]);
  RETURN true;
END;
$$;

COMMENT ON FUNCTION flowfabric._enqueue_execution(flowfabric.ff_exec_core, flowfabric.ff_flow_core) IS
  'Private. Enqueues one execution''s run job (_run_job_spec) with graphile_worker.add_jobs and returns true; false (nothing queued) without a task_identifier. For one execution only: code that releases several collects their _run_job_spec values and calls add_jobs once.';
