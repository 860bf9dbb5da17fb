-- _require_execution: the execution a function's p_execution_id names, refusing one that does not exist.
CREATE OR REPLACE FUNCTION flowfabric._require_execution(
  p_execution_id        text,
  p_requested_partition smallint,
  p_id                  uuid)
RETURNS flowfabric.ff_exec_core
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_exec ff_exec_core;
BEGIN
  v_exec := _find_execution('p_execution_id', p_requested_partition, p_id);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', p_execution_id));
  END IF;
  RETURN v_exec;
END;
$$;

COMMENT ON FUNCTION flowfabric._require_execution(text, smallint, uuid) IS
  'Private. The ff_exec_core row of the execution a function''s p_execution_id argument names (p_requested_partition and p_id: that argument as _parse_execution_id parsed it), read without a lock: invalid_input partition_mismatch as _find_execution checks it, execution_not_found (FF003, DETAIL execution_id=<the argument as given>) when it does not exist.';
