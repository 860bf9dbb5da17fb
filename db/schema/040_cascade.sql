-- The completion cascade (SPEC section 6) runs on Graphile Worker. Making a flow member
-- terminal writes one row here and, in the same transaction, enqueues the Graphile Worker
-- job flowstage__cascade with job key 'flowstage:cascade:<execution uuid>' (derived from
-- this row, so a replayed completion cannot enqueue twice). The job resolves the member's
-- outgoing applied edges one per transaction (ff_cascade_step) and, when done, stamps
-- cascaded_at_ms and checks whether the flow has finished. Requires the graphile_worker
-- schema, which `npm run migrate` installs first.

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
-- Cascades still to finish, for operators and the re-enqueue sweep.
CREATE INDEX ff_completion_outbox_pending ON flowfabric.ff_completion_outbox (partition_key, flow_id)
  WHERE cascaded_at_ms IS NULL;
COMMENT ON TABLE flowfabric.ff_completion_outbox IS
  'One row per flow member that became terminal with the cascade on (an execution is terminal once): its outcome, the Graphile Worker job key of its cascade job (flowstage:cascade:<uuid>), and cascaded_at_ms once every outgoing applied edge was resolved.';

-- "Is every member of this flow terminal?" is asked at the end of every cascade; this
-- index holds only the members still running, so the answer is one probe.
CREATE INDEX ff_exec_core_open_members ON flowfabric.ff_exec_core (partition_key, flow_id)
  WHERE lifecycle_phase <> 'terminal' AND flow_id IS NOT NULL;
