-- ff_flow_partition: the partition of a flow, crc16_xmodem(the 16 bytes of flow_id) % 256.
CREATE OR REPLACE FUNCTION flowfabric.ff_flow_partition(p_flow_id uuid)
RETURNS smallint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (_crc16_xmodem(uuid_send(p_flow_id)) % 256)::smallint;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_flow_partition(uuid) IS
  'Partition of a flow: crc16_xmodem(the 16 bytes of p_flow_id) % 256, as FlowFabric computes it. Executions of a flow live on this partition. NULL in, NULL out.';
