-- _check_acyclic: refuse an edge upstream -> downstream that would close a cycle (check 6 of docs/semantics.md §4.3), naming the cycle.
CREATE OR REPLACE FUNCTION flowfabric._check_acyclic(
  p_partition_key  smallint,
  p_flow_id        uuid,
  p_place          text,
  p_upstream_eid   uuid,
  p_downstream_eid uuid)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_cycle uuid[] := _find_cycle(p_partition_key, p_flow_id, p_upstream_eid, p_downstream_eid);
BEGIN
  IF v_cycle IS NOT NULL THEN
    PERFORM _raise('cycle_detected',
      CASE WHEN p_place IS NULL THEN '' ELSE p_place || ': ' END || _format_cycle_path(p_partition_key, v_cycle));
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_acyclic(smallint, uuid, text, uuid, uuid) IS
  'Private (the staging calls). Returns when staging p_upstream_eid -> p_downstream_eid keeps flow p_flow_id''s edges on p_partition_key acyclic (_find_cycle); else cycle_detected (FF008), DETAIL "<p_place>: " (none when NULL) and the cycle, upstream first and last, as canonical ids on p_partition_key (_format_cycle_path).';
