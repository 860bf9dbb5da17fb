-- The result types of the public functions: every result column has a type that says what it holds.
--
-- Every value set a result column can take is declared once here, as a CHECK-constrained domain
-- over text, and every column a function always fills has a NOT NULL type. The generated client
-- reads these domains from the catalogue (typnotnull and the CHECK), so a status or state is a
-- TypeScript union and an always-filled column is not `| null`; \dD+ shows the same to a DBA.
--
-- Domains, not enums: a domain over text compares with text as text does (SQL callers compare
-- results with text variables and literals), and adding a value later is a new CHECK, not
-- ALTER TYPE ... ADD VALUE. Only results use them: input parameters stay text, so a bad input is
-- refused by the function's own validation as invalid_input (FF012), never as a raw 23514.
--
-- A declared type cannot lie: PL/pgSQL checks a domain's constraints when it assigns an OUT
-- column (SELECT ... INTO included: one that finds no row assigns NULL, so such reads go into a
-- variable first) and RETURN QUERY casts explicitly, so a NULL into a NOT NULL column, or a value
-- outside its set, raises instead of reaching the caller. RETURN NEXT alone emits the OUT columns
-- unchecked, so every path assigns every NOT NULL column before it; the test suite holds each
-- result row to the NOT NULL columns (test/helpers/result-types.ts). The checks run once
-- per returned column value; they are kept to IN lists, comparisons and one LIKE, since a list
-- function returns up to 1000 rows: a 1000-row page of ff_list_members (eleven domain columns) took
-- 4.1 ms against 3.7 ms with plain types, of ff_list_edges 7.5 ms against 7.1 ms (best of 7 x 40
-- calls, PostgreSQL 15, on a loaded 2-core machine).
--
-- Naming: a domain ending in _or_null takes NULL (a column that is not always filled) and
-- carries the value set; the domain of the same name without the suffix is that set NOT NULL.
-- Every other domain is NOT NULL.

-- What the flow model's rows hold (docs/semantics.md §1, §4.6 and §6).
CREATE DOMAIN flowfabric.ff_public_flow_state_or_null AS text
  CHECK (VALUE IN ('open', 'cancelled', 'completed', 'failed'));
COMMENT ON DOMAIN flowfabric.ff_public_flow_state_or_null IS
  'A flow''s public_flow_state, or NULL where a result has no flow (a solo execution) or does not report it.';
CREATE DOMAIN flowfabric.ff_public_flow_state AS flowfabric.ff_public_flow_state_or_null NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_public_flow_state IS
  'A flow''s public_flow_state: open until it is cancelled, or completed or failed once every member is terminal.';

CREATE DOMAIN flowfabric.ff_public_state AS text NOT NULL
  CHECK (VALUE IN ('waiting', 'waiting_children', 'active', 'completed', 'failed', 'cancelled', 'expired', 'skipped',
                   'delayed', 'suspended'));
COMMENT ON DOMAIN flowfabric.ff_public_state IS
  'An execution''s public_state: waiting (eligible, for a worker), waiting_children (blocked by dependencies), delayed (not before delay_until_ms: a retry''s backoff or a delay), suspended (waiting for a signal), active (an attempt runs), or its terminal state (completed for outcome success, else the outcome''s name).';

CREATE DOMAIN flowfabric.ff_lifecycle_phase AS text NOT NULL
  CHECK (VALUE IN ('runnable', 'active', 'terminal', 'suspended'));
COMMENT ON DOMAIN flowfabric.ff_lifecycle_phase IS 'An execution''s lifecycle_phase.';

CREATE DOMAIN flowfabric.ff_ownership_state AS text NOT NULL
  CHECK (VALUE IN ('unowned', 'leased'));
COMMENT ON DOMAIN flowfabric.ff_ownership_state IS 'An execution''s ownership_state: leased while an attempt runs.';

CREATE DOMAIN flowfabric.ff_eligibility_state AS text NOT NULL
  CHECK (VALUE IN ('eligible_now', 'blocked_by_dependencies', 'not_applicable', 'not_eligible_until_time'));
COMMENT ON DOMAIN flowfabric.ff_eligibility_state IS 'An execution''s eligibility_state: not_applicable once terminal.';

CREATE DOMAIN flowfabric.ff_attempt_state AS text NOT NULL
  CHECK (VALUE IN ('pending_first_attempt', 'running_attempt', 'attempt_terminal', 'none',
                   'pending_retry_attempt', 'pending_replay_attempt', 'attempt_interrupted'));
