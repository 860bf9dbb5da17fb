-- 0.3.0 (dashboard): the dashboard's live updates poll the mutation log by event_id, one query for
-- every open page (ff_poll_flow_events). The primary key starts with (partition_key, flow_id), so
-- without this index "event_id > cursor" reads the whole log. event_id is an identity, so new
-- entries land on the index's right edge (one small btree insert per log row). A plain CREATE
-- INDEX: it holds writes to the log while it builds, once, during the upgrade.
CREATE INDEX ff_flow_event_event_id ON flowfabric.ff_flow_event (event_id);

-- Result domains of the dashboard's read functions.
CREATE DOMAIN flowfabric.ff_metric_value AS double precision NOT NULL CHECK (VALUE >= 0);
CREATE DOMAIN flowfabric.ff_event_id AS bigint NOT NULL CHECK (VALUE >= 1);
