-- ff_recover_jobs: repair what the queue cannot know about after a crash: a run job whose last
-- attempt died with its process, a deferred cascade or sibling-cancel job lost. (Jobs a dead
-- worker still holds locked are unlocked by ff_reap_dead_workers.)
CREATE OR REPLACE FUNCTION flowfabric.ff_recover_jobs(p_now_ms bigint DEFAULT NULL)
RETURNS TABLE (
  status       flowfabric.ff_recover_jobs_status,
  execution_id flowfabric.ff_execution_id,
  job_key      flowfabric.ff_name)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now    bigint;
  v_job    record;
  v_exec   ff_exec_core;
  v_outbox ff_completion_outbox;
  v_group  ff_edge_group;
  v_spec   graphile_worker.job_spec;
  v_failed record;
  v_flow   ff_flow_core;
BEGIN
  v_now := _now_ms(p_now_ms);

  -- 1. Run jobs whose attempts are spent but whose execution never finished: the worker died
  --    during the last attempt (the wrapper completes an execution as failed on a last attempt
  --    that throws, and the job is then done). Locked jobs are running: left alone.
  FOR v_job IN
    SELECT j.id, j.key, j.last_error, substring(j.key FROM '[0-9a-f-]{36}$')::uuid AS eid
    FROM graphile_worker.jobs j
    WHERE j.key LIKE 'flowstage:run:%' AND j.attempts >= j.max_attempts AND j.locked_at IS NULL
    ORDER BY 4
  LOOP
    -- The spent job goes first: a retry enqueued below reuses its key.
    PERFORM graphile_worker.complete_jobs(ARRAY[v_job.id]);
    -- The job key holds the bare uuid: ff_execution_home names its partition (one shard on Citus).
    SELECT e.* INTO v_exec FROM ff_execution_home h
    JOIN ff_exec_core e ON e.partition_key = h.home_partition AND e.execution_id = h.execution_id
    WHERE h.execution_id = v_job.eid;
    IF NOT FOUND OR v_exec.lifecycle_phase = 'terminal' THEN
      CONTINUE;
    END IF;
    execution_id := _canonical_execution_id(v_exec.partition_key, v_exec.execution_id);
    job_key := v_job.key;
    IF v_exec.lifecycle_phase = 'active' THEN
      -- The attempt died with its worker (or its wrapper could not report): a failed attempt,
      -- retried per policy (docs/semantics.md §9.2), else terminal failed with its cascade.
      SELECT * INTO v_failed FROM _fail_attempt(execution_id, 'worker_lost', 'worker_lost',
        (v_exec.raw_fields->>'attempt_count')::int, 'failed', v_now);
      IF v_failed.status IN ('retry_scheduled', 'failed') THEN
        status := CASE v_failed.status WHEN 'failed' THEN 'failed_exhausted' ELSE 'retry_scheduled' END;
        RETURN NEXT;
      END IF;
    ELSIF v_exec.eligibility_state IN ('eligible_now', 'not_eligible_until_time') THEN
      -- The job died before its attempt began: no attempt was spent, the job is enqueued again.
      SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = v_exec.partition_key AND f.flow_id = v_exec.flow_id;
      v_spec := _run_job_spec(v_exec, v_flow);
      IF NOT (v_spec IS NULL) THEN
        PERFORM _add_jobs(ARRAY[v_spec]);
        status := 'retry_scheduled';
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;

  -- 1b. Run jobs left without a key: an attempt that failed or delayed itself (or was timed out)
  --     enqueued its next job under the key while its own job was locked, and its worker died
  --     before Graphile Worker completed that job. Unlocked now (ff_reap_dead_workers) and spent,
  --     it would stay in the queue forever; its execution has a job of its own.
  FOR v_job IN
    SELECT j.id FROM graphile_worker._private_jobs j
    WHERE j.key IS NULL AND j.locked_at IS NULL AND j.attempts >= j.max_attempts
      AND (j.payload::jsonb) ? 'execution_id'
      AND EXISTS (SELECT 1 FROM ff_execution_home h
                  WHERE h.execution_id = substring(j.payload->>'execution_id' FROM '[0-9a-f-]{36}$')::uuid)
    ORDER BY j.id
  LOOP
    PERFORM graphile_worker.complete_jobs(ARRAY[v_job.id]);
  END LOOP;

  -- 2. Cascades recorded in the outbox whose job is gone or spent: enqueue them again (the
  --    outbox row and its job commit together, so this only follows a job deleted by hand or
  --    permanently failed; replace mode revives a spent job with the same key).
  FOR v_outbox IN
    SELECT o.* FROM ff_completion_outbox o
    WHERE o.cascaded_at_ms IS NULL
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j
                      WHERE j.key = o.job_key AND (j.attempts < j.max_attempts OR j.locked_at IS NOT NULL))
    ORDER BY o.partition_key, o.execution_id
  LOOP
    PERFORM graphile_worker.add_job('flowstage__cascade',
      json_build_object('flow_id', v_outbox.flow_id,
                        'execution_id', _canonical_execution_id(v_outbox.partition_key, v_outbox.execution_id)),
      job_key => v_outbox.job_key);
    status := 'requeued_cascade';
    execution_id := _canonical_execution_id(v_outbox.partition_key, v_outbox.execution_id);
    job_key := v_outbox.job_key;
    RETURN NEXT;
  END LOOP;

  -- 3. Sibling cancellations still pending whose job is gone or spent.
  FOR v_group IN
    SELECT g.* FROM ff_edge_group g
    WHERE g.cancel_siblings_pending_flag
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j
                      WHERE j.key = 'flowstage:cancel_siblings:' || g.downstream_eid
                        AND (j.attempts < j.max_attempts OR j.locked_at IS NOT NULL))
    ORDER BY g.partition_key, g.flow_id, g.downstream_eid
  LOOP
    PERFORM graphile_worker.add_job('flowstage__cancel_siblings',
      json_build_object('flow_id', v_group.flow_id,
                        'downstream_execution_id', _canonical_execution_id(v_group.partition_key, v_group.downstream_eid)),
      job_key => 'flowstage:cancel_siblings:' || v_group.downstream_eid);
    status := 'requeued_cancel_siblings';
    execution_id := _canonical_execution_id(v_group.partition_key, v_group.downstream_eid);
    job_key := 'flowstage:cancel_siblings:' || v_group.downstream_eid;
    RETURN NEXT;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_recover_jobs(bigint) IS
