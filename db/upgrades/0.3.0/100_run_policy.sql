-- 0.3.0, run policies (issue 17, docs/semantics.md §9): retries with backoff, delays, timeouts,
-- deadlines, replay and priority.

-- The execution's resolved run policy and its retry/replay/timing state.
--   policy          the keys set for it (its own over its flow's default_policy), validated by
--                   _run_policy; the defaults fill the rest where it is read (_effective_policy).
--   retry_count     failed attempts retried so far (docs/semantics.md §9.2).
--   replay_count    times ff_replay_execution turned it runnable again (§9.4).
--   failure_reason  why the last attempt failed (kept after a successful retry; cleared by replay).
--   delay_until_ms  when a delayed execution runs next (retry backoff, ff_delay_execution, creation).
--   deadline_at_ms  when execution_deadline_ms expires it (set when its clock starts).
ALTER TABLE flowfabric.ff_exec_core
  ADD COLUMN policy         jsonb  NOT NULL DEFAULT '{}',
  ADD COLUMN retry_count    int    NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  ADD COLUMN replay_count   int    NOT NULL DEFAULT 0 CHECK (replay_count >= 0),
  ADD COLUMN failure_reason text,
  ADD COLUMN delay_until_ms bigint,
  ADD COLUMN deadline_at_ms bigint;

-- New values of the execution's states (a domain's CHECK is replaced, never edited in place).
ALTER DOMAIN flowfabric.ff_public_state DROP CONSTRAINT ff_public_state_check;
ALTER DOMAIN flowfabric.ff_public_state ADD CONSTRAINT ff_public_state_check
  CHECK (VALUE IN ('waiting', 'waiting_children', 'delayed', 'active', 'completed', 'failed', 'cancelled', 'expired', 'skipped'));
COMMENT ON DOMAIN flowfabric.ff_public_state IS
  'An execution''s public_state: waiting (eligible, for a worker), waiting_children (blocked by dependencies), delayed (not before delay_until_ms: a retry''s backoff or a delay), suspended (waiting for a signal), active (an attempt runs), or its terminal state (completed for outcome success, else the outcome''s name).';
ALTER DOMAIN flowfabric.ff_eligibility_state DROP CONSTRAINT ff_eligibility_state_check;
ALTER DOMAIN flowfabric.ff_eligibility_state ADD CONSTRAINT ff_eligibility_state_check
  CHECK (VALUE IN ('eligible_now', 'not_eligible_until_time', 'blocked_by_dependencies', 'not_applicable'));
ALTER DOMAIN flowfabric.ff_attempt_state DROP CONSTRAINT ff_attempt_state_check;
ALTER DOMAIN flowfabric.ff_attempt_state ADD CONSTRAINT ff_attempt_state_check
  CHECK (VALUE IN ('pending_first_attempt', 'pending_retry_attempt', 'pending_replay_attempt', 'running_attempt',
                   'attempt_terminal', 'none'));
ALTER DOMAIN flowfabric.ff_blocking_reason DROP CONSTRAINT ff_blocking_reason_check;
ALTER DOMAIN flowfabric.ff_blocking_reason ADD CONSTRAINT ff_blocking_reason_check
  CHECK (VALUE IN ('waiting_for_worker', 'waiting_for_children', 'waiting_for_retry_backoff', 'waiting_for_delay', 'none'));
COMMENT ON DOMAIN flowfabric.ff_blocking_reason IS
  'An execution''s blocking_reason: waiting_for_retry_backoff / waiting_for_delay while delayed; none while it runs and once terminal.';
ALTER DOMAIN flowfabric.ff_complete_execution_status DROP CONSTRAINT ff_complete_execution_status_check;
ALTER DOMAIN flowfabric.ff_complete_execution_status ADD CONSTRAINT ff_complete_execution_status_check
  CHECK (VALUE IN ('completed', 'already_terminal', 'stale_attempt'));
ALTER DOMAIN flowfabric.ff_recover_jobs_status DROP CONSTRAINT ff_recover_jobs_status_check;
ALTER DOMAIN flowfabric.ff_recover_jobs_status ADD CONSTRAINT ff_recover_jobs_status_check
  CHECK (VALUE IN ('failed_exhausted', 'retry_scheduled', 'requeued_cascade', 'requeued_cancel_siblings'));
COMMENT ON DOMAIN flowfabric.ff_recover_jobs_status IS
  'The repairs ff_recover_jobs reports: an attempt lost with its worker is retried (retry_scheduled) or, with no retries left, failed (failed_exhausted).';

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

INSERT INTO flowfabric.ff_error (code, sqlstate, retryable, description, hint) VALUES
  ('execution_not_terminal', 'FF015', false, 'replaying an execution that is not terminal',
   'Only a terminal execution can be replayed; wait for it to finish (or cancel its flow).'),
  ('max_replays_exhausted',  'FF016', false, 'the execution was already replayed max_replays times',
   'Create a new execution, or give it a higher max_replays in its policy before it is created.')
ON CONFLICT (code) DO NOTHING;

-- Functions whose signature grows (CREATE OR REPLACE would add an overload) or whose result
-- columns change.
DROP FUNCTION IF EXISTS flowfabric.ff_create_execution(text, uuid, text, jsonb, int, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_create_flow(uuid, text, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_complete_execution(text, text, jsonb, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_begin_attempt(text, bigint);  -- + attempt_timeout_ms, retry_count
DROP FUNCTION IF EXISTS flowfabric.ff_list_members(uuid, text, int);       -- + policy, retry and replay columns
DROP FUNCTION IF EXISTS flowfabric.ff_describe_flow(uuid);                 -- + default_policy, replayed_at_ms
