-- _canonical_execution_id: the {fp:N}:<uuid> form every result reports.
CREATE OR REPLACE FUNCTION flowfabric._canonical_execution_id(p_partition_key smallint, p_execution_id uuid)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN '{fp:' || p_partition_key || '}:' || p_execution_id;
END;
$$;

COMMENT ON FUNCTION flowfabric._canonical_execution_id(smallint, uuid) IS
  'Private. Canonical execution id text: {fp:<partition>}:<uuid>.';
