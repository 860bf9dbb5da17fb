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
    SELECT * INTO v_exec FROM ff_exec_core e WHERE e.execution_id = v_job.eid FOR UPDATE;
    IF FOUND AND v_exec.lifecycle_phase <> 'terminal' THEN
      -- Its cascade is deferred to a job: its children are not locked here.
      v_spec := _finish_execution(v_exec, 'failed',
        jsonb_build_object('error', coalesce(v_job.last_error, 'the worker stopped during the last attempt'),
                           'attempts_exhausted', true),
        v_now, p_cascade => true);
      IF NOT (v_spec IS NULL) THEN
        PERFORM graphile_worker.add_jobs(ARRAY[v_spec]);
      END IF;
      status := 'failed_exhausted';
      execution_id := _canonical_execution_id(v_exec.partition_key, v_exec.execution_id);
      job_key := v_job.key;
      RETURN NEXT;
    END IF;
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
failed_exhausted: a run job (flowstage:run:<uuid>) has spent its attempts, is not locked, and its execution is not terminal: the worker died during the last attempt. The execution completes as failed (result {"error": the job's last_error or a note, "attempts_exhausted": true}), its cascade is deferred to its flowstage__cascade job (outbox row, enqueued here), and the spent job is deleted (graphile_worker.complete_jobs).
requeued_cascade: an ff_completion_outbox row without cascaded_at_ms (a deferred hop: a skipped child, a cancelled sibling, a failed_exhausted execution, a deferred flow check) has no live job (none, or one with spent attempts): flowstage__cascade is enqueued again under the same job key.
requeued_cancel_siblings: a group with cancel_siblings_pending_flag has no live flowstage__cancel_siblings job: it is enqueued again.
Jobs locked by a worker that died are not seen here until they are unlocked: ff_reap_dead_workers does that within the worker's lease (graphile_worker.force_unlock_workers), without a person.
Locks: the executions it fails, one at a time in uuid order (no flow row). Logs complete_execution for each failed execution.$$;
