-- _resolve_edges: one hop of the completion cascade, set-based: resolve a terminal upstream's
-- applied edges into children the caller holds locked, act on every group that decides, and
-- enqueue what that releases with one graphile_worker.add_jobs call.
--
-- Every path that resolves edges comes here: ff_complete_execution (all outgoing edges, in the
-- completing transaction), ff_cascade_step (the deferred hop of a skipped or cancelled
-- execution), ff_resolve_dependency (one edge; also the late edge of ff_apply_dependency_to_child).
-- It runs on every completion, so it is written as few statements as the work allows, each
-- touching all edges at once: (1) the edges, the data they pass, the group counters with each
-- group's verdict, in one statement; then only when a group decides: (2) the decisions with the
-- released children; the caller's one log row, which lists the resolutions and releases (so a
-- completion writes one row, not one per edge); then (3) the flow's started flag, (4) the skipped
-- children one at a time (each happens once in a child's life); and one add_jobs call.
-- On a never-analysed table the planner takes a primary key's (partition_key, flow_id) prefix for
-- one row and would read the whole flow through it; so each statement reaches the groups and the
-- children one probe of the full key per child (flow_id as a join column beside the child, never
-- the constant alone), which costs the same on analysed tables.
CREATE OR REPLACE FUNCTION flowfabric._resolve_edges(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_upstream_eid  uuid,
  p_outcome       text,
  p_children      uuid[],
  p_edge_id       uuid,
  p_now_ms        bigint,
  p_log_operation text,
  p_log_arguments jsonb,
  OUT edge_ids    uuid[],
  OUT decisions   text[],
  OUT skipped     uuid[],
  OUT others_left boolean,
  OUT public_flow_state text)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_satisfied  uuid[];
  v_impossible uuid[];
  v_decided    uuid[];
  v_released   ff_exec_core[];
  v_cancelling uuid[];
  v_child      ff_exec_core;
  v_specs      graphile_worker.job_spec[];
  v_spec       graphile_worker.job_spec;
  v_paused     boolean;
  v_revision   bigint;
  v_namespace  text;
  v_log_arguments jsonb;
BEGIN
  skipped := '{}';

  -- 1. The edges record their resolution (only applied ones: a concurrent resolver's are left
  --    out); a success passes its result to each non-terminal child under each edge's ref,
  --    before any decision; each edge moves one unit of its child's group out of running_count,
  --    and each group's policy is evaluated on its new counters (a decided group counts but
  --    never decides again: already_decided). Per edge, the decision it is logged with: within
  --    a child's edges the last (by edge_id) carries the group's verdict and the others pending,
  --    as if they had been resolved one by one.
  WITH flow AS (
    SELECT f.graph_revision, f.raw_fields->>'namespace' AS namespace, f.public_flow_state FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id),
  resolved AS (
    -- The edge's kind decides which outcomes satisfy it (docs/semantics.md §10.1), then its
    -- condition, if any, over the upstream's result (its row joined by key, co-located), matched
    -- silently, so a false, non-boolean or erroring predicate is simply not true.
    -- condition_result records what the predicate gave.
    UPDATE ff_edge e
    -- Plain column assignments, IMMUTABLE expressions only (docs/conventions.md 17); the columns
    -- written here are the row's last, so the update logs little more than them.
    SET resolved_at_ms = p_now_ms,
        -- (Searched CASEs: Citus sends CASE <column> WHEN ... to the shard as text = boolean.)
        edge_state = CASE WHEN CASE WHEN e.dependency_kind = 'success_only' THEN p_outcome = 'success'
                                    WHEN e.dependency_kind = 'failure_only' THEN p_outcome IN ('failed', 'expired')
                                    ELSE true END
                               AND (e.condition IS NULL
                                    OR coalesce(jsonb_path_match(coalesce(up.result, 'null'::jsonb),
                                                                 e.condition::jsonpath, '{}'::jsonb, true), false))
                          THEN 'satisfied' ELSE 'impossible' END,
        upstream_outcome = p_outcome,
        -- t, f or n (null: not boolean, or an error): the first letter of the boolean as text.
        condition_result = CASE WHEN e.condition IS NULL THEN e.condition_result
                                ELSE coalesce(jsonb_path_match(coalesce(up.result, 'null'::jsonb),
                                                               e.condition::jsonpath, '{}'::jsonb, true)::text, 'n')::"char" END
    FROM ff_exec_core up
    WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = p_upstream_eid
      AND e.downstream_eid = ANY (p_children) AND e.edge_state = 'applied'
      AND (p_edge_id IS NULL OR e.edge_id = p_edge_id)
      AND up.partition_key = p_partition_key AND up.execution_id = p_upstream_eid
    RETURNING e.edge_id, e.flow_id, e.downstream_eid, e.data_passing_ref AS ref,
              e.edge_state = 'satisfied' AS satisfied,
              -- an impossible edge counts as skipped when its upstream was skipped (kind not any_outcome)
              p_outcome = 'skipped' AND e.dependency_kind IS DISTINCT FROM 'any_outcome' AS as_skip),
  passed AS (
    -- Every satisfied edge with a ref passes data: a success its result, any other outcome
    -- {"outcome", "failure_reason", "result"} (failure_reason read through to_jsonb, so it is
    -- null until ff_exec_core has that column).
    UPDATE ff_exec_core c
    SET payload = coalesce(c.payload, '{}'::jsonb) || d.passed
    FROM (SELECT r.downstream_eid AS down,
                 jsonb_object_agg(r.ref, CASE WHEN p_outcome = 'success' THEN u.result
                                              ELSE jsonb_build_object('outcome', p_outcome,
                                                                      'failure_reason', to_jsonb(ROW(u.*)::ff_exec_core)->'failure_reason',
                                                                      'result', u.result) END) AS passed
          FROM resolved r
          JOIN ff_exec_core u ON u.partition_key = p_partition_key AND u.execution_id = p_upstream_eid
          WHERE r.satisfied AND r.ref <> ''
          GROUP BY r.downstream_eid) d
    WHERE c.partition_key = p_partition_key AND c.execution_id = d.down AND c.lifecycle_phase <> 'terminal'
    RETURNING c.execution_id),
  counted AS (
    -- The group's flow_id comes from the edges (a join column, not the constant): with the
    -- constant, a never-analysed table makes the primary key's (partition_key, flow_id) prefix
    -- look like one row and the planner reads the whole flow's groups against the children;
    -- this way only a probe of the full key per child can use flow_id. The edges' ids travel
    -- with their group, so per_edge needs no join back to resolved.
    UPDATE ff_edge_group g
    SET running_count = g.running_count - n.n,
        success_count = g.success_count + n.ok,
        skip_count    = g.skip_count    + n.skip,
        fail_count    = g.fail_count    + n.n - n.ok - n.skip
    FROM (SELECT r.flow_id, r.downstream_eid AS down, count(*)::int AS n,
                 (count(*) FILTER (WHERE r.satisfied))::int AS ok,
                 (count(*) FILTER (WHERE NOT r.satisfied AND r.as_skip))::int AS skip,
                 array_agg(r.edge_id ORDER BY r.edge_id) AS edge_ids
          FROM resolved r GROUP BY r.flow_id, r.downstream_eid) n
    WHERE g.partition_key = p_partition_key AND g.flow_id = n.flow_id AND g.downstream_eid = n.down
    RETURNING g.downstream_eid AS down, n.edge_ids,
              CASE WHEN g.decision <> 'pending' THEN 'already_decided' ELSE _group_decision(ROW(g.*)::ff_edge_group) END AS verdict),
  per_edge AS (
    SELECT x.edge_id, k.down,
           CASE WHEN k.verdict = 'already_decided' OR x.n = cardinality(k.edge_ids)
                THEN k.verdict ELSE 'pending' END AS decision
    FROM counted k CROSS JOIN LATERAL unnest(k.edge_ids) WITH ORDINALITY AS x(edge_id, n))
  SELECT (SELECT array_agg(pe.edge_id ORDER BY pe.down, pe.edge_id) FROM per_edge pe),
         (SELECT array_agg(pe.decision ORDER BY pe.down, pe.edge_id) FROM per_edge pe),
         (SELECT array_agg(k.down ORDER BY k.down) FROM counted k WHERE k.verdict = 'satisfied'),
         (SELECT array_agg(k.down ORDER BY k.down) FROM counted k WHERE k.verdict = 'impossible'),
         p_edge_id IS NULL AND EXISTS (
           SELECT 1 FROM ff_edge e
           WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = p_upstream_eid
             AND e.edge_state = 'applied' AND NOT (e.downstream_eid = ANY (p_children))),
         (SELECT fl.public_flow_state FROM flow fl),
         (SELECT fl.graph_revision FROM flow fl),
         (SELECT fl.namespace FROM flow fl)
  INTO edge_ids, decisions, v_satisfied, v_impossible, others_left, public_flow_state, v_revision, v_namespace;
  -- One notification for the transaction, if the namespace opted in (the log row below is
  -- written directly). A statement of its own: inside the one above, which Citus runs on the
  -- flow's shard, its read of ff_namespace_notify would be a nested distributed query, which
  -- Citus refuses.
  PERFORM _notify_namespace(v_namespace);
  v_decided := coalesce(v_satisfied, '{}') || coalesce(v_impossible, '{}');

  -- 2. Only when a group decides (every group still pending, or decided before: nothing to act
  --    on). Record the decisions, once. satisfied + cancel_remaining: the upstreams of the edges still
  --    unresolved go to cancel_siblings_pending_members (flag set when any) with a job that
  --    cancels them one per transaction. A satisfied runnable child becomes eligible (an active
  --    one already runs; a terminal one, e.g. cancelled meanwhile, stays as it is).
  IF cardinality(v_decided) > 0 THEN
    WITH decided AS (
      UPDATE ff_edge_group g
      SET decision = d.decision,
          decided_at_ms = p_now_ms,
          cancel_siblings_pending_members = CASE
            WHEN d.decision = 'satisfied' AND g.policy->>'on_satisfied' = 'cancel_remaining' THEN
              -- (_canonical_execution_id, IMMUTABLE: Citus refuses the STABLE text || smallint here;
              -- p_partition_key, not g's column: correlated on the column, Citus runs the UPDATE on
              -- every shard.)
              (SELECT coalesce(array_agg(DISTINCT _canonical_execution_id(e.partition_key, e.upstream_eid)), '{}')
               FROM ff_edge e
               WHERE e.partition_key = p_partition_key AND e.flow_id = g.flow_id
                 AND e.downstream_eid = g.downstream_eid AND e.edge_state = 'applied')
            ELSE '{}' END
      -- A probe of the full key per group, as in counted: flow_id is a join column, unnested
      -- alongside each child, and the arrays are sub-SELECTs (parameters), so the planner counts
      -- on a few children, not on all of them, and prefers a probe each to the partition's groups.
      FROM (SELECT x.down, x.flow_id, CASE WHEN x.down = ANY (v_satisfied) THEN 'satisfied' ELSE 'impossible' END
            FROM unnest((SELECT v_decided), (SELECT array_fill(p_flow_id, ARRAY[cardinality(v_decided)]))) x(down, flow_id)
           ) d(down, flow_id, decision)
      WHERE g.partition_key = p_partition_key AND g.flow_id = d.flow_id AND g.downstream_eid = d.down
      RETURNING g.downstream_eid, g.decision, cardinality(g.cancel_siblings_pending_members) > 0 AS cancel_siblings),
    released AS (
      UPDATE ff_exec_core e
      SET eligibility_state = 'eligible_now',
          blocking_reason = 'waiting_for_worker',
          public_state = 'waiting'
      FROM decided d
      WHERE d.decision = 'satisfied' AND e.partition_key = p_partition_key AND e.execution_id = d.downstream_eid
        AND e.lifecycle_phase = 'runnable'
      RETURNING ROW(e.*)::ff_exec_core AS e)
    SELECT (SELECT array_agg(r.e ORDER BY (r.e).execution_id) FROM released r),
           (SELECT array_agg(d.downstream_eid ORDER BY d.downstream_eid) FROM decided d WHERE d.cancel_siblings)
    INTO v_released, v_cancelling;
  END IF;

  -- The caller's log row, when an edge was resolved (nothing resolved: a replay, which writes
  -- nothing; p_log_operation NULL: no row), before the skipped children's own rows. One edge
  -- (p_edge_id): p_log_arguments and its decision. Else p_log_arguments, the resolved edges with
  -- their decisions in the order of edge_ids, and the children this made eligible, when any. A
  -- statement of its own: an INSERT into ff_flow_event (identity key) in a data-modifying CTE
  -- runs on Citus as one statement per shard.
  IF p_log_operation IS NOT NULL AND edge_ids IS NOT NULL THEN
    -- (The arguments first, then the INSERT: Citus refuses a subquery inside INSERT ... VALUES.)
    IF p_edge_id IS NOT NULL THEN
      v_log_arguments := p_log_arguments || jsonb_build_object('decision', decisions[1]);
    ELSE
      SELECT p_log_arguments
             || jsonb_build_object('resolved', jsonb_agg(jsonb_build_object('edge_id', l.edge_id, 'decision', l.decision) ORDER BY l.n))
             || CASE WHEN v_released IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('released',
                  ARRAY(SELECT _canonical_execution_id(p_partition_key, r.execution_id) FROM unnest(v_released) r ORDER BY r.execution_id)) END
      INTO v_log_arguments
      FROM unnest(edge_ids, decisions) WITH ORDINALITY AS l(edge_id, decision, n);
    END IF;
    INSERT INTO ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
    VALUES (p_partition_key, p_flow_id, v_revision, p_log_operation, v_log_arguments, p_now_ms);
  END IF;
  IF cardinality(v_decided) = 0 THEN
    RETURN;
  END IF;

  v_specs := '{}';
  IF v_cancelling IS NOT NULL THEN
    -- (Rare: a cancel_remaining group satisfied with upstreams still unresolved.)
    UPDATE ff_edge_group g
    SET cancel_siblings_pending_flag = true
    WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id AND g.downstream_eid = ANY (v_cancelling);
    SELECT array_agg(ROW('flowstage__cancel_siblings',
                         json_build_object('flow_id', p_flow_id,
                                           'downstream_execution_id', '{fp:' || p_partition_key || '}:' || x),
                         NULL, NULL, NULL, 'flowstage:cancel_siblings:' || x, NULL, NULL)::graphile_worker.job_spec ORDER BY x)
    INTO v_specs
    FROM unnest(v_cancelling) x;
  END IF;

  -- 3. Released children of a started flow are enqueued here. The shared lock on the flow's
  --    ff_flow_start_lock row pairs with the exclusive one of ff_start_flow, ff_pause_flow and
  --    ff_resume_flow: either such a call committed first and this statement sees started_at_ms /
  --    paused_at_ms, or it waits for us and then finds these children eligible (a start enqueues
  --    them, a pause holds them and removes their jobs). (The flow row cannot be locked here:
  --    children are locked, and the flow row comes first in the lock order.) A paused flow holds
  --    them instead: blocking_reason flow_paused. The lock is taken whether or not the flow is
  --    started, because a pause can come at any time.
  IF v_released IS NOT NULL THEN
    PERFORM _lock_flow_start(p_partition_key, p_flow_id, false);
    SELECT v_specs || coalesce(array_agg(_run_job_spec(x, ROW(f.*)::ff_flow_core) ORDER BY x.execution_id)
                               FILTER (WHERE x.raw_fields ? 'task_identifier' AND f.raw_fields ? 'started_at_ms'
                                         AND NOT (f.raw_fields ? 'paused_at_ms')), '{}'),
           bool_or(f.raw_fields ? 'paused_at_ms')
    INTO v_specs, v_paused
    FROM unnest(v_released) x
    JOIN ff_flow_core f ON f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
    IF v_paused THEN
      UPDATE ff_exec_core e
      SET blocking_reason = 'flow_paused'
      WHERE e.partition_key = p_partition_key AND e.execution_id = ANY (ARRAY(SELECT (x).execution_id FROM unnest(v_released) x));
    END IF;
  END IF;

  -- 4. Impossible: a non-terminal child is skipped now; the edges going out of it are resolved by
  --    a later transaction, its flowstage__cascade job: one hop per transaction.
  IF v_impossible IS NOT NULL THEN
    FOR v_child IN
      SELECT e.* FROM unnest(v_impossible) k(x)
      CROSS JOIN LATERAL (SELECT * FROM ff_exec_core e
                          WHERE e.partition_key = p_partition_key AND e.execution_id = k.x
                            AND e.lifecycle_phase <> 'terminal' OFFSET 0) e  -- a probe per child
      ORDER BY e.execution_id
    LOOP
      v_spec := _finish_execution(v_child, 'skipped', NULL, p_now_ms, p_cascade => true, p_notify => false);
      IF NOT (v_spec IS NULL) THEN  -- (a row IS NULL only when every field is)
        v_specs := v_specs || v_spec;
      END IF;
      skipped := skipped || v_child.execution_id;
    END LOOP;
  END IF;

  -- One add_jobs call for everything this hop enqueues: released children, sibling
  -- cancellations, the deferred hops of skipped children.
  PERFORM _add_jobs(v_specs);
