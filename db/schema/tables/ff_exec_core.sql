-- ff_exec_core: one row per execution (docs/semantics.md §1, §4.6).
--
-- Membership is the back-pointer flow_id (NULL for a solo execution); there is no member table.
-- Storage: an execution is updated when it is released, when its attempt begins and when it
-- finishes. An update that changes no indexed column (and no column a partial index's predicate
-- reads) and finds room on its page is HOT: no index entry is written. So the open-members index
-- keys on terminal_outcome, which only the terminal transition changes, and each page keeps room
-- for the new row versions (fillfactor 80).
CREATE TABLE flowfabric.ff_exec_core (
  partition_key     smallint NOT NULL,
  execution_id      uuid     NOT NULL,
  flow_id           uuid,
  lane_id           text     NOT NULL,
  lifecycle_phase   text     NOT NULL CHECK (lifecycle_phase IN ('runnable', 'active', 'terminal', 'suspended')),
  ownership_state   text     NOT NULL,
  eligibility_state text     NOT NULL,
  public_state      text     NOT NULL,
  attempt_state     text     NOT NULL,
  blocking_reason   text     NOT NULL,
  terminal_outcome  text     NOT NULL DEFAULT 'none'
                             CHECK (terminal_outcome IN ('none', 'success', 'failed', 'cancelled', 'expired', 'skipped')),
  priority          int      NOT NULL DEFAULT 0,
  created_at_ms     bigint   NOT NULL,
  terminal_at_ms    bigint,
  payload           jsonb,
  result            jsonb,
  raw_fields        jsonb    NOT NULL DEFAULT '{}',
  -- Run policy (docs/semantics.md §9): the keys set for it (its own over its flow's
  -- default_policy, validated by _run_policy; the defaults fill the rest where it is read,
  -- _effective_policy), failed attempts retried so far, times ff_replay_execution turned it
  -- runnable again, why the last attempt failed (kept after a successful retry; cleared by
  -- replay), when a delayed execution runs next, when execution_deadline_ms expires it.
  policy            jsonb    NOT NULL DEFAULT '{}',
  retry_count       int      NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  replay_count      int      NOT NULL DEFAULT 0 CHECK (replay_count >= 0),
  failure_reason    text,
  delay_until_ms    bigint,
  deadline_at_ms    bigint,
  PRIMARY KEY (partition_key, execution_id)
) WITH (fillfactor = 80);
COMMENT ON TABLE flowfabric.ff_exec_core IS
  'One row per execution. flow_id is the membership back-pointer (NULL for a solo execution). raw_fields: task_identifier.';

-- A uuid is unique across partitions through ff_execution_home, which also routes a bare uuid to
-- its partition: a unique index here must include partition_key to be distributable (Citus).
-- Membership: (partition_key, flow_id) finds a flow's members, and execution_id after them orders
-- ff_list_members' pages. Partial, so lookups by (partition_key, execution_id) can only use the key.
CREATE INDEX ff_exec_core_members ON flowfabric.ff_exec_core (partition_key, flow_id, execution_id)
  WHERE flow_id IS NOT NULL;
-- "Is every member of this flow terminal?" is asked at the end of every completion: this index
-- holds only the members still running, so the answer is one probe.
CREATE INDEX ff_exec_core_open_members ON flowfabric.ff_exec_core (partition_key, flow_id)
  WHERE terminal_outcome = 'none' AND flow_id IS NOT NULL;
COMMENT ON INDEX flowfabric.ff_exec_core_open_members IS
  'The members of each flow that are not terminal yet (terminal_outcome none): the witness probe and the flow-completion check of _finish_flow_if_done.';