$$Repair the queue after a worker crash; the flowstage worker calls it when it starts, periodically, and after ff_reap_dead_workers has unlocked a dead worker's jobs. Safe to call at any time and from several workers.
Returns one row per repair (none when there is nothing to do): (status, execution_id, job_key).
A run job (flowstage:run:<uuid>, a single Graphile Worker attempt) that has spent its attempt, is not locked, and whose execution is not terminal lost its worker (or its wrapper could not report): the spent job is deleted (graphile_worker.complete_jobs) and, for an active execution, the attempt fails as by ff_fail_execution with failure_reason worker_lost (docs/semantics.md §9.2): retry_scheduled (delayed by the policy's backoff, its run job enqueued at that time) or, with no retries left, failed_exhausted (terminal failed, result {"error": "worker_lost", "category": "worker_lost"}, its cascade run in this transaction). An execution still runnable (the job died before its attempt began) gets its run job again: retry_scheduled, no retry spent.
A spent run job without a key whose payload names a flowstage execution (an attempt that enqueued its successor while its own job was locked, and whose worker then died) is deleted silently.
requeued_cascade: an ff_completion_outbox row without cascaded_at_ms (a deferred hop: a skipped child, a cancelled sibling, a failed_exhausted execution, a deferred flow check) has no live job (none, or one with spent attempts): flowstage__cascade is enqueued again under the same job key.
requeued_cancel_siblings: a group with cancel_siblings_pending_flag has no live flowstage__cancel_siblings job: it is enqueued again.
Jobs locked by a worker that died are not seen here until they are unlocked: ff_reap_dead_workers does that within the worker's lease (graphile_worker.force_unlock_workers), without a person.
Locks: the executions it fails, one at a time in uuid order, with their children as ff_complete_execution (no flow row). Logs fail_execution or complete_execution for each failed attempt.$$;
