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
  v_expected smallint := coalesce(p_flow_partition, p_requested_partition);
  v_home     smallint;
BEGIN
  -- On the partition expected (the flow's, else the {fp:N} prefix's) by its key: one shard on
  -- Citus. Only a miss, or a bare uuid, asks ff_execution_home where the uuid lives.
  IF v_expected IS NOT NULL THEN
    SELECT * INTO v_exec FROM ff_exec_core e WHERE e.partition_key = v_expected AND e.execution_id = p_execution_id;
  END IF;
  IF v_exec.execution_id IS NULL THEN
    SELECT h.home_partition INTO v_home FROM ff_execution_home h WHERE h.execution_id = p_execution_id;
    IF v_home IS DISTINCT FROM v_expected THEN
      SELECT * INTO v_exec FROM ff_exec_core e WHERE e.partition_key = v_home AND e.execution_id = p_execution_id;
    END IF;
  END IF;
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
  'Private. The ff_exec_core row of p_execution_id (every field NULL when missing): read by key on the expected partition, else found through ff_execution_home. A {fp:N} prefix or a stored row on another partition than expected (the flow''s when p_flow_partition is given) -> invalid_input, DETAIL partition_mismatch naming p_field.';
