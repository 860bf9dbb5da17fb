-- 310: ff_start_flow and the cascade serialise on a row of ff_flow_start_lock instead of the
-- transaction advisory lock hashtextextended('flowstage.start_flow:' || flow_id, 0), which any
-- login could take and hold (issue 23): a row lock needs a privilege on the table, which only
-- flowstage_owner has. One row per flow, written by the first ff_start_flow (or by a cascade
-- that releases a child of a flow not started yet); ff_prune_flows deletes it with the flow.
CREATE TABLE flowfabric.ff_flow_start_lock (
  partition_key smallint NOT NULL,
  flow_id       uuid     NOT NULL,
  PRIMARY KEY (partition_key, flow_id)
);
COMMENT ON TABLE flowfabric.ff_flow_start_lock IS
  'One row per flow that was started or had a child released before its start: ff_start_flow holds it FOR UPDATE while it enqueues the eligible members, and a cascade that finds the flow not started yet takes it FOR SHARE before reading started_at_ms again, so a member made eligible concurrently with the start is enqueued exactly once and a concurrent last completion is never missed (_lock_flow_start). Only flowstage_owner may lock it.';
