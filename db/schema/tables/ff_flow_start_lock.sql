-- ff_flow_start_lock: one row per flow, the handshake between a start or pause and the cascade
-- (docs/semantics.md §6, §10.3), on a row only flowstage_owner can lock: an advisory lock could be
-- taken and held by any login (docs/operations.md#trust-model).
CREATE TABLE flowfabric.ff_flow_start_lock (
  partition_key smallint NOT NULL,
  flow_id       uuid     NOT NULL,
  PRIMARY KEY (partition_key, flow_id)
);
COMMENT ON TABLE flowfabric.ff_flow_start_lock IS
  'One row per flow that was started, paused or had a child released: ff_start_flow, ff_pause_flow and ff_resume_flow hold it FOR UPDATE while they enqueue or hold the eligible members, and a cascade that releases children takes it FOR SHARE before reading started_at_ms and paused_at_ms, so a member made eligible concurrently with a start or pause is enqueued exactly once (or held) and a concurrent last completion is never missed (_lock_flow_start). Only flowstage_owner may lock it.';
