-- 0.3.0, docs/semantics.md §10: edge kinds, conditions, suspension, signals and pause.
--
-- The value sets below are widened by dropping and re-adding each CHECK under its default name.
-- Each set is the union of what §9 (retries, delays) and §10 (suspension, pause) add, so the
-- result is the same whichever upgrade file runs last.

-- §10.1 the three edge kinds.
ALTER DOMAIN flowfabric.ff_dependency_kind DROP CONSTRAINT IF EXISTS ff_dependency_kind_check;
ALTER DOMAIN flowfabric.ff_dependency_kind ADD CONSTRAINT ff_dependency_kind_check
  CHECK (VALUE IN ('success_only', 'failure_only', 'any_outcome'));
COMMENT ON DOMAIN flowfabric.ff_dependency_kind IS
  'An edge''s dependency_kind: success_only (satisfied by success), failure_only (by failed or expired), any_outcome (by every outcome).';

-- §10.2 a suspended execution waits for signals; §10.3 a paused flow holds its eligible members;
-- §9 delays and retries.
ALTER TABLE flowfabric.ff_exec_core DROP CONSTRAINT IF EXISTS ff_exec_core_lifecycle_phase_check;
ALTER TABLE flowfabric.ff_exec_core ADD CONSTRAINT ff_exec_core_lifecycle_phase_check
  CHECK (lifecycle_phase IN ('runnable', 'active', 'terminal', 'suspended'));
ALTER DOMAIN flowfabric.ff_lifecycle_phase DROP CONSTRAINT IF EXISTS ff_lifecycle_phase_check;
ALTER DOMAIN flowfabric.ff_lifecycle_phase ADD CONSTRAINT ff_lifecycle_phase_check
  CHECK (VALUE IN ('runnable', 'active', 'terminal', 'suspended'));
ALTER DOMAIN flowfabric.ff_public_state DROP CONSTRAINT IF EXISTS ff_public_state_check;
ALTER DOMAIN flowfabric.ff_public_state ADD CONSTRAINT ff_public_state_check
  CHECK (VALUE IN ('waiting', 'waiting_children', 'active', 'completed', 'failed', 'cancelled', 'expired', 'skipped',
                   'delayed', 'suspended'));
ALTER DOMAIN flowfabric.ff_eligibility_state DROP CONSTRAINT IF EXISTS ff_eligibility_state_check;
ALTER DOMAIN flowfabric.ff_eligibility_state ADD CONSTRAINT ff_eligibility_state_check
  CHECK (VALUE IN ('eligible_now', 'blocked_by_dependencies', 'not_applicable', 'not_eligible_until_time'));
ALTER DOMAIN flowfabric.ff_attempt_state DROP CONSTRAINT IF EXISTS ff_attempt_state_check;
ALTER DOMAIN flowfabric.ff_attempt_state ADD CONSTRAINT ff_attempt_state_check
  CHECK (VALUE IN ('pending_first_attempt', 'running_attempt', 'attempt_terminal', 'none',
                   'pending_retry_attempt', 'pending_replay_attempt', 'attempt_interrupted'));
ALTER DOMAIN flowfabric.ff_blocking_reason DROP CONSTRAINT IF EXISTS ff_blocking_reason_check;
ALTER DOMAIN flowfabric.ff_blocking_reason ADD CONSTRAINT ff_blocking_reason_check
  CHECK (VALUE IN ('waiting_for_worker', 'waiting_for_children', 'none',
                   'waiting_for_retry_backoff', 'waiting_for_delay', 'waiting_for_signal', 'flow_paused'));
COMMENT ON DOMAIN flowfabric.ff_blocking_reason IS
  'An execution''s blocking_reason: waiting_for_retry_backoff / waiting_for_delay while delayed; waiting_for_signal while suspended; flow_paused for an eligible member of a paused flow; none while it runs and once terminal.';

-- §10.1: ff_stage_dependency_edge takes p_condition (before p_now_ms).
DROP FUNCTION IF EXISTS flowfabric.ff_stage_dependency_edge(uuid, uuid, text, text, bigint, text, text, bigint);
DROP FUNCTION IF EXISTS flowfabric._is_same_edge(flowfabric.ff_edge, uuid, uuid, text);

-- §10.3
CREATE DOMAIN flowfabric.ff_pause_flow_status AS text NOT NULL CHECK (VALUE IN ('paused', 'already_paused'));
COMMENT ON DOMAIN flowfabric.ff_pause_flow_status IS 'The statuses of ff_pause_flow.';
CREATE DOMAIN flowfabric.ff_resume_flow_status AS text NOT NULL CHECK (VALUE IN ('resumed', 'not_paused'));
COMMENT ON DOMAIN flowfabric.ff_resume_flow_status IS 'The statuses of ff_resume_flow.';

-- ff_describe_edge gains condition and condition_result (a new result type).
DROP FUNCTION IF EXISTS flowfabric.ff_describe_edge(uuid, uuid);

-- Batch staging carries each edge's kind and condition (p_kinds).
DROP FUNCTION IF EXISTS flowfabric._stage_edges_write(flowfabric.ff_flow_core, uuid[], uuid[], uuid[], text[], boolean, bigint);
DROP FUNCTION IF EXISTS flowfabric._stage_edges_replay(smallint, uuid, uuid[], uuid[], uuid[]);

-- ff_describe_flow gains paused_at_ms and pause_reason (a new result type).
DROP FUNCTION IF EXISTS flowfabric.ff_describe_flow(uuid);

-- ff_list_edges gains condition (a new result type).
DROP FUNCTION IF EXISTS flowfabric.ff_list_edges(uuid, text, text, uuid, int);
