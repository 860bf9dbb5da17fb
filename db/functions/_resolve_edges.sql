-- _resolve_edges: one hop of the completion cascade, set-based: resolve a terminal upstream's
-- applied edges into children the caller holds locked, act on every group that decides, and
-- enqueue what that releases with one graphile_worker.add_jobs call.
--
-- Every path that resolves edges comes here: ff_complete_execution (all outgoing edges, in the
-- completing transaction), ff_cascade_step (the deferred hop of a skipped or cancelled
-- execution), ff_resolve_dependency (one edge; also the late edge of ff_apply_dependency_to_child).
-- The statements run once per call, not once per edge: the edges (one UPDATE), the data passed
-- (one UPDATE), the group counters (one UPDATE), the released children (one UPDATE), the log
-- (one INSERT) and the queue (one add_jobs). Only groups that decide now, and children skipped
-- now, are handled one at a time: each happens once in a child's life.
CREATE OR REPLACE FUNCTION flowfabric._resolve_edges(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_upstream_eid  uuid,
  p_outcome       text,
  p_children      uuid[],
  p_edge_id       uuid,
  p_now_ms        bigint)
RETURNS TABLE (edge_id uuid, downstream_eid uuid, decision text, child_skipped boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_flow       ff_flow_core;
  v_edges      uuid[];
  v_downs      uuid[];
  v_refs       text[];
  v_group      ff_edge_group;
  v_decision   text;
  v_groups     uuid[] := '{}';  -- children whose group counted edges now, and what each group says
  v_decisions  text[] := '{}';
  v_satisfied  uuid[] := '{}';
  v_impossible uuid[] := '{}';
  v_siblings   text[];
  v_released   ff_exec_core[];
  v_child      ff_exec_core;
  v_skipped    uuid[] := '{}';
  v_specs      graphile_worker.job_spec[] := '{}';
  v_spec       graphile_worker.job_spec;
BEGIN
  -- 1. The edges record their resolution (only applied ones: a concurrent resolver's are skipped).
  WITH resolved AS (
    UPDATE ff_edge e
    SET policy = e.policy || jsonb_build_object(
          'edge_state', CASE WHEN p_outcome = 'success' THEN 'satisfied' ELSE 'impossible' END,
          'resolved_at_ms', p_now_ms,
          'upstream_outcome', p_outcome)
    WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.upstream_eid = p_upstream_eid
      AND e.downstream_eid = ANY (p_children) AND e.policy->>'edge_state' = 'applied'
      AND (p_edge_id IS NULL OR e.edge_id = p_edge_id)
    RETURNING e.edge_id, e.downstream_eid, e.policy->>'data_passing_ref' AS ref)
  SELECT array_agg(r.edge_id ORDER BY r.downstream_eid, r.edge_id),
         array_agg(r.downstream_eid ORDER BY r.downstream_eid, r.edge_id),
         array_agg(coalesce(r.ref, '') ORDER BY r.downstream_eid, r.edge_id)
  INTO v_edges, v_downs, v_refs
  FROM resolved r;
  IF v_edges IS NULL THEN
    RETURN;  -- nothing left to resolve
  END IF;
  SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;

  -- 2. Data passing, at the edges' resolution and before any decision: a success hands its result
  --    to every non-terminal child under each edge's ref (several refs of one child merge).
  IF p_outcome = 'success' AND EXISTS (SELECT 1 FROM unnest(v_refs) x(ref) WHERE x.ref <> '') THEN
    UPDATE ff_exec_core c
    SET payload = coalesce(c.payload, '{}'::jsonb) || d.passed
    FROM (SELECT x.down, jsonb_object_agg(x.ref, u.result) AS passed
          FROM unnest(v_downs, v_refs) x(down, ref)
          CROSS JOIN (SELECT e.result FROM ff_exec_core e
                      WHERE e.partition_key = p_partition_key AND e.execution_id = p_upstream_eid) u
          WHERE x.ref <> ''
          GROUP BY x.down) d
    WHERE c.partition_key = p_partition_key AND c.execution_id = d.down AND c.lifecycle_phase <> 'terminal';
  END IF;

  -- 3. Count the edges in their children's groups (one unit each out of running_count) and
  --    evaluate each group's policy. A decided group counts but never decides again.
  FOR v_group IN
    WITH counted AS (
      SELECT x.down, count(*)::int AS n FROM unnest(v_downs) x(down) GROUP BY x.down)
    UPDATE ff_edge_group g
    SET running_count = g.running_count - c.n,
        success_count = g.success_count + CASE WHEN p_outcome = 'success' THEN c.n ELSE 0 END,
        skip_count    = g.skip_count    + CASE WHEN p_outcome = 'skipped' THEN c.n ELSE 0 END,
        fail_count    = g.fail_count    + CASE WHEN p_outcome NOT IN ('success', 'skipped') THEN c.n ELSE 0 END
    FROM counted c
    WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id AND g.downstream_eid = c.down
    RETURNING g.*
  LOOP
    IF v_group.decision <> 'pending' THEN
      v_decision := 'already_decided';
    ELSE
      v_decision := _group_decision(v_group);
      IF v_decision IS NULL THEN
        RAISE EXCEPTION 'flowstage bug: edge group of % has an unknown policy %', v_group.downstream_eid, v_group.policy;
      END IF;
    END IF;
    v_groups := v_groups || v_group.downstream_eid;
    v_decisions := v_decisions || v_decision;
    IF v_decision IN ('satisfied', 'impossible') THEN
      -- 4. Record the decision, once. cancel_remaining: the upstreams of the edges still unresolved.
      v_siblings := NULL;
      IF v_decision = 'satisfied' AND v_group.policy->>'on_satisfied' = 'cancel_remaining' THEN
        SELECT coalesce(array_agg(DISTINCT _canonical_execution_id(e.partition_key, e.upstream_eid)), '{}')
        INTO v_siblings
        FROM ff_edge e
        WHERE e.partition_key = p_partition_key AND e.flow_id = p_flow_id
          AND e.downstream_eid = v_group.downstream_eid AND e.policy->>'edge_state' = 'applied';
      END IF;
      UPDATE ff_edge_group g
      SET decision = v_decision,
          decided_at_ms = p_now_ms,
          cancel_siblings_pending_flag = coalesce(cardinality(v_siblings) > 0, false),
          cancel_siblings_pending_members = coalesce(v_siblings, '{}')
      WHERE g.partition_key = p_partition_key AND g.flow_id = p_flow_id AND g.downstream_eid = v_group.downstream_eid;
      IF cardinality(v_siblings) > 0 THEN
        -- Cancelling the siblings locks each of them: a job of its own, one sibling per transaction.
        v_specs := v_specs || ROW('flowstage__cancel_siblings',
          json_build_object('flow_id', p_flow_id,
                            'downstream_execution_id', _canonical_execution_id(p_partition_key, v_group.downstream_eid)),
          NULL, NULL, NULL, 'flowstage:cancel_siblings:' || v_group.downstream_eid, NULL, NULL)::graphile_worker.job_spec;
      END IF;
      IF v_decision = 'satisfied' THEN
        v_satisfied := v_satisfied || v_group.downstream_eid;
      ELSE
        v_impossible := v_impossible || v_group.downstream_eid;
      END IF;
    END IF;
  END LOOP;

  -- 5. Satisfied: a runnable child becomes eligible (an active one already runs; a terminal one,
  --    e.g. cancelled meanwhile, stays as it is) and, once its flow is started, is enqueued here.
  IF cardinality(v_satisfied) > 0 THEN
    WITH released AS (
      UPDATE ff_exec_core e
      SET eligibility_state = 'eligible_now',
          blocking_reason = 'waiting_for_worker',
          public_state = 'waiting'
      WHERE e.partition_key = p_partition_key AND e.execution_id = ANY (v_satisfied) AND e.lifecycle_phase = 'runnable'
      RETURNING e)
    SELECT array_agg(r.e) INTO v_released FROM released r;
    IF v_released IS NOT NULL THEN
      -- The shared advisory lock pairs with ff_start_flow's exclusive one: either the start
      -- committed first and we see started_at_ms, or it waits for us and then finds these
      -- children eligible. (The flow row cannot be locked here: children are locked, and the
      -- flow row comes first in the lock order.)
      PERFORM pg_advisory_xact_lock_shared(hashtextextended('flowstage.start_flow:' || p_flow_id, 0));
      SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
      IF v_flow.raw_fields ? 'started_at_ms' THEN
        SELECT v_specs || coalesce(array_agg(_run_job_spec(x, v_flow) ORDER BY x.execution_id)
                                   FILTER (WHERE x.raw_fields ? 'task_identifier'), '{}')
        INTO v_specs
        FROM unnest(v_released) x;
      END IF;
    END IF;
  END IF;

  -- 6. The log: one resolve_dependency per edge. Within a child's edges (ordered by edge_id) the
  --    last carries the group's decision and the others pending, as if resolved one by one.
  INSERT INTO ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  SELECT p_partition_key, p_flow_id, v_flow.graph_revision, 'resolve_dependency',
         jsonb_build_object('edge_id', x.edge, 'upstream_outcome', p_outcome, 'decision', x.decision),
         p_now_ms
  FROM (
    SELECT r.edge,
           CASE WHEN g.decision = 'already_decided' OR r.n = r.last THEN g.decision ELSE 'pending' END AS decision,
           r.ord
    FROM (SELECT u.edge, u.down, u.ord,
                 row_number() OVER (PARTITION BY u.down ORDER BY u.edge) AS n,
                 count(*) OVER (PARTITION BY u.down) AS last
          FROM unnest(v_edges, v_downs) WITH ORDINALITY u(edge, down, ord)) r
    JOIN unnest(v_groups, v_decisions) g(down, decision) ON g.down = r.down
  ) x
  ORDER BY x.ord;
  PERFORM _notify_namespace(v_flow.raw_fields->>'namespace');

  -- 7. Impossible: a non-terminal child is skipped now; the edges going out of it are resolved by
  --    a later transaction (its flowstage__cascade job): one hop per transaction.
  FOR v_child IN
    SELECT * FROM ff_exec_core e
    WHERE e.partition_key = p_partition_key AND e.execution_id = ANY (v_impossible) AND e.lifecycle_phase <> 'terminal'
    ORDER BY e.execution_id
  LOOP
    v_spec := _finish_execution(v_child, 'skipped', NULL, p_now_ms, p_cascade => true);
    IF NOT (v_spec IS NULL) THEN  -- (a row IS NULL only when every field is)
      v_specs := v_specs || v_spec;
    END IF;
    v_skipped := v_skipped || v_child.execution_id;
  END LOOP;

  -- 8. One add_jobs call for everything this hop enqueues: released children, sibling
  --    cancellations, the deferred hops of skipped children.
  IF cardinality(v_specs) > 0 THEN
    PERFORM graphile_worker.add_jobs(v_specs);
  END IF;

  RETURN QUERY
  SELECT r.edge, r.down,
         CASE WHEN g.decision = 'already_decided' OR r.n = r.last THEN g.decision ELSE 'pending' END,
         r.down = ANY (v_skipped)
  FROM (SELECT u.edge, u.down, u.ord,
               row_number() OVER (PARTITION BY u.down ORDER BY u.edge) AS n,
               count(*) OVER (PARTITION BY u.down) AS last
        FROM unnest(v_edges, v_downs) WITH ORDINALITY u(edge, down, ord)) r
  JOIN unnest(v_groups, v_decisions) g(down, decision) ON g.down = r.down
  ORDER BY r.ord;
END;
$$;

COMMENT ON FUNCTION flowfabric._resolve_edges(smallint, uuid, uuid, text, uuid[], uuid, bigint) IS
  'Private. Resolves the applied edges from terminal execution p_upstream_eid (outcome p_outcome, its terminal_outcome) into the children p_children, which the caller holds FOR UPDATE (all of them, or only edge p_edge_id when given). Per edge: edge_state satisfied (success) or impossible, resolved_at_ms, upstream_outcome; data passing (success, non-empty data_passing_ref, non-terminal child: the upstream''s result merged into the child''s payload under the ref) before any decision; one unit per edge from running_count into success_count, skip_count or fail_count. A group still pending evaluates its policy (_group_decision) once per call: satisfied -> decision recorded, a runnable child becomes eligible_now / waiting_for_worker / waiting and, if the flow is started, gets its run job; cancel_remaining records the upstreams of the still-unresolved edges in cancel_siblings_pending_members (flag set when any) with a flowstage__cancel_siblings job. impossible -> decision recorded, a non-terminal child is finished skipped (attempt_state none if it never ran) and its own outgoing edges are deferred to its flowstage__cascade job (outbox row). A decided group counts but never decides again (already_decided). Everything enqueued goes into one graphile_worker.add_jobs call. Logs resolve_dependency per edge (within one child''s edges the last, by edge_id, carries the decision, the others pending) and complete_execution per skipped child. Returns one row per edge resolved now (edges already resolved are not returned): (edge_id, downstream_eid, decision pending | satisfied | impossible | already_decided, child_skipped). Locks: the edges, then the groups (children first, by the caller); a shared transaction advisory lock on the flow''s start key when it releases a child (see ff_start_flow).';
