-- 0.2.0: ff_submit_flow logs a whole plan in one ff_flow_event row (its members and edges: ~3.7 MB
-- of jsonb for 10,000 executions and 30,000 edges). pglz compressed such a row in ~140 ms, lz4 in
-- ~25 ms (to 1.9 MB); storing it uncompressed out of line also takes ~25 ms (3.7 MB). So lz4 where
-- the server has it, else no compression (STORAGE EXTERNAL). The small rows of the single calls
-- stay inline below the TOAST threshold either way.
DO $$
BEGIN
  ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN arguments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN arguments SET STORAGE EXTERNAL;
END;
$$;
