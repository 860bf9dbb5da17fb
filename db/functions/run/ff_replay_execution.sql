-- ff_replay_execution: run a terminal execution again, alone or with everything downstream of it
-- (docs/semantics.md §9.4); a finished flow reopens and finishes again by the §6 rule.
-- Edges are read one endpoint at a time (a LATERAL probe per execution, OFFSET 0), so even on a
-- table never analysed each lookup matches ff_edge_walk_out / ff_edge_walk_in on all three columns
-- instead of scanning the flow's edges through the primary key's (partition_key, flow_id) prefix.
CREATE OR REPLACE FUNCTION flowfabric.ff_replay_execution(
  p_execution_id text,
  p_downstream   boolean DEFAULT false,
  p_now_ms       bigint  DEFAULT NULL)
RETURNS TABLE (
  status            flowfabric.ff_replay_execution_status,
  execution_id      flowfabric.ff_execution_id,
  replay_count      flowfabric.ff_count,
  eligibility_state flowfabric.ff_eligibility_state)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_requested smallint;
  v_id        uuid;
  v_exec      ff_exec_core;
  v_flow      ff_flow_core;
  v_part      smallint;
  v_order     uuid[];     -- the executions to replay, in topological order
  v_set       uuid[];     -- the same, for lookups
  v_children  uuid[];     -- non-replayed, non-terminal children of replayed executions
  v_edges     uuid[];     -- the edges that go back to applied
  v_edge      uuid;
  v_blocked   uuid[];     -- of those, the ones blocked again (their run jobs go)
  v_row       ff_exec_core;
  v_policy    jsonb;
  v_specs     graphile_worker.job_spec[];
  v_upstream  record;
  v_started   boolean;
