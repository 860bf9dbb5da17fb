-- _check_flow_open: refuse a change to a cancelled, completed or failed flow.
CREATE OR REPLACE FUNCTION flowfabric._check_flow_open(p_flow flowfabric.ff_flow_core)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_flow.public_flow_state <> 'open' THEN
    PERFORM _raise('flow_already_terminal',
      format('flow_id=%s public_flow_state=%s', p_flow.flow_id, p_flow.public_flow_state));
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._check_flow_open(flowfabric.ff_flow_core) IS
  'Private. flow_already_terminal (FF002, DETAIL flow_id and public_flow_state) unless p_flow is open.';