END;
$$;

COMMENT ON FUNCTION flowfabric._resolve_edges(smallint, uuid, uuid, text, uuid[], uuid, bigint, text, jsonb) IS
  'Private. Resolves the applied edges from terminal execution p_upstream_eid (outcome p_outcome, its terminal_outcome) into the children p_children, which the caller holds FOR UPDATE (all such edges, or only edge p_edge_id when given). Per edge (docs/semantics.md §10.1): edge_state satisfied when its dependency_kind allows the outcome (success_only: success; failure_only: failed, expired; any_outcome: every outcome) and its condition, if any, is true on the upstream''s result (jsonb_path_match, silent: false, non-boolean or erroring -> not true), else impossible; resolved_at_ms, upstream_outcome, and condition_result (true | false | null) for an edge with a condition; data passing (satisfied edge, non-empty data_passing_ref, non-terminal child: the upstream''s result after a success, else {outcome, failure_reason, result}, merged into the child''s payload under the ref) before any decision; one unit per edge from running_count into success_count (satisfied), skip_count (impossible, upstream skipped, kind not any_outcome) or fail_count (any other impossible edge). A group still pending evaluates its policy (_group_decision) on its new counters: satisfied -> decision recorded, a runnable child becomes eligible_now / waiting_for_worker / waiting and, if the flow is started, gets its run job (a paused flow holds it instead: blocking_reason flow_paused, no job); cancel_remaining records the upstreams of the still-unresolved edges in cancel_siblings_pending_members (flag set when any) with a flowstage__cancel_siblings job. impossible -> decision recorded, a non-terminal child is finished skipped (attempt_state none if it never ran) and its own outgoing edges are deferred to its flowstage__cascade job (outbox row). A decided group counts but never decides again. Everything enqueued goes into one graphile_worker.add_jobs call. Logs one row for the caller when p_log_operation is given and an edge was resolved (operation p_log_operation, written before the skipped children''s rows; nothing resolved writes nothing): with p_edge_id, p_log_arguments plus decision; else p_log_arguments plus resolved [{edge_id, decision}] in the order of edge_ids (within one child''s edges the last, by edge_id, carries the group''s decision, the others pending) and released [canonical ids of the children made eligible_now] (left out when none); then complete_execution per skipped child; and notifies the flow''s namespace (_notify_namespace) once for the transaction, so a caller may log without notifying. Returns edge_ids (resolved now, by downstream then edge_id; NULL when none), decisions (per edge: pending | satisfied | impossible | already_decided), skipped (children skipped now) others_left (p_edge_id NULL only: applied edges from the upstream into children not in p_children remain) and public_flow_state (the flow''s state as this call read it). Locks: the edges, then the groups (children first, by the caller); when it releases a child, the flow''s ff_flow_start_lock row FOR SHARE (_lock_flow_start: paired with ff_start_flow, ff_pause_flow and ff_resume_flow).';
