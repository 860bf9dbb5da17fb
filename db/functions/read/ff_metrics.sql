-- ff_metrics: counters and gauges for a Prometheus scrape (the dashboard's /metrics), as rows.
-- Guarantees: read-only, no row locks, one snapshot; counts every flow and execution (a scan of
-- ff_flow_core and ff_exec_core across all partitions: meant for a scrape every 15 s or more).
CREATE OR REPLACE FUNCTION flowfabric.ff_metrics()
RETURNS TABLE (
  metric flowfabric.ff_name,
  labels jsonb,
  value  flowfabric.ff_metric_value)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_bounds double precision[] := ARRAY[0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
BEGIN
  -- Flows per state (every state, zero included, so a series never disappears).
  RETURN QUERY
  SELECT 'flowstage_flows'::ff_name, jsonb_build_object('state', s.state), coalesce(c.n, 0)::ff_metric_value
  FROM unnest(ARRAY['open', 'cancelled', 'completed', 'failed']) AS s(state)
  LEFT JOIN (SELECT f.public_flow_state AS state, count(*) AS n FROM ff_flow_core f GROUP BY 1) c ON c.state = s.state
  ORDER BY s.state;

  -- Executions per public state.
  RETURN QUERY
  SELECT 'flowstage_executions'::ff_name, jsonb_build_object('state', s.state), coalesce(c.n, 0)::ff_metric_value
  FROM unnest(ARRAY['waiting', 'waiting_children', 'active', 'completed', 'failed', 'cancelled', 'expired', 'skipped']) AS s(state)
  LEFT JOIN (SELECT e.public_state AS state, count(*) AS n FROM ff_exec_core e GROUP BY 1) c ON c.state = s.state
  ORDER BY s.state;

  -- Executions that reached an outcome, per outcome (a counter while nothing is pruned).
  RETURN QUERY
  SELECT 'flowstage_executions_completed_total'::ff_name, jsonb_build_object('outcome', s.outcome), coalesce(c.n, 0)::ff_metric_value
  FROM unnest(ARRAY['success', 'failed', 'cancelled', 'expired', 'skipped']) AS s(outcome)
  LEFT JOIN (SELECT e.terminal_outcome AS outcome, count(*) AS n FROM ff_exec_core e
             WHERE e.terminal_outcome <> 'none' GROUP BY 1) c ON c.outcome = s.outcome
  ORDER BY s.outcome;

  -- Graphile Worker jobs: waiting to run (unlocked, attempts left) and running (locked).
  RETURN QUERY
  SELECT 'flowstage_jobs'::ff_name, jsonb_build_object('state', s.state), coalesce(c.n, 0)::ff_metric_value
  FROM unnest(ARRAY['queued', 'running']) AS s(state)
  LEFT JOIN (SELECT CASE WHEN j.locked_at IS NULL THEN 'queued' ELSE 'running' END AS state, count(*) AS n
             FROM graphile_worker.jobs j
             WHERE j.locked_at IS NOT NULL OR j.attempts < j.max_attempts
             GROUP BY 1) c ON c.state = s.state
  ORDER BY s.state;

  -- Run latency (last attempt's start to the terminal outcome) of executions that ran, as a
  -- cumulative histogram in seconds.
  RETURN QUERY
  WITH runs AS (
    SELECT (e.terminal_at_ms - (e.raw_fields->>'last_attempt_started_at_ms')::bigint) / 1000.0 AS seconds
    FROM ff_exec_core e
    WHERE e.terminal_at_ms IS NOT NULL AND e.raw_fields ? 'last_attempt_started_at_ms'
  )
  SELECT 'flowstage_run_latency_seconds_bucket'::ff_name, jsonb_build_object('le', b.le::text),
         (SELECT count(*) FROM runs r WHERE r.seconds <= b.le)::ff_metric_value
  FROM unnest(v_bounds) WITH ORDINALITY AS b(le, i)
  UNION ALL
  SELECT 'flowstage_run_latency_seconds_bucket'::ff_name, jsonb_build_object('le', '+Inf'), (SELECT count(*) FROM runs)::ff_metric_value
  UNION ALL
  SELECT 'flowstage_run_latency_seconds_sum'::ff_name, '{}'::jsonb, (SELECT coalesce(sum(greatest(r.seconds, 0)), 0) FROM runs r)::ff_metric_value
  UNION ALL
  SELECT 'flowstage_run_latency_seconds_count'::ff_name, '{}'::jsonb, (SELECT count(*) FROM runs)::ff_metric_value;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_metrics() IS
$$Metrics for a Prometheus scrape, one row per sample: (metric, labels (jsonb object of label name -> text), value). Read-only: takes no row locks.
flowstage_flows{state} (open | cancelled | completed | failed), flowstage_executions{state} (each public state), flowstage_executions_completed_total{outcome} (success | failed | cancelled | expired | skipped; falls when flows are pruned), flowstage_jobs{state} (Graphile Worker jobs: queued = unlocked with attempts left, running = locked), and the histogram flowstage_run_latency_seconds (_bucket{le}, _sum, _count; le 0.01 .. 300, +Inf) of last-attempt start to outcome over the executions that ran. Every state and outcome is listed, zero included, so series do not vanish.
Cost: counts every flow and execution across all partitions (sequential scans on a big install): scrape it every 15 s or more, not per page view. No refusals.$$;
