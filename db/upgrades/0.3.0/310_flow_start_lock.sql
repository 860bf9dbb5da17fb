-- 310: ff_start_flow, ff_pause_flow, ff_resume_flow and the cascade serialise on a row of
-- ff_flow_start_lock instead of the transaction advisory lock
-- hashtextextended('flowstage.start_flow:' || flow_id, 0), which any login could take and hold
-- (issue 23): a row lock needs a privilege on the table, which only flowstage_owner has. One row
-- per flow, written by the first call that needs it; ff_prune_flows deletes it with the flow.
CREATE TABLE flowfabric.ff_flow_start_lock (
  partition_key smallint NOT NULL,
  flow_id       uuid     NOT NULL,
  PRIMARY KEY (partition_key, flow_id)
);
COMMENT ON TABLE flowfabric.ff_flow_start_lock IS
  'One row per flow that was started, paused or had a child released: ff_start_flow, ff_pause_flow and ff_resume_flow hold it FOR UPDATE while they enqueue or hold the eligible members, and a cascade that releases children takes it FOR SHARE before reading started_at_ms and paused_at_ms, so a member made eligible concurrently with a start or pause is enqueued exactly once (or held) and a concurrent last completion is never missed (_lock_flow_start). Only flowstage_owner may lock it.';
