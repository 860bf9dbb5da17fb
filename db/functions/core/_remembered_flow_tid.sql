-- _remembered_flow_tid: the ctid of the flow row version this transaction last wrote, if _bump_flow remembered one for this flow.
CREATE OR REPLACE FUNCTION flowfabric._remembered_flow_tid(p_flow_id uuid)
RETURNS tid
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_remembered text := current_setting('flowstage.flow_row', true);
BEGIN
  IF v_remembered LIKE p_flow_id::text || ' %' THEN
    RETURN substr(v_remembered, 38)::tid;
  END IF;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION flowfabric._remembered_flow_tid(uuid) IS
  'Private (_flow_row, _bump_flow). The ctid held by the transaction-local setting flowstage.flow_row (''<flow_id> <ctid>'', written by _bump_flow) when it names p_flow_id, else NULL. Only a hint: every reader rechecks the key and visibility at that ctid.';
