-- ff_prune_flows: retention. Deletes up to p_limit finished flows (terminal before a cutoff) with
-- everything that belongs to them, mutation log included; a DBA calls it in a loop or on a schedule.
--
-- Concurrency: it never waits for a row lock, so it can be part of no deadlock. It takes the flow
-- rows FOR UPDATE SKIP LOCKED (the lock order of every writer: flow row first), then the members
-- FOR UPDATE SKIP LOCKED; a flow whose row or any member is busy is left for a later call. Every
-- transaction that writes a flow's edges, groups or outbox rows holds its flow row or one of its
-- members until it commits (see the Locks of the writers' COMMENTs), so once the flow and all of its
-- members are held nothing else holds the rest and the DELETEs take it without waiting. Two prunes
-- at once take disjoint flows.
CREATE OR REPLACE FUNCTION flowfabric.ff_prune_flows(
  p_finished_before_ms bigint,
  p_limit              int    DEFAULT 1000,
  p_now_ms             bigint DEFAULT NULL)
RETURNS TABLE (
  finished_before_ms     flowfabric.ff_time_ms,
  flows                  flowfabric.ff_count,
  executions             flowfabric.ff_count,
  edges                  flowfabric.ff_count,
  edge_groups            flowfabric.ff_count,
  completion_outbox_rows flowfabric.ff_count,
  flow_events            flowfabric.ff_count,
  jobs_removed           flowfabric.ff_count)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
-- Every step reaches rows by index (the candidates' members by (partition_key, flow_id), then by
-- primary key), whatever the statistics say: a sequential scan of ff_exec_core, sized by the
-- largest flow rather than by what is pruned, is what made pruning slow beside a big flow.
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
  v_partitions smallint[];
  v_flow_ids   uuid[];
  v_members    uuid[];
  v_member_partitions smallint[];
  v_member_flows uuid[];
  v_member_jobs boolean[];
  v_held_jobs  boolean[];
  v_candidate_partitions smallint[];
  v_candidates uuid[];
  v_partition  smallint;
  v_locked     uuid[];
  v_held       uuid[];
  v_held_flows uuid[];
  v_count_partitions smallint[];
  v_count_flows uuid[];
  v_counts     bigint[];
  v_want       int;
  v_after_ms   bigint;
  v_after_id   uuid;
  v_last_ms    bigint;
  v_job_keys   text[];
  v_propagate  text;
  v_now        bigint;
BEGIN
  IF p_finished_before_ms IS NULL OR p_finished_before_ms < 0 THEN
    PERFORM _raise('invalid_input',
      format('p_finished_before_ms: must be a time in ms since the epoch, not negative (got %s)',
             coalesce(p_finished_before_ms::text, 'NULL')));
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
    PERFORM _raise('invalid_input',
      format('p_limit: must be between 1 and 100000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  v_now := _now_ms(p_now_ms);
  -- A cutoff in the future would prune every finished flow at once: most likely a unit mistake
  -- (microseconds or nanoseconds for milliseconds). Pruning everything finished so far is a cutoff of now.
  IF p_finished_before_ms > v_now THEN
    PERFORM _raise('invalid_input',
      format('p_finished_before_ms: %s is later than now (%s); it is in milliseconds since the epoch',
             p_finished_before_ms, v_now));
  END IF;
  finished_before_ms := p_finished_before_ms;

  -- Candidates, oldest first (index ff_flow_core_finished), read without a lock: a terminal flow
  -- whose members are not all terminal (cancelled with cancel_flow_only while members ran) or whose
  -- deferred cascades have not run yet is still settling: it is kept until it has settled, and is
  -- filtered here, so such flows never fill a batch and starve the ones behind them. Then, per
  -- partition of the candidates, the flow rows and their members are locked without waiting, each
  -- by a statement naming that one partition (Citus runs FOR UPDATE only on one shard: a lock over
  -- rows of several partitions is refused). A candidate found busy (its row or a member held) is
  -- passed over, and the next candidates are read after the last one seen, until p_limit flows are
  -- held or no candidate is left.
  v_partitions := '{}';
  v_flow_ids := '{}';
  v_member_partitions := '{}';
  v_members := '{}';
  v_member_flows := '{}';
  v_member_jobs := '{}';
  v_after_ms := -9223372036854775808;
  v_after_id := '00000000-0000-0000-0000-000000000000';
  LOOP
    v_want := p_limit - cardinality(v_flow_ids);
    SELECT coalesce(array_agg(c.partition_key ORDER BY c.terminal_at_ms, c.flow_id), '{}'),
           coalesce(array_agg(c.flow_id ORDER BY c.terminal_at_ms, c.flow_id), '{}'),
           max(c.terminal_at_ms)
    INTO v_candidate_partitions, v_candidates, v_last_ms
    FROM (
      SELECT f.partition_key, f.flow_id, f.terminal_at_ms
      FROM ff_flow_core f
      WHERE f.public_flow_state <> 'open' AND f.terminal_at_ms < p_finished_before_ms
        AND (f.terminal_at_ms, f.flow_id) > (v_after_ms, v_after_id)
        -- OFFSET 0 fences each NOT EXISTS as a probe per candidate (an index lookup): as an anti
        -- join the planner may hash every open member of every flow first (a 100,000-member flow
        -- running beside the finished ones made that the whole cost).
        AND NOT EXISTS (SELECT 1 FROM ff_exec_core e
                        WHERE e.partition_key = f.partition_key AND e.flow_id = f.flow_id
                          AND e.terminal_outcome = 'none' OFFSET 0)
        AND NOT EXISTS (SELECT 1 FROM ff_completion_outbox o
                        WHERE o.partition_key = f.partition_key AND o.flow_id = f.flow_id
                          AND o.cascaded_at_ms IS NULL OFFSET 0)
      ORDER BY f.terminal_at_ms, f.flow_id
      LIMIT v_want) c;
    EXIT WHEN cardinality(v_candidates) = 0;
    v_after_ms := v_last_ms;
    v_after_id := v_candidates[cardinality(v_candidates)];

    FOR v_partition, v_locked IN
      SELECT c.partition_key, array_agg(c.flow_id)
      FROM unnest(v_candidate_partitions, v_candidates) c(partition_key, flow_id)
      GROUP BY c.partition_key ORDER BY c.partition_key
    LOOP
      -- The flow rows, checked again under the lock (a member may have been added or reopened
      -- since the read above), then their members, each locked without waiting; a flow with a
      -- member someone holds is kept (its row stays locked by this transaction until it ends,
      -- which harms nobody: it is finished). Whether a member may have a Graphile Worker run job
      -- (below) is read here, on its row. Every part names the partition itself: Citus routes the
      -- statement to one shard only when each table of it, fenced subqueries included, names it.
      WITH flows AS (
        SELECT f.flow_id
        FROM ff_flow_core f
        WHERE f.partition_key = v_partition
          AND f.flow_id = ANY (v_locked)
          AND f.public_flow_state <> 'open' AND f.terminal_at_ms < p_finished_before_ms
          AND NOT EXISTS (SELECT 1 FROM ff_exec_core e
                          WHERE e.partition_key = v_partition AND e.flow_id = f.flow_id
                            AND e.terminal_outcome = 'none' OFFSET 0)
          AND NOT EXISTS (SELECT 1 FROM ff_completion_outbox o
                          WHERE o.partition_key = v_partition AND o.flow_id = f.flow_id
                            AND o.cascaded_at_ms IS NULL OFFSET 0)
        FOR UPDATE OF f SKIP LOCKED),
      members AS (
        SELECT e.flow_id, e.execution_id, e.raw_fields ? 'task_identifier' AS has_job
        FROM ff_exec_core e
        WHERE e.partition_key = v_partition AND e.flow_id IN (SELECT l.flow_id FROM flows l)
        ORDER BY e.execution_id
        FOR UPDATE OF e SKIP LOCKED)
      SELECT coalesce((SELECT array_agg(l.flow_id ORDER BY l.flow_id) FROM flows l), '{}'),
             coalesce(array_agg(m.flow_id ORDER BY m.execution_id), '{}'),
             coalesce(array_agg(m.execution_id ORDER BY m.execution_id), '{}'),
             coalesce(array_agg(m.has_job ORDER BY m.execution_id), '{}')
      INTO v_locked, v_held_flows, v_held, v_held_jobs
      FROM members m;
      v_partitions := v_partitions || array_fill(v_partition, ARRAY[cardinality(v_locked)]);
      v_flow_ids := v_flow_ids || v_locked;
      v_member_partitions := v_member_partitions || array_fill(v_partition, ARRAY[cardinality(v_held)]);
      v_members := v_members || v_held;
      v_member_flows := v_member_flows || v_held_flows;
      v_member_jobs := v_member_jobs || v_held_jobs;
    END LOOP;

    -- A flow is complete when every member is held: its members counted on the index (one
    -- statement over every partition: a read takes no lock) against the members locked above.
    SELECT coalesce(array_agg(n.partition_key), '{}'), coalesce(array_agg(n.flow_id), '{}'),
           coalesce(array_agg(n.members), '{}')
    INTO v_count_partitions, v_count_flows, v_counts
    FROM (
      SELECT e.partition_key, e.flow_id, count(*) AS members
      FROM unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
      JOIN ff_exec_core e ON e.partition_key = c.partition_key AND e.flow_id = c.flow_id
      GROUP BY e.partition_key, e.flow_id) n;
    SELECT coalesce(array_agg(c.partition_key ORDER BY c.ord), '{}'), coalesce(array_agg(c.flow_id ORDER BY c.ord), '{}')
    INTO v_partitions, v_flow_ids
    FROM unnest(v_partitions, v_flow_ids) WITH ORDINALITY c(partition_key, flow_id, ord)
    LEFT JOIN unnest(v_count_partitions, v_count_flows, v_counts) n(partition_key, flow_id, members)
      ON n.partition_key = c.partition_key AND n.flow_id = c.flow_id
    -- Locked members counted per flow once (a count per flow over all locked rows is flows x members).
    LEFT JOIN (SELECT h.flow_id, count(*) AS members FROM unnest(v_member_flows) h(flow_id) GROUP BY h.flow_id) h
      ON h.flow_id = c.flow_id
    WHERE coalesce(n.members, 0) = coalesce(h.members, 0);
    -- Only the members of complete flows go.
    SELECT coalesce(array_agg(m.partition_key ORDER BY m.execution_id), '{}'),
           coalesce(array_agg(m.execution_id ORDER BY m.execution_id), '{}'),
           coalesce(array_agg(m.flow_id ORDER BY m.execution_id), '{}'),
           coalesce(array_agg(m.has_job ORDER BY m.execution_id), '{}')
    INTO v_member_partitions, v_members, v_member_flows, v_member_jobs
    FROM unnest(v_member_partitions, v_members, v_member_flows, v_member_jobs) m(partition_key, execution_id, flow_id, has_job)
    JOIN unnest(v_flow_ids) k(flow_id) ON k.flow_id = m.flow_id;
    EXIT WHEN cardinality(v_flow_ids) >= p_limit OR cardinality(v_candidates) < v_want;
  END LOOP;

  -- Graphile Worker jobs that still name a pruned execution or group (a queued run of a member
  -- cancelled before it ran is removed by the cancel; what can remain are jobs whose attempts are
  -- spent, kept by Graphile Worker, and a job in flight). remove_job deletes an unlocked job and
  -- makes a running one final (no retry, key cleared): its call then finds the execution gone
  -- (execution_not_found) once and is not retried.
  SELECT coalesce(array_agg(k.job_key), '{}') INTO v_job_keys
  FROM (
    SELECT 'flowstage:run:' || m.execution_id AS job_key
    FROM unnest(v_members, v_member_jobs) m(execution_id, has_job)
    WHERE m.has_job
    UNION ALL
    SELECT o.job_key
    FROM ff_completion_outbox o JOIN unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
      ON o.partition_key = c.partition_key AND o.flow_id = c.flow_id
    UNION ALL
    SELECT 'flowstage:cancel_siblings:' || g.downstream_eid
    FROM ff_edge_group g JOIN unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
      ON g.partition_key = c.partition_key AND g.flow_id = c.flow_id
    WHERE g.cancel_siblings_pending_flag) k;
  SELECT count(*) INTO jobs_removed
  FROM unnest(v_job_keys) k(job_key), LATERAL graphile_worker.remove_job(k.job_key) j
  WHERE j.id IS NOT NULL;

  -- The flow rows go first: the log trigger lets a log row go only once its flow row is gone.
  WITH gone AS (
    DELETE FROM ff_flow_core f USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
    WHERE f.partition_key = c.partition_key AND f.flow_id = c.flow_id RETURNING 1)
  SELECT count(*) INTO flows FROM gone;
  WITH gone AS (
    DELETE FROM ff_exec_core e USING unnest(v_member_partitions, v_members) m(partition_key, execution_id)
    WHERE e.partition_key = m.partition_key AND e.execution_id = m.execution_id RETURNING 1)
  SELECT count(*) INTO executions FROM gone;
  DELETE FROM ff_execution_home h USING unnest(v_members) m(execution_id) WHERE h.execution_id = m.execution_id;
  WITH gone AS (
    DELETE FROM ff_edge d USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
    WHERE d.partition_key = c.partition_key AND d.flow_id = c.flow_id RETURNING 1)
  SELECT count(*) INTO edges FROM gone;
  WITH gone AS (
    DELETE FROM ff_edge_group g USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
    WHERE g.partition_key = c.partition_key AND g.flow_id = c.flow_id RETURNING 1)
  SELECT count(*) INTO edge_groups FROM gone;
  WITH gone AS (
    DELETE FROM ff_completion_outbox o USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
    WHERE o.partition_key = c.partition_key AND o.flow_id = c.flow_id RETURNING 1)
  SELECT count(*) INTO completion_outbox_rows FROM gone;
  -- Waitpoints of the pruned flows and their signals (docs/semantics.md §10.2), not counted.
  DELETE FROM ff_signal s USING ff_waitpoint w, unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
  WHERE w.partition_key = c.partition_key AND w.flow_id = c.flow_id
    AND s.partition_key = w.partition_key AND s.waitpoint_id = w.waitpoint_id;
  DELETE FROM ff_waitpoint w USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
  WHERE w.partition_key = c.partition_key AND w.flow_id = c.flow_id;
  DELETE FROM ff_flow_start_lock l USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
  WHERE l.partition_key = c.partition_key AND l.flow_id = c.flow_id;
  -- The setting lets _forbid_flow_event_change pass these DELETEs of log rows (and nobody else's:
  -- see that trigger for why the setting alone is not enough), on for this statement only (set
  -- here, not by a SET clause: PostgreSQL 15 lets only a superuser create a function with a SET
  -- clause for a parameter nothing has defined, so a non-superuser could not install it). On
  -- Citus the trigger fires on the shards, so the setting must reach the workers: Citus sends a
  -- SET LOCAL statement (never a set_config() call) to the workers of the transaction when
  -- citus.propagate_set_commands is 'local' (a placeholder setting on plain PostgreSQL) and the
  -- statement runs in a transaction block, a procedure or a DO block: hence the DO blocks (run
  -- by EXECUTE, which plpgsql_check leaves alone: it misreads a DO statement).
  v_propagate := current_setting('citus.propagate_set_commands', true);
  PERFORM set_config('citus.propagate_set_commands', 'local', true);
  EXECUTE 'DO $on$ BEGIN SET LOCAL flowstage.prune_flow_events = ''on''; END $on$';
  WITH gone AS (
    DELETE FROM ff_flow_event v USING unnest(v_partitions, v_flow_ids) c(partition_key, flow_id)
    WHERE v.partition_key = c.partition_key AND v.flow_id = c.flow_id RETURNING 1)
  SELECT count(*) INTO flow_events FROM gone;
  EXECUTE 'DO $off$ BEGIN SET LOCAL flowstage.prune_flow_events = ''off''; END $off$';
  PERFORM set_config('citus.propagate_set_commands', coalesce(v_propagate, 'none'), true);
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_prune_flows(bigint, int, bigint) IS
$$Retention: delete at most p_limit finished flows, oldest first, and everything that belongs to them. A flow is pruned when it is terminal (completed, failed or cancelled) with terminal_at_ms < p_finished_before_ms, every member is terminal and no deferred cascade of it is pending; a flow cancelled with cancel_flow_only is thus kept until its members have finished.
Deleted per pruned flow: its ff_flow_core row, its members (ff_exec_core rows whose flow_id is the flow; solo executions and other flows' rows are never touched), its ff_edge and ff_edge_group rows, its ff_completion_outbox rows, its ff_flow_start_lock row, its waitpoints and their signals (ff_waitpoint, ff_signal: not counted in the result) and its mutation log (ff_flow_event rows): this is the only way log rows are ever deleted. Graphile Worker jobs still naming a pruned execution (run, cascade, cancel_siblings keys) are removed with graphile_worker.remove_job (a job in flight is made final: it fails once with execution_not_found and is not retried). Nothing is logged: the log of a pruned flow goes with it.
Returns one row: (finished_before_ms, flows, executions, edges, edge_groups, completion_outbox_rows, flow_events, jobs_removed), the cutoff and the number of rows deleted per table (jobs_removed: jobs deleted or made final).
Bounded batches: call it again until flows < p_limit (each call is one transaction). Never waits for a lock: a flow whose row or any member another transaction holds is skipped (left for the next call) and the next finished flow takes its place in the batch, so it does not block or deadlock with the cascade, with callers adding to or reading a flow, or with another prune (concurrent calls take disjoint flows).
Refusals: invalid_input when p_finished_before_ms is NULL, negative or later than now (p_now_ms, else the server clock: a cutoff in the future is taken for a unit mistake; now itself prunes every flow finished so far), or p_limit is NULL or not in 1..100000.
Cost: by index throughout (each candidate's open members and pending cascades are one probe each; members are deleted by primary key), never a scan of ff_exec_core, so a large flow beside the finished ones does not slow pruning. On Citus the candidates are read on every shard, then locked with one statement per partition among them (a lock runs on one shard only).$$;
