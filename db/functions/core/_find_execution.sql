-- _find_execution: look an execution up by uuid, refusing one on another partition than expected.
CREATE OR REPLACE FUNCTION flowfabric._find_execution(
  p_field text,
  p_requested_partition smallint,
  p_execution_id uuid,
  p_flow_partition smallint DEFAULT NULL)
RETURNS flowfabric.ff_exec_core
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_exec     ff_exec_core;
  v_expected smallint;
BEGIN
  SELECT * INTO v_exec FROM ff_exec_core e WHERE e.execution_id = p_execution_id;
  -- Expected: the flow's partition when acting for a flow, else where the row is stored.
  v_expected := coalesce(p_flow_partition, v_exec.partition_key, p_requested_partition);
  IF p_requested_partition <> v_expected OR v_exec.partition_key <> v_expected THEN
    PERFORM _raise('invalid_input',
      format('partition_mismatch: %s %s is on partition %s, expected partition %s',
             p_field, p_execution_id, coalesce(p_requested_partition, v_exec.partition_key), v_expected),
      'Create the execution with ff_create_execution(p_flow_id => <flow>) so it lives on the flow''s partition, and pass its canonical {fp:N}:<uuid> id.');
  END IF;
  RETURN v_exec;  -- every field NULL when the execution does not exist
END;
$$;

COMMENT ON FUNCTION flowfabric._find_execution(text, smallint, uuid, smallint) IS
  'Private. The ff_exec_core row of p_execution_id (every field NULL when missing). A {fp:N} prefix or a stored row on another partition than expected (the flow''s when p_flow_partition is given) -> invalid_input, DETAIL partition_mismatch naming p_field.';
