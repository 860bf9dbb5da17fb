-- ff_completion_outbox: the completions whose outgoing edges a later transaction resolves
-- (docs/semantics.md §6). A normal completion resolves its direct children in its own transaction;
-- what must not grow that transaction is deferred to a flowstage__cascade job through this table
-- (the row and its job commit together, so a crash loses nothing): the outgoing edges of a child
-- the completion skipped (one hop per transaction, so a skip chain is a chain of jobs), of a
-- sibling cancelled by cancel_remaining or an execution failed by ff_recover_jobs, and a flow check
-- that could not be decided without waiting for the flow row (see _finish_flow_if_done).
CREATE TABLE flowfabric.ff_completion_outbox (
  partition_key  smallint NOT NULL,
  execution_id   uuid     NOT NULL,
  flow_id        uuid     NOT NULL,
  outcome        text     NOT NULL CHECK (outcome IN ('success', 'failed', 'cancelled', 'expired', 'skipped')),
  job_key        text     NOT NULL,
  finished_at_ms bigint   NOT NULL,
  cascaded_at_ms bigint,
  PRIMARY KEY (partition_key, execution_id)
);
COMMENT ON TABLE flowfabric.ff_completion_outbox IS
  'One row per terminal flow member whose outgoing edges are resolved by a later transaction (a flowstage__cascade job, job_key flowstage:cascade:<uuid>, enqueued in the transaction that wrote the row): a child skipped by a cascade, a sibling cancelled by cancel_remaining, an execution failed by ff_recover_jobs, or a completion whose flow check was deferred. A normally completed execution resolves its edges in its own transaction and has no row. cascaded_at_ms is set when the job has resolved every outgoing applied edge and checked the flow; ff_recover_jobs re-enqueues rows without it whose job is gone.';

-- Cascades still to finish, for operators and the re-enqueue sweep.
CREATE INDEX ff_completion_outbox_pending ON flowfabric.ff_completion_outbox (partition_key, flow_id)
  WHERE cascaded_at_ms IS NULL;
