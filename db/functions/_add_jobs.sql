-- _add_jobs: enqueue job specs with one graphile_worker.add_jobs call, planned as Graphile Worker plans it.
CREATE OR REPLACE FUNCTION flowfabric._add_jobs(p_specs graphile_worker.job_spec[])
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
-- The cascade's functions force generic plans (their statements are index lookups whose custom
-- plans would be re-planned at every call); add_jobs inherits settings from its caller, and its
-- generic plan for the job-key lookup is a sequential scan of the queue. Back to the default here,
-- and no sequential scan of the queue either: its statistics lag its churn (every job is inserted
-- and deleted), and add_jobs's job-key update then reads every queued and dead row per call.
SET plan_cache_mode = auto
SET enable_seqscan = off
AS $$
BEGIN
  IF cardinality(p_specs) > 0 THEN
    PERFORM graphile_worker.add_jobs(p_specs);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._add_jobs(graphile_worker.job_spec[]) IS
  'Private. graphile_worker.add_jobs(p_specs) (replace mode for job keys, one pg_notify) when p_specs is not empty; nothing otherwise. Resets plan_cache_mode to auto for Graphile Worker''s statements, whatever the caller forces.';