BEGIN
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  IF p_downstream IS NULL THEN
    PERFORM _raise('invalid_input', 'p_downstream: must not be null');
  END IF;
  v_now := _now_ms(p_now_ms);
  v_exec := _require_execution(p_execution_id, v_requested, v_id);
  v_part := v_exec.partition_key;

  -- Lock order: the flow row first.
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_part AND f.flow_id = v_exec.flow_id FOR UPDATE;
    IF v_flow.public_flow_state = 'cancelled' THEN
      PERFORM _raise('flow_already_terminal',
        format('flow_id=%s public_flow_state=cancelled (replaying execution_id=%s)', v_flow.flow_id, _canonical_execution_id(v_part, v_id)),
        'A cancelled flow cannot run again; create a new flow.');
    END IF;
  END IF;
  v_started := v_exec.flow_id IS NULL OR v_flow.raw_fields ? 'started_at_ms';

  -- The executions to replay: this one, and with p_downstream every transitive downstream that
  -- is terminal, in topological order (longest path from this one).
  IF p_downstream AND v_exec.flow_id IS NOT NULL THEN
    WITH RECURSIVE reach(eid, depth) AS (
      SELECT v_id, 0
      UNION
      SELECT o.downstream_eid, r.depth + 1
      FROM reach r
      CROSS JOIN LATERAL (
        SELECT e.downstream_eid FROM ff_edge e
        WHERE e.partition_key = v_part AND e.flow_id = v_exec.flow_id AND e.upstream_eid = r.eid
          AND e.edge_state <> 'pending' OFFSET 0) o
      WHERE r.depth < 100000)
    SELECT array_agg(d.eid ORDER BY d.depth, d.eid) INTO v_order
    FROM (SELECT r.eid, max(r.depth) AS depth FROM reach r GROUP BY r.eid) d
    JOIN ff_exec_core x ON x.partition_key = v_part AND x.execution_id = d.eid
    WHERE d.eid = v_id OR x.lifecycle_phase = 'terminal';
  ELSE
    v_order := ARRAY[v_id];
  END IF;
  SELECT array_agg(u ORDER BY u) INTO v_set FROM unnest(v_order) u;
  -- Their non-replayed children still waiting (runnable): they must not run on a stale result.
  -- Children that run or ran already are left alone, edges into them included.
  IF v_exec.flow_id IS NOT NULL THEN
    SELECT coalesce(array_agg(DISTINCT o.downstream_eid), '{}') INTO v_children
    FROM unnest(v_set) s(eid)
    CROSS JOIN LATERAL (
      SELECT e.downstream_eid FROM ff_edge e
      WHERE e.partition_key = v_part AND e.flow_id = v_exec.flow_id AND e.upstream_eid = s.eid OFFSET 0) o
    JOIN ff_exec_core c ON c.partition_key = v_part AND c.execution_id = o.downstream_eid
    WHERE NOT (o.downstream_eid = ANY (v_set)) AND c.lifecycle_phase = 'runnable';
  ELSE
    v_children := '{}';
  END IF;

  -- Then the executions, in uuid order; every check under the locks.
  FOR v_row IN
    SELECT * FROM ff_exec_core e
    WHERE e.partition_key = v_part AND e.execution_id = ANY (v_set || v_children)
    ORDER BY e.execution_id FOR UPDATE
  LOOP
    IF v_row.execution_id = v_id AND v_row.lifecycle_phase <> 'terminal' THEN
      PERFORM _raise('execution_not_terminal',
        format('execution_id=%s lifecycle_phase=%s public_state=%s', _canonical_execution_id(v_part, v_id),
               v_row.lifecycle_phase, v_row.public_state));
    END IF;
    IF v_row.execution_id = ANY (v_set) AND v_row.lifecycle_phase <> 'terminal' THEN
      v_set := array_remove(v_set, v_row.execution_id);  -- became non-terminal meanwhile: left alone
      v_order := array_remove(v_order, v_row.execution_id);
    END IF;
    IF v_row.execution_id = ANY (v_children) AND v_row.lifecycle_phase <> 'runnable' THEN
      v_children := array_remove(v_children, v_row.execution_id);  -- began or finished meanwhile: left alone
    END IF;
  END LOOP;
  FOR v_row IN
    SELECT e.* FROM unnest(v_order) WITH ORDINALITY AS o(eid, n)
    JOIN ff_exec_core e ON e.partition_key = v_part AND e.execution_id = o.eid
    ORDER BY o.n
  LOOP
    v_policy := _effective_policy(v_row.policy);
    IF v_row.replay_count >= (v_policy->>'max_replays')::int THEN
      PERFORM _raise('max_replays_exhausted',
        format('execution_id=%s replay_count=%s max_replays=%s', _canonical_execution_id(v_part, v_row.execution_id),
               v_row.replay_count, v_policy->>'max_replays'));
    END IF;
  END LOOP;

  IF v_exec.flow_id IS NOT NULL THEN
    -- Edges: every edge out of a replayed execution, and every impossible edge into one, go back
    -- to applied (unresolved); the latter are resolved again below from their upstreams' outcomes.
    SELECT coalesce(array_agg(t.edge_id), '{}') INTO v_edges
    FROM (SELECT o.edge_id
          FROM unnest(v_set) s(eid)
          CROSS JOIN LATERAL (
            SELECT x.edge_id FROM ff_edge x
            WHERE x.partition_key = v_part AND x.flow_id = v_exec.flow_id AND x.upstream_eid = s.eid
              AND x.downstream_eid = ANY (v_set || v_children) AND x.edge_state IN ('satisfied', 'impossible')
            OFFSET 0) o
          UNION
          SELECT i.edge_id
          FROM unnest(v_set) s(eid)
          CROSS JOIN LATERAL (
            SELECT x.edge_id FROM ff_edge x
            WHERE x.partition_key = v_part AND x.flow_id = v_exec.flow_id AND x.downstream_eid = s.eid
              AND x.edge_state = 'impossible'
            OFFSET 0) i) t;
    -- One key lookup per edge: with the ids as an array, a never-analysed table's plan scans the
    -- key by its (partition_key, flow_id) prefix and filters on edge_id.
    FOREACH v_edge IN ARRAY v_edges LOOP
      UPDATE ff_edge e
      SET resolved_at_ms = NULL, upstream_outcome = NULL, edge_state = 'applied'
      WHERE e.partition_key = v_part AND e.flow_id = v_exec.flow_id AND e.edge_id = v_edge;
    END LOOP;
    -- Groups of replayed executions and of their waiting children: counters recomputed from
    -- their edges, decision back to pending (the one case where a decision changes; logged below).
    UPDATE ff_edge_group g
    SET success_count = c.s, fail_count = c.f, skip_count = c.k, running_count = c.r,
        decision = 'pending',
        decided_at_ms = NULL
    FROM (SELECT d.eid AS down,
                 count(*) FILTER (WHERE e.edge_state = 'satisfied')::int AS s,
                 count(*) FILTER (WHERE e.edge_state = 'impossible' AND e.upstream_outcome <> 'skipped')::int AS f,
                 count(*) FILTER (WHERE e.edge_state = 'impossible' AND e.upstream_outcome = 'skipped')::int AS k,
                 count(*) FILTER (WHERE e.edge_state = 'applied')::int AS r
          FROM unnest(v_set || v_children) d(eid)
          CROSS JOIN LATERAL (
            SELECT x.edge_state, x.upstream_outcome FROM ff_edge x
            WHERE x.partition_key = v_part AND x.flow_id = v_exec.flow_id AND x.downstream_eid = d.eid OFFSET 0) e
          GROUP BY d.eid) c
    WHERE g.partition_key = v_part AND g.flow_id = v_exec.flow_id AND g.downstream_eid = c.down;
    -- Waiting children that were released on a result now being replaced wait again.
    UPDATE ff_exec_core e
    SET eligibility_state = 'blocked_by_dependencies', public_state = 'waiting_children', blocking_reason = 'waiting_for_children'
    FROM ff_edge_group g
    WHERE e.partition_key = v_part AND e.execution_id = ANY (v_children) AND e.lifecycle_phase = 'runnable'
      AND g.partition_key = v_part AND g.flow_id = v_exec.flow_id AND g.downstream_eid = e.execution_id AND g.decision = 'pending';
    -- The job keys first, removed in a statement of their own: Graphile Worker's tables are on the
    -- coordinator, and a call inside a statement on ff_exec_core would run on the shard (Citus).
    SELECT coalesce(array_agg(e.execution_id), '{}') INTO v_blocked FROM ff_exec_core e
    WHERE e.partition_key = v_part AND e.execution_id = ANY (v_children)
      AND e.lifecycle_phase = 'runnable' AND e.eligibility_state = 'blocked_by_dependencies';
    PERFORM graphile_worker.remove_job('flowstage:run:' || b.eid) FROM unnest(v_blocked) AS b(eid);
  END IF;

  -- The executions: runnable again, eligible when nothing blocks them (no group, or a group whose
  -- recomputed counters are all satisfied), their result kept until the new attempt ends.
  UPDATE ff_exec_core e
  SET lifecycle_phase = 'runnable',
      ownership_state = 'unowned',
      eligibility_state = CASE WHEN g.downstream_eid IS NULL OR g.running_count + g.fail_count + g.skip_count = 0
                               THEN 'eligible_now' ELSE 'blocked_by_dependencies' END,
      public_state = CASE WHEN g.downstream_eid IS NULL OR g.running_count + g.fail_count + g.skip_count = 0
                          THEN 'waiting' ELSE 'waiting_children' END,
      blocking_reason = CASE WHEN g.downstream_eid IS NULL OR g.running_count + g.fail_count + g.skip_count = 0
                             THEN 'waiting_for_worker' ELSE 'waiting_for_children' END,
      attempt_state = 'pending_replay_attempt',
      terminal_outcome = 'none',
      terminal_at_ms = NULL,
      replay_count = e.replay_count + 1,
      retry_count = 0,
      failure_reason = NULL,
      delay_until_ms = NULL,
      deadline_at_ms = CASE WHEN v_started AND e.policy ? 'execution_deadline_ms'
                            THEN v_now + (e.policy->>'execution_deadline_ms')::bigint END,
      raw_fields = e.raw_fields || jsonb_build_object('replayed_at_ms', v_now)
  FROM (SELECT u AS eid FROM unnest(v_set) u) s
  LEFT JOIN ff_edge_group g ON g.partition_key = v_part AND g.flow_id = v_exec.flow_id AND g.downstream_eid = s.eid
  WHERE e.partition_key = v_part AND e.execution_id = s.eid;
  UPDATE ff_edge_group g
  SET decision = 'satisfied', decided_at_ms = v_now
  WHERE g.partition_key = v_part AND g.flow_id = v_exec.flow_id AND g.downstream_eid = ANY (v_set)
    AND g.running_count + g.fail_count + g.skip_count = 0 AND g.success_count > 0;

  -- The flow reopens: it finishes again when its members do (docs/semantics.md §6).
  IF v_exec.flow_id IS NOT NULL THEN
    IF v_flow.public_flow_state IN ('completed', 'failed') THEN
      UPDATE ff_flow_core f
      SET public_flow_state = 'open', terminal_at_ms = NULL,
          raw_fields = f.raw_fields || jsonb_build_object('replayed_at_ms', v_now)
      WHERE f.partition_key = v_part AND f.flow_id = v_exec.flow_id
      RETURNING f.* INTO v_flow;
    END IF;
    PERFORM _log_flow_event(v_part, v_exec.flow_id, v_flow.raw_fields->>'namespace', v_flow.graph_revision, 'replay_execution',
      jsonb_build_object('execution_id', _canonical_execution_id(v_part, v_id), 'downstream', p_downstream,
                         'executions', (SELECT jsonb_agg(_canonical_execution_id(v_part, u) ORDER BY n)
                                        FROM unnest(v_order) WITH ORDINALITY AS o(u, n))),
      v_now);
  END IF;

  -- Enqueue what may run now (a flow not started runs it when it starts), and the deadlines.
  IF v_started THEN
    SELECT coalesce(array_agg(_run_job_spec(ROW(e.*)::ff_exec_core, v_flow) ORDER BY e.execution_id)
                    FILTER (WHERE e.raw_fields ? 'task_identifier' AND e.eligibility_state = 'eligible_now'), '{}')
           || coalesce(array_agg(_expire_job_spec(v_part, e.execution_id, 'execution_deadline', NULL, e.deadline_at_ms)
                                 ORDER BY e.execution_id) FILTER (WHERE e.deadline_at_ms IS NOT NULL), '{}')
    INTO v_specs
    FROM ff_exec_core e
    WHERE e.partition_key = v_part AND e.execution_id = ANY (v_set);
    PERFORM _add_jobs(v_specs);
  END IF;

  -- Impossible edges into replayed executions from upstreams that are not replayed: resolved again
  -- from those upstreams' current outcomes (an upstream replayed here is not terminal: it waits).
  IF v_exec.flow_id IS NOT NULL THEN
    FOR v_upstream IN
      SELECT DISTINCT e.upstream_eid, u.terminal_outcome
      FROM unnest(v_set) s(eid)
      CROSS JOIN LATERAL (
        SELECT x.upstream_eid FROM ff_edge x
        WHERE x.partition_key = v_part AND x.flow_id = v_exec.flow_id AND x.downstream_eid = s.eid
          AND x.edge_state = 'applied' OFFSET 0) e
      JOIN ff_exec_core u ON u.partition_key = v_part AND u.execution_id = e.upstream_eid
      WHERE u.lifecycle_phase = 'terminal'
      ORDER BY e.upstream_eid
    LOOP
      PERFORM _resolve_edges(v_part, v_exec.flow_id, v_upstream.upstream_eid, v_upstream.terminal_outcome, v_set, NULL, v_now,
        'resolve_edges', jsonb_build_object('execution_id', _canonical_execution_id(v_part, v_upstream.upstream_eid),
                                            'upstream_outcome', v_upstream.terminal_outcome));
    END LOOP;
  END IF;

  RETURN QUERY
  SELECT 'replayed'::ff_replay_execution_status, _canonical_execution_id(v_part, e.execution_id)::ff_execution_id,
         e.replay_count::ff_count, e.eligibility_state::ff_eligibility_state
  FROM unnest(v_order) WITH ORDINALITY AS o(eid, n)
  JOIN ff_exec_core e ON e.partition_key = v_part AND e.execution_id = o.eid
  ORDER BY o.n;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_replay_execution(text, boolean, bigint) IS
