-- What flowstage_owner needs outside schema flowfabric: the functions run with its rights, and some
-- call Graphile Worker. Graphile Worker's functions run with their caller's rights (SECURITY
-- INVOKER), so the owner also needs the table rights those functions use:
--   add_jobs / add_job   (start, cascade, recovery: enqueue)  insert tasks and queues, upsert jobs
--   remove_job           (cancel: drop a queued run job)      delete or update a job
--   complete_jobs        (ff_recover_jobs: drop a spent job)   delete jobs
--   force_unlock_workers (ff_reap_dead_workers)               update jobs and queues
--   reschedule_jobs      (ff_change_priority: re-prioritise)  update jobs
--   jobs (view)          (ff_recover_jobs, ff_reap_dead_workers: read jobs)
-- Nothing else of graphile_worker. Graphile Worker enables row-level security on its tables and
-- defines no policy, so only their owner (and superusers) see a row; policy "flowstage" lets
-- flowstage_owner, and the members of flowstage_writer, through. The table privileges stay the
-- limit: flowstage_writer has none here, and a DBA grants them to worker logins only
-- (docs/operations.md#roles-and-privileges), so an application login still cannot touch a job.
-- Created once per table, not replaced (that would lock Graphile Worker's tables against running
-- workers until the migration commits). Granted on every migration: a Graphile Worker upgrade that
-- re-creates a function or table drops its grants, and flowstage upgrades Graphile Worker first.
-- The installing role must own graphile_worker's objects (it does when it installed them).
GRANT USAGE ON SCHEMA graphile_worker TO flowstage_owner;
GRANT USAGE ON TYPE graphile_worker.job_spec TO flowstage_owner;
GRANT EXECUTE ON FUNCTION
  graphile_worker.add_jobs(graphile_worker.job_spec[], boolean),
  graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text),
  graphile_worker.remove_job(text),
  graphile_worker.complete_jobs(bigint[]),
  graphile_worker.force_unlock_workers(text[]),
  graphile_worker.reschedule_jobs(bigint[], timestamptz, integer, integer, integer)
  TO flowstage_owner;
GRANT SELECT ON graphile_worker.jobs TO flowstage_owner;
GRANT SELECT, INSERT ON graphile_worker._private_tasks TO flowstage_owner;
GRANT SELECT, INSERT, UPDATE ON graphile_worker._private_job_queues TO flowstage_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON graphile_worker._private_jobs TO flowstage_owner;

DO $flowstage_graphile_worker$
DECLARE
  v_table regclass;
BEGIN
  FOR v_table IN
    SELECT format('graphile_worker.%I', t)::regclass
    FROM unnest(ARRAY['_private_tasks', '_private_job_queues', '_private_jobs', '_private_known_crontabs']) t
  LOOP
    IF NOT EXISTS (SELECT FROM pg_policy WHERE polrelid = v_table AND polname = 'flowstage') THEN
      EXECUTE format('CREATE POLICY flowstage ON %s FOR ALL TO flowstage_owner, flowstage_writer USING (true) WITH CHECK (true)', v_table);
    END IF;
  END LOOP;
END
$flowstage_graphile_worker$;

-- The id sequences of the three tables (their names differ between Graphile Worker versions).
DO $flowstage_graphile_worker$
DECLARE
  v_sequence text;
BEGIN
  FOR v_sequence IN
    SELECT pg_get_serial_sequence(format('graphile_worker.%I', t), 'id')
    FROM unnest(ARRAY['_private_tasks', '_private_job_queues', '_private_jobs']) t
  LOOP
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO flowstage_owner', v_sequence);
  END LOOP;
END
$flowstage_graphile_worker$;
