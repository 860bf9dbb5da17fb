-- _format_cycle_path: the cycle as canonical ids joined by ' -> ', shortened past 20 entries.
CREATE OR REPLACE FUNCTION flowfabric._format_cycle_path(p_partition_key smallint, p_cycle uuid[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN n <= 20 THEN
      array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle) x), ' -> ')
    ELSE
      array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle[1:10]) x), ' -> ')
      || ' -> … (' || (n - 20) || ' more) … -> '
      || array_to_string(ARRAY(SELECT _canonical_execution_id(p_partition_key, x) FROM unnest(p_cycle[n - 9:n]) x), ' -> ')
    END
  FROM (SELECT cardinality(p_cycle) AS n) sizes
$$;

COMMENT ON FUNCTION flowfabric._format_cycle_path(smallint, uuid[]) IS
  'Private. DETAIL text of cycle_detected: canonical {fp:N}:<uuid> ids joined by " -> "; with more than 20 entries, the first ten, "… (N more) …" (N = entries left out) and the last ten.';
