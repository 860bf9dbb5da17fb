-- _canonical_execution_id: the {fp:N}:<uuid> form every result reports.
CREATE OR REPLACE FUNCTION flowfabric._canonical_execution_id(p_partition_key smallint, p_execution_id uuid)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT '{fp:' || p_partition_key || '}:' || p_execution_id
$$;

COMMENT ON FUNCTION flowfabric._canonical_execution_id(smallint, uuid) IS
  'Private. Canonical execution id text: {fp:<partition>}:<uuid>.';