COMMENT ON DOMAIN flowfabric.ff_attempt_state IS
  'An execution''s attempt_state: none for an execution skipped before it ever ran.';

CREATE DOMAIN flowfabric.ff_blocking_reason AS text NOT NULL
  CHECK (VALUE IN ('waiting_for_worker', 'waiting_for_children', 'none',
                   'waiting_for_retry_backoff', 'waiting_for_delay', 'waiting_for_signal', 'flow_paused'));
COMMENT ON DOMAIN flowfabric.ff_blocking_reason IS
  'An execution''s blocking_reason: waiting_for_retry_backoff / waiting_for_delay while delayed; waiting_for_signal while suspended; flow_paused for an eligible member of a paused flow; none while it runs and once terminal.';

CREATE DOMAIN flowfabric.ff_terminal_outcome AS text NOT NULL
  CHECK (VALUE IN ('none', 'success', 'failed', 'cancelled', 'expired', 'skipped'));
COMMENT ON DOMAIN flowfabric.ff_terminal_outcome IS 'An execution''s terminal_outcome: none until it is terminal.';

CREATE DOMAIN flowfabric.ff_outcome_or_null AS text
  CHECK (VALUE IN ('success', 'failed', 'cancelled', 'expired', 'skipped'));
COMMENT ON DOMAIN flowfabric.ff_outcome_or_null IS
  'The outcome a terminal execution finished with, or NULL where there is none yet (an edge not resolved).';
CREATE DOMAIN flowfabric.ff_outcome AS flowfabric.ff_outcome_or_null NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_outcome IS 'The outcome a terminal execution finished with.';

CREATE DOMAIN flowfabric.ff_edge_state AS text NOT NULL
  CHECK (VALUE IN ('pending', 'applied', 'satisfied', 'impossible'));
COMMENT ON DOMAIN flowfabric.ff_edge_state IS
  'An edge''s edge_state: pending once staged, applied, then satisfied (upstream success) or impossible (any other outcome).';

CREATE DOMAIN flowfabric.ff_dependency_kind AS text NOT NULL
  CHECK (VALUE IN ('success_only', 'failure_only', 'any_outcome'));
COMMENT ON DOMAIN flowfabric.ff_dependency_kind IS
  'An edge''s dependency_kind: success_only (satisfied by success), failure_only (by failed or expired), any_outcome (by every outcome).';

CREATE DOMAIN flowfabric.ff_satisfaction_condition AS text NOT NULL
  CHECK (VALUE IN ('all_required'));
COMMENT ON DOMAIN flowfabric.ff_satisfaction_condition IS 'An edge''s satisfaction_condition (FlowFabric''s; all_required is the only one).';

CREATE DOMAIN flowfabric.ff_group_decision_or_null AS text
  CHECK (VALUE IN ('pending', 'satisfied', 'impossible'));
COMMENT ON DOMAIN flowfabric.ff_group_decision_or_null IS
  'A fan-in group''s decision (pending until satisfied or impossible, then never changed), or NULL for an execution without a group.';

CREATE DOMAIN flowfabric.ff_cancellation_policy_or_null AS text
  CHECK (VALUE IN ('cancel_all', 'cancel_flow_only'));
COMMENT ON DOMAIN flowfabric.ff_cancellation_policy_or_null IS
  'How a cancelled flow was cancelled (ff_cancel_flow''s p_cancellation_policy), or NULL for a flow not cancelled.';

-- The statuses of each function: one domain per distinct set.
CREATE DOMAIN flowfabric.ff_create_flow_status AS text NOT NULL CHECK (VALUE IN ('created', 'already_satisfied'));
CREATE DOMAIN flowfabric.ff_create_execution_status AS text NOT NULL CHECK (VALUE IN ('created', 'already_exists'));
CREATE DOMAIN flowfabric.ff_add_execution_to_flow_status AS text NOT NULL CHECK (VALUE IN ('added', 'already_member'));
CREATE DOMAIN flowfabric.ff_stage_dependency_edge_status AS text NOT NULL CHECK (VALUE IN ('staged', 'already_staged'));
CREATE DOMAIN flowfabric.ff_stage_dependency_edges_status AS text NOT NULL
  CHECK (VALUE IN ('staged', 'already_staged', 'would_stage'));
