-- ff_flow_event: the append-only mutation log, one row per successful call that changes a flow or
-- one of its members (docs/semantics.md §5), written in the caller's transaction.
CREATE TABLE flowfabric.ff_flow_event (
  event_id       bigint   GENERATED ALWAYS AS IDENTITY,
  partition_key  smallint NOT NULL,
  flow_id        uuid     NOT NULL,
  graph_revision bigint   NOT NULL,
  operation      text     NOT NULL,
  arguments      jsonb    NOT NULL,
  actor          text     NOT NULL DEFAULT session_user,
  occurred_at_ms bigint   NOT NULL,
  PRIMARY KEY (partition_key, flow_id, event_id)
);
COMMENT ON TABLE flowfabric.ff_flow_event IS
  'Append-only mutation log: flow, graph_revision after the change, operation, the call''s arguments, actor (the calling login), time. Written in the caller''s transaction; replays and refusals write nothing.';
-- Every public function runs SECURITY DEFINER as flowstage_owner, so current_user inside it is the
-- owner for every caller; session_user is still the role the client connected as (SET ROLE does
-- not change it, so a pooler's SET ROLE shows the pooler's login).
COMMENT ON COLUMN flowfabric.ff_flow_event.actor IS
  'session_user of the call: the login that connected, not flowstage_owner, whose rights the functions run with.';

-- The dashboard's live updates poll the log by event_id, one query for every open page
-- (ff_poll_flow_events); the primary key starts with (partition_key, flow_id), so without this
-- index "event_id > cursor" would read the whole log. event_id is an identity: new entries land
-- on the index's right edge.
CREATE INDEX ff_flow_event_event_id ON flowfabric.ff_flow_event (event_id);

-- ff_submit_flow logs a whole plan in one row (~3.7 MB of jsonb for 10,000 executions and 30,000
-- edges). pglz compressed such a row in ~140 ms, lz4 in ~25 ms (to 1.9 MB); storing it
-- uncompressed out of line also takes ~25 ms. So lz4 where the server has it, else no compression.
DO $$
BEGIN
  ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN arguments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN arguments SET STORAGE EXTERNAL;
END;
$$;

-- The log is an audit trail: its append-only triggers are defined with their function, in
-- db/functions/core/_forbid_flow_event_change.sql (CREATE OR REPLACE TRIGGER, re-created by every
-- release with the function layer).
