-- ff_waitpoint: what a suspended (or about to suspend) execution waits for (docs/semantics.md §10.2).
-- Flow-scoped: on the execution's partition (its flow's, or a solo execution's lane partition),
-- keyed by partition_key first, so it co-locates with ff_exec_core.
CREATE TABLE flowfabric.ff_waitpoint (
  partition_key    smallint NOT NULL,
  waitpoint_id     uuid     NOT NULL,
  execution_id     uuid     NOT NULL,
  flow_id          uuid,
  signal_names     text[]   NOT NULL CHECK (cardinality(signal_names) >= 1),
  resume_when      text     NOT NULL CHECK (resume_when IN ('any', 'all')),
  timeout_at_ms    bigint,
  timeout_behavior text     NOT NULL CHECK (timeout_behavior IN ('fail', 'expire', 'resume')),
  -- sha256 of the token; the token itself is handed out once and never stored
  token_hash       bytea    NOT NULL,
  -- pending: created before its execution suspends (signals are buffered); waiting: the execution
  -- is suspended on it; closed: resumed, timed out, or its execution finished
  waitpoint_state  text     NOT NULL CHECK (waitpoint_state IN ('pending', 'waiting', 'closed')),
  created_at_ms    bigint   NOT NULL,
  closed_at_ms     bigint,
  close_reason     text,
  PRIMARY KEY (partition_key, waitpoint_id)
);
-- ff_deliver_signal is called with the waitpoint id alone: this finds its partition.
CREATE INDEX ff_waitpoint_by_id ON flowfabric.ff_waitpoint (waitpoint_id);
-- An execution's open waitpoint (at most one: pending or waiting).
CREATE UNIQUE INDEX ff_waitpoint_open ON flowfabric.ff_waitpoint (partition_key, execution_id)
  WHERE waitpoint_state <> 'closed';
COMMENT ON TABLE flowfabric.ff_waitpoint IS
  'One row per waitpoint (docs/semantics.md §10.2): what a suspended (or about to suspend) execution waits for, its timeout, and the sha256 of the token that lets an outside system deliver a signal.';
