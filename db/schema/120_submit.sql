-- 0.2.0: ff_submit_flow logs a whole plan in one ff_flow_event row (its members and edges, a few
-- MB of jsonb for 10,000 executions and 30,000 edges). pglz compressed such a row in ~140 ms, lz4
-- in ~25 ms and smaller; the small rows of the single calls stay below the TOAST threshold and
-- are not compressed either way. A server built without lz4 keeps the default (pglz).
DO $$
BEGIN
  ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN arguments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'flowstage: this server has no lz4; ff_flow_event.arguments keeps pglz compression';
END;
$$;