CREATE DOMAIN flowfabric.ff_apply_dependency_to_child_status AS text NOT NULL CHECK (VALUE IN ('applied', 'already_applied'));
CREATE DOMAIN flowfabric.ff_submit_flow_status AS text NOT NULL
  CHECK (VALUE IN ('submitted', 'already_submitted', 'would_submit'));
CREATE DOMAIN flowfabric.ff_set_status AS text NOT NULL CHECK (VALUE IN ('set', 'already_set'));
CREATE DOMAIN flowfabric.ff_cancel_flow_status AS text NOT NULL
  CHECK (VALUE IN ('cancelled', 'already_terminal', 'left_running'));
CREATE DOMAIN flowfabric.ff_start_flow_status AS text NOT NULL CHECK (VALUE IN ('started', 'already_started'));
CREATE DOMAIN flowfabric.ff_begin_attempt_status AS text NOT NULL CHECK (VALUE IN ('started', 'not_runnable'));
CREATE DOMAIN flowfabric.ff_complete_execution_status AS text NOT NULL CHECK (VALUE IN ('completed', 'already_terminal', 'stale_attempt'));
CREATE DOMAIN flowfabric.ff_resolve_dependency_status AS text NOT NULL CHECK (VALUE IN ('resolved', 'already_resolved'));
CREATE DOMAIN flowfabric.ff_resolve_decision AS text NOT NULL
  CHECK (VALUE IN ('pending', 'satisfied', 'impossible', 'already_decided'));
CREATE DOMAIN flowfabric.ff_cascade_step_status AS text NOT NULL CHECK (VALUE IN ('done', 'check_again'));
CREATE DOMAIN flowfabric.ff_cancel_siblings_step_status AS text NOT NULL
  CHECK (VALUE IN ('cancelled', 'already_terminal', 'done'));
CREATE DOMAIN flowfabric.ff_recover_jobs_status AS text NOT NULL
  CHECK (VALUE IN ('failed_exhausted', 'retry_scheduled', 'requeued_cascade', 'requeued_cancel_siblings'));
CREATE DOMAIN flowfabric.ff_worker_heartbeat_status AS text NOT NULL CHECK (VALUE IN ('registered', 'alive'));
CREATE DOMAIN flowfabric.ff_reap_dead_workers_status AS text NOT NULL CHECK (VALUE IN ('reaped'));
CREATE DOMAIN flowfabric.ff_pause_flow_status AS text NOT NULL CHECK (VALUE IN ('paused', 'already_paused'));
COMMENT ON DOMAIN flowfabric.ff_pause_flow_status IS 'The statuses of ff_pause_flow.';
CREATE DOMAIN flowfabric.ff_resume_flow_status AS text NOT NULL CHECK (VALUE IN ('resumed', 'not_paused'));
COMMENT ON DOMAIN flowfabric.ff_resume_flow_status IS 'The statuses of ff_resume_flow.';
CREATE DOMAIN flowfabric.ff_suspend_execution_status AS text NOT NULL
  CHECK (VALUE IN ('suspended', 'resumed', 'stale_attempt'));
COMMENT ON DOMAIN flowfabric.ff_suspend_execution_status IS 'The statuses of ff_suspend_execution.';
CREATE DOMAIN flowfabric.ff_create_waitpoint_status AS text NOT NULL CHECK (VALUE IN ('created'));
COMMENT ON DOMAIN flowfabric.ff_create_waitpoint_status IS 'The statuses of ff_create_waitpoint.';
CREATE DOMAIN flowfabric.ff_deliver_signal_status AS text NOT NULL
  CHECK (VALUE IN ('recorded', 'resumed', 'duplicate', 'waitpoint_closed'));
COMMENT ON DOMAIN flowfabric.ff_deliver_signal_status IS 'The statuses of ff_deliver_signal.';
CREATE DOMAIN flowfabric.ff_waitpoint_timeout_status AS text NOT NULL
  CHECK (VALUE IN ('retry_scheduled', 'failed', 'expired', 'resumed', 'not_due', 'already_closed'));
COMMENT ON DOMAIN flowfabric.ff_waitpoint_timeout_status IS 'The statuses of ff_waitpoint_timeout.';
CREATE DOMAIN flowfabric.ff_fail_execution_status AS text NOT NULL
  CHECK (VALUE IN ('retry_scheduled', 'failed', 'expired', 'already_terminal', 'stale_attempt', 'not_due'));
