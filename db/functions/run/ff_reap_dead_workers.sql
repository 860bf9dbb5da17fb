-- ff_reap_dead_workers: unlock the jobs of every worker that stopped heartbeating, so a crashed
-- worker's flows resume on the live ones (Graphile Worker alone keeps them locked for 4 hours).
CREATE OR REPLACE FUNCTION flowfabric.ff_reap_dead_workers(p_now_ms bigint DEFAULT NULL)
RETURNS TABLE (
  status        flowfabric.ff_reap_dead_workers_status,
  worker_id     flowfabric.ff_name,
  silent_ms     flowfabric.ff_duration_ms,
  jobs_unlocked flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now    bigint;
  v_ids    text[];
  v_silent bigint[];
  v_held   int[];
BEGIN
  v_now := _now_ms(p_now_ms);
  -- SKIP LOCKED: reapers running at once share the dead between them, and none waits for
  -- another or for a heartbeat in flight.
  WITH dead AS (
    SELECT w.worker_id FROM ff_worker_heartbeat w
    WHERE w.heartbeat_at_ms + w.lease_ms < v_now
    ORDER BY w.worker_id
    FOR UPDATE SKIP LOCKED),
  gone AS (
    DELETE FROM ff_worker_heartbeat w USING dead
    WHERE w.worker_id = dead.worker_id
    RETURNING w.worker_id, v_now - w.heartbeat_at_ms AS silent_ms)
  SELECT array_agg(g.worker_id ORDER BY g.worker_id),
         array_agg(g.silent_ms ORDER BY g.worker_id),
         array_agg((SELECT count(*) FROM graphile_worker.jobs j WHERE j.locked_by = g.worker_id)::int ORDER BY g.worker_id)
  INTO v_ids, v_silent, v_held
  FROM gone g;
  IF v_ids IS NULL THEN
    RETURN;
  END IF;
  PERFORM graphile_worker.force_unlock_workers(v_ids);
  RETURN QUERY
  SELECT 'reaped'::ff_reap_dead_workers_status, d.id::ff_name, d.silent::ff_duration_ms, d.held::ff_count
  FROM unnest(v_ids, v_silent, v_held) d(id, silent, held);
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_reap_dead_workers(bigint) IS
$$Declare dead every worker whose last ff_worker_heartbeat is older than its lease, and unlock the Graphile Worker jobs (and queues) it still holds with graphile_worker.force_unlock_workers, so they run again on a live worker (retried while attempts remain; ff_recover_jobs then fails an execution whose last attempt died). Every flowstage worker calls it at each heartbeat; a worker that crashed is thus reaped within its lease plus one heartbeat interval, without a person.
Returns one row per reaped worker (none when every worker is alive): (status, worker_id, silent_ms, jobs_unlocked). silent_ms: time since its last heartbeat; jobs_unlocked: jobs it held locked.
Its heartbeat row is deleted: a worker that was only stalled (its event loop blocked past the lease) registers again with its next heartbeat, but its jobs may meanwhile have run elsewhere, as after any lease expiry.
Time: the server clock; p_now_ms is honoured only for a superuser or a member of flowstage_owner (any other login that passes it is refused), so a writer cannot declare a live worker dead by moving the clock, and a live worker's lease can only be renewed by its own process (ff_worker_heartbeat's secret): a writer calling this unlocks only the jobs of workers really silent past their lease (docs/operations.md#trust-model).
Safe when several workers call it at once: the heartbeat rows are taken FOR UPDATE SKIP LOCKED, so each dead worker is reaped once and no caller waits. Locks: the dead workers' heartbeat rows, then their jobs (inside force_unlock_workers).$$;
