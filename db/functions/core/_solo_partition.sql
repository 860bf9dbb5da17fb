-- _solo_partition: FlowFabric's partition for an execution created without a flow.
CREATE OR REPLACE FUNCTION flowfabric._solo_partition(p_lane_id text)
RETURNS smallint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (_crc16_xmodem(convert_to(p_lane_id, 'UTF8')) % 256)::smallint;
END;
$$;

COMMENT ON FUNCTION flowfabric._solo_partition(text) IS
  'Private. Partition of a solo execution: crc16_xmodem(utf8 bytes of p_lane_id) % 256.';
