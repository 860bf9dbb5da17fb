-- 0.3.0, docs/semantics.md §10.2: waitpoints and the signals delivered to them.
-- Both are flow-scoped (on the execution's partition: its flow's, or a solo execution's lane
-- partition), keyed by partition_key first, so they co-locate with ff_exec_core.

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

CREATE TABLE flowfabric.ff_signal (
  partition_key   smallint NOT NULL,
  waitpoint_id    uuid     NOT NULL,
  signal_seq      bigint   GENERATED ALWAYS AS IDENTITY,
  signal_name     text     NOT NULL,
  payload         jsonb,
  idempotency_key text,
  received_at_ms  bigint   NOT NULL,
  actor           text     NOT NULL DEFAULT session_user,
  PRIMARY KEY (partition_key, waitpoint_id, signal_seq)
);
CREATE UNIQUE INDEX ff_signal_idempotency ON flowfabric.ff_signal (partition_key, waitpoint_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
COMMENT ON TABLE flowfabric.ff_signal IS
  'Every signal recorded for a waitpoint, in arrival order (signal_seq); a repeated idempotency key is recorded once.';

CREATE DOMAIN flowfabric.ff_suspend_execution_status AS text NOT NULL CHECK (VALUE IN ('suspended', 'resumed'));
COMMENT ON DOMAIN flowfabric.ff_suspend_execution_status IS 'The statuses of ff_suspend_execution.';
CREATE DOMAIN flowfabric.ff_create_waitpoint_status AS text NOT NULL CHECK (VALUE IN ('created'));
COMMENT ON DOMAIN flowfabric.ff_create_waitpoint_status IS 'The statuses of ff_create_waitpoint.';
CREATE DOMAIN flowfabric.ff_deliver_signal_status AS text NOT NULL
  CHECK (VALUE IN ('recorded', 'resumed', 'duplicate', 'waitpoint_closed'));
COMMENT ON DOMAIN flowfabric.ff_deliver_signal_status IS 'The statuses of ff_deliver_signal.';
CREATE DOMAIN flowfabric.ff_waitpoint_timeout_status AS text NOT NULL
  CHECK (VALUE IN ('failed', 'expired', 'resumed', 'not_due', 'already_closed'));
COMMENT ON DOMAIN flowfabric.ff_waitpoint_timeout_status IS 'The statuses of ff_waitpoint_timeout.';