COMMENT ON DOMAIN flowfabric.ff_fail_execution_status IS
  'The statuses of ff_fail_execution and ff_expire_execution: retry_scheduled (delayed until the backoff ends), failed / expired (terminal: no retries left, or a deadline), already_terminal, stale_attempt (the call named an attempt that is no longer current: nothing changed), not_due (ff_expire_execution before the time: nothing changed).';
CREATE DOMAIN flowfabric.ff_attempt_type_or_null AS text CHECK (VALUE IN ('initial', 'retry', 'replay'));
COMMENT ON DOMAIN flowfabric.ff_attempt_type_or_null IS
  'What kind of attempt an execution''s latest attempt is: initial (its first, also when delayed before it began), retry (after a failed attempt, or after ff_delay_execution interrupted a running one), replay (after ff_replay_execution); NULL before any attempt began.';
CREATE DOMAIN flowfabric.ff_delay_execution_status AS text NOT NULL CHECK (VALUE IN ('delayed', 'stale_attempt'));
COMMENT ON DOMAIN flowfabric.ff_delay_execution_status IS 'The statuses of ff_delay_execution.';
CREATE DOMAIN flowfabric.ff_replay_execution_status AS text NOT NULL CHECK (VALUE IN ('replayed'));
COMMENT ON DOMAIN flowfabric.ff_replay_execution_status IS 'The status of each row of ff_replay_execution.';
CREATE DOMAIN flowfabric.ff_change_priority_status AS text NOT NULL CHECK (VALUE IN ('changed', 'unchanged'));
COMMENT ON DOMAIN flowfabric.ff_change_priority_status IS 'The statuses of ff_change_priority.';
CREATE DOMAIN flowfabric.ff_failure_reason_or_null AS text;
COMMENT ON DOMAIN flowfabric.ff_failure_reason_or_null IS
  'Why an execution''s last attempt failed (a task''s error message, attempt_timeout, worker_lost, execution_deadline), or NULL when none failed.';
COMMENT ON DOMAIN flowfabric.ff_create_flow_status IS 'The statuses of ff_create_flow.';
COMMENT ON DOMAIN flowfabric.ff_create_execution_status IS 'The statuses of ff_create_execution.';
COMMENT ON DOMAIN flowfabric.ff_add_execution_to_flow_status IS 'The statuses of ff_add_execution_to_flow.';
COMMENT ON DOMAIN flowfabric.ff_stage_dependency_edge_status IS 'The statuses of ff_stage_dependency_edge.';
COMMENT ON DOMAIN flowfabric.ff_stage_dependency_edges_status IS 'The statuses of ff_stage_dependency_edges.';
COMMENT ON DOMAIN flowfabric.ff_apply_dependency_to_child_status IS 'The statuses of ff_apply_dependency_to_child.';
COMMENT ON DOMAIN flowfabric.ff_submit_flow_status IS 'The statuses of ff_submit_flow.';
COMMENT ON DOMAIN flowfabric.ff_set_status IS 'The statuses of ff_set_edge_group_policy and ff_set_namespace_notify.';
COMMENT ON DOMAIN flowfabric.ff_cancel_flow_status IS 'The per-member statuses of ff_cancel_flow.';
COMMENT ON DOMAIN flowfabric.ff_start_flow_status IS 'The statuses of ff_start_flow.';
COMMENT ON DOMAIN flowfabric.ff_begin_attempt_status IS 'The statuses of ff_begin_attempt.';
COMMENT ON DOMAIN flowfabric.ff_complete_execution_status IS 'The statuses of ff_complete_execution.';
COMMENT ON DOMAIN flowfabric.ff_resolve_dependency_status IS 'The statuses of ff_resolve_dependency.';
COMMENT ON DOMAIN flowfabric.ff_resolve_decision IS
  'The decision ff_resolve_dependency reports: the group''s (pending, satisfied, impossible), or already_decided when the resolution counted in a group that had decided before.';
COMMENT ON DOMAIN flowfabric.ff_cascade_step_status IS 'The statuses of ff_cascade_step.';
COMMENT ON DOMAIN flowfabric.ff_cancel_siblings_step_status IS 'The statuses of ff_cancel_siblings_step.';
COMMENT ON DOMAIN flowfabric.ff_recover_jobs_status IS
  'The repairs ff_recover_jobs reports: an attempt lost with its worker is retried (retry_scheduled) or, with no retries left, failed (failed_exhausted).';
