-- _waitpoint_met: have the signals recorded for a waitpoint met its resume condition?
CREATE OR REPLACE FUNCTION flowfabric._waitpoint_met(p_waitpoint flowfabric.ff_waitpoint)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_received int;
BEGIN
  SELECT count(DISTINCT s.signal_name) INTO v_received
  FROM ff_signal s
  WHERE s.partition_key = p_waitpoint.partition_key AND s.waitpoint_id = p_waitpoint.waitpoint_id
    AND s.signal_name = ANY (p_waitpoint.signal_names);
  RETURN CASE p_waitpoint.resume_when WHEN 'any' THEN v_received >= 1
                                      ELSE v_received = cardinality(ARRAY(SELECT DISTINCT n FROM unnest(p_waitpoint.signal_names) n)) END;
END;
$$;

COMMENT ON FUNCTION flowfabric._waitpoint_met(flowfabric.ff_waitpoint) IS
  'Private. True when the signals recorded for p_waitpoint meet its resume_when: any (one of its signal_names received) or all (every one of them received at least once).';
