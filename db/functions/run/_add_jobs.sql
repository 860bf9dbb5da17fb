-- _add_jobs: enqueue job specs with one graphile_worker.add_jobs call, with plans fit for a queue that churns.
CREATE OR REPLACE FUNCTION flowfabric._add_jobs(p_specs graphile_worker.job_spec[])
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
-- add_jobs runs once per completion that releases a child: one generic plan per session for its
-- statements (its array parameter keeps the plan cache re-planning them at every call otherwise),
-- and no sequential scan of the queue: its statistics lag its churn (every job is inserted and
-- deleted), and a scan for the job-key lookup reads every queued and dead row at each call.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
  IF cardinality(p_specs) > 0 THEN
    PERFORM graphile_worker.add_jobs(p_specs);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._add_jobs(graphile_worker.job_spec[]) IS
  'Private. graphile_worker.add_jobs(p_specs) (replace mode for job keys, one pg_notify) when p_specs is not empty; nothing otherwise. Graphile Worker''s statements run with generic plans and without sequential scans (see the function''s header).';