COMMENT ON DOMAIN flowfabric.ff_worker_heartbeat_status IS 'The statuses of ff_worker_heartbeat.';
COMMENT ON DOMAIN flowfabric.ff_reap_dead_workers_status IS 'The status of each row of ff_reap_dead_workers.';

-- Always-filled values without a value set: identifiers, revisions, counts, times, names.
CREATE DOMAIN flowfabric.ff_flow_id AS uuid NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_flow_id IS 'A flow id (a uuid chosen by the caller).';
CREATE DOMAIN flowfabric.ff_edge_id AS uuid NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_edge_id IS 'An edge id (a uuid chosen by the caller).';
-- The canonical form every result reports, {fp:N}:<uuid>: a LIKE on the fixed parts. A regular
-- expression spelling out the hex digits cost ~5.5 us per value against ~0.1 us for this LIKE
-- (500,000 casts on PostgreSQL 15), 5 ms more for a 1000-row page of ff_list_edges (two ids a row).
CREATE DOMAIN flowfabric.ff_execution_id AS text NOT NULL
  CHECK (VALUE LIKE '{fp:%}:________-____-____-____-____________');
COMMENT ON DOMAIN flowfabric.ff_execution_id IS
  'An execution id in its canonical form {fp:N}:<uuid>, N its partition (0..255).';
CREATE DOMAIN flowfabric.ff_partition AS smallint NOT NULL CHECK (VALUE BETWEEN 0 AND 255);
COMMENT ON DOMAIN flowfabric.ff_partition IS 'A partition: crc16_xmodem of the flow id (or of a solo execution''s lane) % 256.';
CREATE DOMAIN flowfabric.ff_revision AS bigint NOT NULL CHECK (VALUE >= 0);
COMMENT ON DOMAIN flowfabric.ff_revision IS 'A flow''s graph_revision: 0 when created, one more per member added and per edge staged.';
CREATE DOMAIN flowfabric.ff_graph_size AS bigint NOT NULL CHECK (VALUE >= 0);
COMMENT ON DOMAIN flowfabric.ff_graph_size IS 'How many members (node_count) or staged edges (edge_count) a flow has.';
CREATE DOMAIN flowfabric.ff_count AS integer NOT NULL CHECK (VALUE >= 0);
COMMENT ON DOMAIN flowfabric.ff_count IS 'How many of something a call counted, changed or found (never negative).';
CREATE DOMAIN flowfabric.ff_time_ms AS bigint NOT NULL CHECK (VALUE >= 0);
COMMENT ON DOMAIN flowfabric.ff_time_ms IS 'A time in milliseconds since the epoch (p_now_ms when the call pinned it, else the server clock).';
CREATE DOMAIN flowfabric.ff_duration_ms AS bigint NOT NULL CHECK (VALUE >= 0);
COMMENT ON DOMAIN flowfabric.ff_duration_ms IS 'A duration in milliseconds.';
CREATE DOMAIN flowfabric.ff_priority AS integer NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_priority IS 'An execution''s priority (ff_create_execution''s p_priority).';
CREATE DOMAIN flowfabric.ff_policy_version AS integer NOT NULL CHECK (VALUE >= 1);
COMMENT ON DOMAIN flowfabric.ff_policy_version IS 'The version of an edge''s policy layout (1).';
CREATE DOMAIN flowfabric.ff_name AS text NOT NULL CHECK (VALUE <> '');
COMMENT ON DOMAIN flowfabric.ff_name IS 'A non-empty name: a lane, flow kind, namespace, worker id, job key or creator.';
CREATE DOMAIN flowfabric.ff_text AS text NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_text IS 'Text that is always present, possibly empty (a data_passing_ref of '''' means no data passing).';
CREATE DOMAIN flowfabric.ff_flag AS boolean NOT NULL;
COMMENT ON DOMAIN flowfabric.ff_flag IS 'A yes or no that is always answered.';

-- The dashboard's read functions (ff_metrics, ff_poll_flow_events).
CREATE DOMAIN flowfabric.ff_metric_value AS double precision NOT NULL CHECK (VALUE >= 0);
CREATE DOMAIN flowfabric.ff_event_id AS bigint NOT NULL CHECK (VALUE >= 1);
