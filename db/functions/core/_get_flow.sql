-- _get_flow: a flow's row from an unlocked read; flow_not_found when there is none.
CREATE OR REPLACE FUNCTION flowfabric._get_flow(p_partition_key smallint, p_flow_id uuid)
RETURNS flowfabric.ff_flow_core
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_flow ff_flow_core;
BEGIN
  v_flow := _flow_row(p_partition_key, p_flow_id, false);
  IF v_flow.flow_id IS NULL THEN
    PERFORM _raise('flow_not_found', format('flow_id=%s', p_flow_id));
  END IF;
  RETURN v_flow;
END;
$$;

COMMENT ON FUNCTION flowfabric._get_flow(smallint, uuid) IS
  'Private. The ff_flow_core row of p_flow_id on partition p_partition_key, read without a lock through _flow_row (O(1) even after many rewrites in this transaction; flows are never deleted, and a terminal flow never reopens, so the answer stays true). None -> flow_not_found (FF001, DETAIL flow_id=...).';
