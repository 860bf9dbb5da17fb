-- 0.3.0, the seams between run policies (docs/semantics.md §9) and signals (§10).
--
-- §9.3 fencing reaches ff_suspend_execution: it takes p_attempt (before p_now_ms) and answers
-- stale_attempt for an attempt that is over. §10.2 a waitpoint timeout with behaviour fail fails
-- the execution as §9.2 does, spending a retry: retry_scheduled while retries are left.
-- The value sets are widened by dropping and re-adding each CHECK under its default name.
ALTER DOMAIN flowfabric.ff_suspend_execution_status DROP CONSTRAINT IF EXISTS ff_suspend_execution_status_check;
ALTER DOMAIN flowfabric.ff_suspend_execution_status ADD CONSTRAINT ff_suspend_execution_status_check
  CHECK (VALUE IN ('suspended', 'resumed', 'stale_attempt'));
ALTER DOMAIN flowfabric.ff_waitpoint_timeout_status DROP CONSTRAINT IF EXISTS ff_waitpoint_timeout_status_check;
ALTER DOMAIN flowfabric.ff_waitpoint_timeout_status ADD CONSTRAINT ff_waitpoint_timeout_status_check
  CHECK (VALUE IN ('retry_scheduled', 'failed', 'expired', 'resumed', 'not_due', 'already_closed'));

DROP FUNCTION IF EXISTS flowfabric.ff_suspend_execution(text, text[], text, bigint, text, bigint);  -- + p_attempt
DROP FUNCTION IF EXISTS flowfabric._fail_attempt(text, text, text, int, text, bigint);  -- + p_phase
-- docs/semantics.md §4.7: an identical resubmission is already_submitted even on a finished flow,
-- kinds and conditions included.
DROP FUNCTION IF EXISTS flowfabric._submit_is_replay(smallint, uuid, uuid[], smallint[], uuid[], smallint[], jsonb[],
  uuid[], uuid[], smallint[], uuid[], smallint[]);  -- + p_e_kinds