$$Turn terminal execution p_execution_id runnable again (docs/semantics.md §9.4): lifecycle_phase runnable, attempt_state pending_replay_attempt, terminal_outcome none, terminal_at_ms cleared, replay_count + 1, retry_count 0 (a replay has its whole retry budget again), failure_reason and delay cleared, its result kept until the new attempt ends; its execution_deadline_ms clock restarts when its flow has started.
Returns one row per replayed execution, in topological order: (status replayed, execution_id, replay_count, eligibility_state).
A member with no group, or whose upstream edges are all satisfied, or a solo execution: eligible_now, enqueued now when its flow has started (solo: at once), else by ff_start_flow. A member whose group made it impossible (skipped, or replayed after its upstream failed): its impossible edges go back to applied and are resolved again at once from their upstreams' current outcomes (an upstream replayed in the same call waits); the group's counters are recomputed from its edges and its decision returns to pending, the one case where a decision changes.
p_downstream: every transitive downstream that is terminal is replayed the same way in the same call; downstreams still running (active) are left alone. The edges going out of every replayed execution into replayed or waiting (runnable) children return to applied and those children's groups are recomputed; a non-replayed child that was eligible but had not started waits again (its queued run job is removed), so nothing runs on a stale result. Edges into children that are running or terminal (and not replayed) keep their resolution.
The flow: completed or failed reopens (public_flow_state open, terminal_at_ms cleared, raw_fields.replayed_at_ms) and finishes again by the rule of §6; graph_revision stays (not a graph change).
Refusals: invalid_input (malformed id, NULL p_downstream), execution_not_found (FF003), flow_already_terminal (FF002: the flow is cancelled), execution_not_terminal (FF015), max_replays_exhausted (FF016: replay_count >= the policy's max_replays, default 10; checked for every execution the call would replay, the first in topological order decides), each with the execution in DETAIL.
Locks: the flow row, then the replayed executions and their children in uuid order, then edges, then groups. Logs one replay_execution row listing every execution reset, then one resolve_edges row per upstream whose edges it resolved again ({execution_id (the upstream), upstream_outcome, resolved, released}, as ff_cascade_step logs).$$;
