-- _enqueue_execution: queue the Graphile Worker job that runs an eligible execution's task.
CREATE OR REPLACE FUNCTION flowfabric._enqueue_execution(p_execution flowfabric.ff_exec_core, p_flow flowfabric.ff_flow_core)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT (p_execution.raw_fields ? 'task_identifier') THEN
    RETURN false;  -- run by someone else, who reports with ff_complete_execution
  END IF;
  PERFORM graphile_worker.add_job(p_execution.raw_fields->>'task_identifier',
    json_build_object('flow_id', p_execution.flow_id,
                      'execution_id', _canonical_execution_id(p_execution.partition_key, p_execution.execution_id)),
    max_attempts => (p_flow.raw_fields->>'max_attempts')::int,
    job_key => 'flowstage:run:' || p_execution.execution_id,
    -- flowstage: higher priority runs first; Graphile Worker: lower number runs first.
    priority => -greatest(least(p_execution.priority, 32767), -32767));
  RETURN true;
END;
$$;

COMMENT ON FUNCTION flowfabric._enqueue_execution(flowfabric.ff_exec_core, flowfabric.ff_flow_core) IS
  'Private. For an execution with raw_fields.task_identifier: graphile_worker.add_job(task_identifier, {flow_id, execution_id}, job_key => flowstage:run:<uuid>, max_attempts => the flow''s raw_fields.max_attempts (NULL: Graphile Worker''s 25), priority => -priority) and true; false (nothing queued) without a task_identifier. The job payload names the execution only: the task wrapper reads the execution''s payload when the attempt begins (ff_begin_attempt), so data passed after enqueueing is seen.';
