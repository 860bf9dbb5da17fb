-- ff_signal: every signal delivered to a waitpoint (docs/semantics.md §10.2), on the waitpoint's
-- partition.
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
