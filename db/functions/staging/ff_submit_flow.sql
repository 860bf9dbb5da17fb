-- ff_submit_flow: build or extend a flow from a whole plan (executions, fan-in groups, edges) in one call, all or nothing.
--
-- Set-based throughout: the plan is read once into an ff_submit_plan (_submit_parse_plan: an
-- array of typed rows per section), every check is a join or a window over those rows and the few rows the plan touches (read by key with
-- `= ANY`), and every write is one INSERT ... SELECT or UPDATE per table. The flow row is written
-- once and the mutation log gets one submit_flow row per call (plus create_flow for a new flow).
--
-- Planner settings, measured on a 10,000-execution / 29,700-edge plan: plan_cache_mode =
-- force_custom_plan plans each statement with the arrays as constants, so unnest() is estimated
-- at its real size (a generic plan assumes 10 rows and joins two 30,000-row arrays with a nested
-- loop) and `x = ANY (array)` membership tests are hashed; enable_seqscan/enable_bitmapscan off
-- keep the `= ANY` reads on their keys whatever the table statistics (a never-analysed table
-- included); jit off (JIT compiling these statements cost more than running them).
CREATE OR REPLACE FUNCTION flowfabric.ff_submit_flow(
  p_flow_id                 uuid,
  p_plan                    jsonb,
  p_expected_graph_revision bigint  DEFAULT NULL,
  p_start                   boolean DEFAULT false,
  p_dry_run                 boolean DEFAULT false,
  p_flow_kind               text    DEFAULT 'dag',
  p_namespace               text    DEFAULT 'default',
  p_now_ms                  bigint  DEFAULT NULL)
RETURNS TABLE (
  status             flowfabric.ff_submit_flow_status,
  graph_revision     flowfabric.ff_revision,
  executions_created flowfabric.ff_count,
  members_added      flowfabric.ff_count,
  edges_staged       flowfabric.ff_count,
  edges_applied      flowfabric.ff_count,
  groups_set         flowfabric.ff_count,
  started            flowfabric.ff_flag)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_mergejoin = off
SET work_mem = '64MB'
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
  v_now            bigint;
  v_partition      smallint;
  v_key            text;
  v_items          bigint;
  v_result         record;
  v_flow           ff_flow_core;
  v_new_flow       boolean := false;
  v_base           bigint;
  v_namespace      text;
  v_plan           ff_submit_plan;  -- the plan, parsed (element i + 1 of a section = item i)
  v_execution_ids  uuid[];          -- its execution items' ids, in plan order (for = ANY tests)
  v_edge_ids       uuid[];          -- its edge items' edge_ids
  v_child_ids      uuid[];          -- its edge items' downstreams
  v_se_kinds       jsonb[] := '{}'::jsonb[];
  -- executions
  v_distinct_executions int;
  v_distinct_edges      int;
  v_created        uuid[] := '{}'::uuid[];
  v_default_policy jsonb;  -- the plan's default_policy (docs/semantics.md §9.1)
  v_lookup         uuid[];
  v_r_ids          uuid[] := '{}'::uuid[];   -- rows the plan names that it did not create, locked
  v_r_partitions   smallint[] := '{}'::smallint[];
  v_r_flows        uuid[] := '{}'::uuid[];
  v_r_phases       text[] := '{}'::text[];
  v_members_before uuid[] := '{}'::uuid[];   -- of those, the flow's members before the plan
  v_adopted        uuid[] := '{}'::uuid[];   -- of those, executions without a flow that the plan adds
  v_terminal       uuid[] := '{}'::uuid[];   -- of those, the terminal ones
  v_mismatched     uuid[] := '{}'::uuid[];   -- of those, the ones on another partition
  v_added          uuid[] := '{}'::uuid[];   -- members added, in revision order
  v_m              int := 0;
  -- groups
  v_sg_ids         uuid[] := '{}'::uuid[];   -- stored groups of the downstreams the plan touches
  v_sg_policies    jsonb[] := '{}'::jsonb[];
  v_sg_counted     int[] := '{}'::int[];
  v_sg_decisions   text[] := '{}'::text[];
  v_decided        uuid[] := '{}'::uuid[];
  v_groups_set     int := 0;
  v_group_log      jsonb := '[]'::jsonb;
  v_policy_ids     uuid[] := '{}'::uuid[];   -- downstreams whose policy the plan sets, with the final policy
  v_policy_values  jsonb[] := '{}'::jsonb[];
  v_policy_k       int[] := '{}'::int[];
  -- edges
  v_se_ids         uuid[] := '{}'::uuid[];   -- stored edges with the plan's edge_ids
  v_se_ups         uuid[] := '{}'::uuid[];
  v_se_downs       uuid[] := '{}'::uuid[];
  v_se_states      text[] := '{}'::text[];
  v_failure        int;              -- 1-based place of the first edge item that fails a check other than the cycle check
  v_failure_kind   text;
  v_repeated       uuid[] := '{}'::uuid[];
  v_new_ids        uuid[] := '{}'::uuid[];
  v_new_ups        uuid[] := '{}'::uuid[];
  v_new_downs      uuid[] := '{}'::uuid[];
  v_new_refs       text[] := '{}'::text[];
  v_new_kinds      jsonb[] := '{}'::jsonb[];  -- when the plan has kinds
  v_new_places     int[] := '{}'::int[];
  v_forward        boolean := true;
  v_into_added     boolean;          -- every new edge points at an execution the plan adds
  v_apply_existing uuid[] := '{}'::uuid[];
  v_applied_downs  uuid[] := '{}'::uuid[];
  v_late_ids       uuid[] := '{}'::uuid[];
  v_e              int := 0;
  v_applied        int := 0;
  v_bound          int;
  v_closing        int;
  v_place          int;
  v_open_before    int;              -- the flow's open members, the plan's created ones included
  v_finish_place   int;              -- 1-based place of the execution item that would finish a started flow
  v_fail_id        uuid;
  v_fail_partition smallint;
  v_fail_flow      uuid;
  v_fail_policy    jsonb;
  v_fail_stored    jsonb;
  v_fail_counted   int;
  v_fail_kind      text;
  v_edge           ff_edge;
  v_exec           ff_exec_core;
  v_log            jsonb;
  v_specs          graphile_worker.job_spec[];
BEGIN
  -- Argument validation (invalid_input, DETAIL names the parameter or the item's field).
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_expected_graph_revision < 0 THEN
    PERFORM _raise('invalid_input', format('p_expected_graph_revision: must be NULL or a revision >= 0 (got %s)', p_expected_graph_revision));
  END IF;
  IF p_start IS NULL THEN
    PERFORM _raise('invalid_input', 'p_start: must not be null');
  END IF;
  IF p_dry_run IS NULL THEN
    PERFORM _raise('invalid_input', 'p_dry_run: must not be null');
  END IF;
  IF p_flow_kind IS NULL OR octet_length(p_flow_kind) NOT BETWEEN 1 AND 1024 THEN
    PERFORM _raise('invalid_input', format('p_flow_kind: must be 1 to 1024 bytes (got %s)',
      CASE WHEN p_flow_kind IS NULL THEN 'NULL' ELSE octet_length(p_flow_kind) || ' bytes' END));
  END IF;
  -- The namespace names the pg_notify channel "flowstage:<namespace>", at most 63 bytes.
  IF p_namespace IS NULL OR p_namespace = '' OR octet_length(p_namespace) > 53 THEN
    PERFORM _raise('invalid_input', format('p_namespace: must be 1 to 53 bytes (got %s)', _submit_quote(to_jsonb(p_namespace))));
  END IF;
  v_now := _now_ms(p_now_ms);
  IF p_plan IS NULL THEN
    PERFORM _raise('invalid_input', 'p_plan: must not be null');
  END IF;
  IF jsonb_typeof(p_plan) <> 'object' THEN
    PERFORM _raise('invalid_input',
      format('p_plan: must be a JSON object {"executions": [...], "groups": [...], "edges": [...]} (got a JSON %s)', jsonb_typeof(p_plan)));
  END IF;
  SELECT k INTO v_key FROM jsonb_object_keys(p_plan) k WHERE k NOT IN ('executions', 'groups', 'edges', 'default_policy') ORDER BY k LIMIT 1;
  IF v_key IS NOT NULL THEN
    PERFORM _raise('invalid_input', format('p_plan.%s: unknown key; a plan has executions, groups, edges, default_policy', left(v_key, 200)));
  END IF;
  v_default_policy := _run_policy('p_plan.default_policy', nullif(p_plan->'default_policy', 'null'::jsonb));
  FOREACH v_key IN ARRAY ARRAY['executions', 'groups', 'edges'] LOOP
    IF jsonb_typeof(p_plan->v_key) NOT IN ('array', 'null') THEN
      PERFORM _raise('invalid_input', format('p_plan.%s: must be a JSON array (got a JSON %s)', v_key, jsonb_typeof(p_plan->v_key)));
    END IF;
  END LOOP;
  v_items := coalesce(jsonb_array_length(nullif(p_plan->'executions', 'null'::jsonb)), 0)
           + coalesce(jsonb_array_length(nullif(p_plan->'groups', 'null'::jsonb)), 0)
           + coalesce(jsonb_array_length(nullif(p_plan->'edges', 'null'::jsonb)), 0);
  IF v_items > 100000 THEN
    PERFORM _raise('invalid_input', format('p_plan: at most 100000 items (executions + groups + edges) per call (got %s)', v_items),
      'Submit the plan in parts: each later part may name members and edges of the earlier ones.');
  END IF;

  IF p_dry_run THEN
    -- The real call in a subtransaction, rolled back through the private sentinel SQLSTATE
    -- FF900: every check runs exactly as in a real call (refusals propagate unchanged), and
    -- nothing it wrote survives.
    BEGIN
      SELECT * INTO v_result FROM ff_submit_flow(p_flow_id, p_plan, p_expected_graph_revision, p_start, false,
                                                 p_flow_kind, p_namespace, v_now);
      RAISE EXCEPTION USING ERRCODE = 'FF900', MESSAGE = 'flowstage private: dry run rollback',
        DETAIL = 'Raised by ff_submit_flow''s dry run and caught by it; never reaches a caller.';
    EXCEPTION WHEN SQLSTATE 'FF900' THEN
      NULL;
    END;
    status := CASE v_result.status WHEN 'submitted' THEN 'would_submit' ELSE v_result.status END;
    graph_revision := CASE v_result.status WHEN 'submitted'
                        THEN v_result.graph_revision - v_result.members_added - v_result.edges_staged
                        ELSE v_result.graph_revision END;
    executions_created := v_result.executions_created;
    members_added := v_result.members_added;
    edges_staged := v_result.edges_staged;
    edges_applied := v_result.edges_applied;
    groups_set := v_result.groups_set;
    started := v_result.started;
    RETURN NEXT;
    RETURN;
  END IF;

  v_plan := _submit_parse_plan(p_plan);
  v_partition := ff_flow_partition(p_flow_id);

  ---------------------------------------------------------------------------------------------
  -- The flow. A replay (already_submitted) is answered from an unlocked read, before the
  -- terminal check: an identical resubmission to a finished flow changes nothing, so it is a
  -- no-op there too (docs/semantics.md §4.7; the exact-retry idea of §4.3).
  SELECT * INTO v_flow FROM ff_flow_core f WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;
  IF v_flow.flow_id IS NOT NULL AND _submit_is_replay(v_partition, p_flow_id, v_plan) THEN
    RETURN QUERY SELECT * FROM _submit_replayed(v_flow, p_start, v_now);
    RETURN;
  END IF;
  -- The plan's ids as sets, for the = ANY tests below (a replay needs none of this); the distinct
  -- executions and edge_ids, and the edge_ids named by more than one item (their first item
  -- decides what the later ones are), in one hash aggregate each.
  v_execution_ids := ARRAY(SELECT x.execution_id FROM unnest(v_plan.executions) x);
  v_edge_ids := ARRAY(SELECT e.edge_id FROM unnest(v_plan.edges) e);
  v_child_ids := ARRAY(SELECT e.downstream_eid FROM unnest(v_plan.edges) e);
  SELECT count(*)::int INTO v_distinct_executions FROM (SELECT DISTINCT x FROM unnest(v_execution_ids) x) d;
  SELECT count(*)::int, coalesce(array_agg(g.id) FILTER (WHERE g.n > 1), '{}') INTO v_distinct_edges, v_repeated
  FROM (SELECT u.id, count(*) AS n FROM unnest(v_edge_ids) AS u(id) GROUP BY u.id) g;
  IF v_flow.flow_id IS NOT NULL THEN
    PERFORM _check_flow_open(v_flow);
  ELSE
    -- A new flow: its row is inserted now, with the counters a successful submission leaves (in
    -- a new flow every execution joins and every edge_id is staged once), so it is written once;
    -- concurrent callers wait on it. A refusal rolls it back with everything else.
    INSERT INTO ff_flow_core (partition_key, flow_id, graph_revision, public_flow_state, created_at_ms, raw_fields)
    VALUES (v_partition, p_flow_id, v_distinct_executions + v_distinct_edges, 'open', v_now,
            jsonb_build_object('flow_kind', p_flow_kind, 'namespace', p_namespace,
                               'node_count', v_distinct_executions, 'edge_count', v_distinct_edges,
                               'last_mutation_at_ms', v_now)
            || CASE WHEN v_default_policy IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('default_policy', v_default_policy) END)
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_flow;
    v_new_flow := FOUND;
  END IF;
  IF NOT v_new_flow THEN
    -- Write path: the flow row lock serialises every structural change of the flow.
    SELECT * INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id FOR UPDATE;
    IF v_flow.public_flow_state <> 'open'
       AND _submit_is_replay(v_partition, p_flow_id, v_plan) THEN
      -- the flow finished while we waited, and an identical submission had committed before
      RETURN QUERY SELECT * FROM _submit_replayed(v_flow, p_start, v_now);
      RETURN;
    END IF;
    PERFORM _check_flow_open(v_flow);
  END IF;
  v_base := CASE WHEN v_new_flow THEN 0 ELSE v_flow.graph_revision END;
  v_namespace := v_flow.raw_fields->>'namespace';
  IF p_expected_graph_revision IS NOT NULL AND p_expected_graph_revision <> v_base THEN
    -- A concurrent identical submission may have committed while we waited for the lock.
    IF NOT v_new_flow
       AND _submit_is_replay(v_partition, p_flow_id, v_plan) THEN
      RETURN QUERY SELECT * FROM _submit_replayed(v_flow, p_start, v_now);
      RETURN;
    END IF;
    PERFORM _raise('stale_graph_revision',
      format('flow_id=%s expected_graph_revision=%s current_graph_revision=%s', p_flow_id, p_expected_graph_revision, v_base));
  END IF;

  ---------------------------------------------------------------------------------------------
  -- Executions. Those missing are created on the flow's partition, already members (and, when
  -- an edge of the plan points at them, already blocked as the apply would leave them). The
  -- insert goes first: a uuid that exists anywhere conflicts in ff_execution_home and is left
  -- alone, so the rows the plan did not create are exactly the ones to check.
  WITH homed AS (
    INSERT INTO ff_execution_home (execution_id, home_partition)
    SELECT DISTINCT u.id, v_partition FROM unnest(v_execution_ids) AS u(id)
    ON CONFLICT DO NOTHING
    RETURNING execution_id)
  SELECT coalesce(array_agg(h.execution_id), '{}') INTO v_created FROM homed h;
  INSERT INTO ff_exec_core AS e (partition_key, execution_id, flow_id, lane_id, lifecycle_phase, ownership_state,
                                 eligibility_state, public_state, attempt_state, blocking_reason,
                                 priority, created_at_ms, payload, raw_fields)
  SELECT v_partition, x.id, p_flow_id, x.lane, 'runnable', 'unowned',
         CASE WHEN x.child THEN 'blocked_by_dependencies' ELSE 'eligible_now' END,
         CASE WHEN x.child THEN 'waiting_children' ELSE 'waiting' END,
         'pending_first_attempt',
         CASE WHEN x.child THEN 'waiting_for_children' ELSE 'waiting_for_worker' END,
         x.priority, v_now, x.payload,
         CASE WHEN x.task IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('task_identifier', x.task) END
  FROM (SELECT u.id, u.task, u.payload, u.priority, u.lane, u.id = ANY (v_child_ids) AS child,
               row_number() OVER (PARTITION BY u.id ORDER BY u.ord) AS nth
        FROM unnest(v_plan.executions) WITH ORDINALITY AS u(id, requested, task, payload, priority, lane, ord)
        JOIN unnest(v_created) AS c(id) ON c.id = u.id) x
  WHERE x.nth = 1;
  PERFORM _submit_apply_policies(v_partition, v_flow, p_plan, v_execution_ids, v_created, v_default_policy, v_now);

  -- Every other execution the plan names (its executions, edge endpoints, group downstreams),
  -- read and locked in uuid order.
  SELECT coalesce(array_agg(DISTINCT r.id), '{}') INTO v_lookup
  FROM (SELECT unnest(v_execution_ids || v_child_ids) AS id
        UNION ALL SELECT e.upstream_eid FROM unnest(v_plan.edges) e
        UNION ALL SELECT g.downstream_eid FROM unnest(v_plan.groups) g) r
  WHERE r.id <> ALL (v_created);
  IF cardinality(v_lookup) > 0 THEN
    SELECT coalesce(array_agg(e.execution_id ORDER BY e.execution_id), '{}'),
           coalesce(array_agg(e.partition_key ORDER BY e.execution_id), '{}'),
           coalesce(array_agg(e.flow_id ORDER BY e.execution_id), '{}'),
           coalesce(array_agg(e.lifecycle_phase ORDER BY e.execution_id), '{}')
    INTO v_r_ids, v_r_partitions, v_r_flows, v_r_phases
    FROM (SELECT e.execution_id, e.partition_key, e.flow_id, e.lifecycle_phase FROM ff_exec_core e
          WHERE e.partition_key = v_partition AND e.execution_id = ANY (v_lookup) ORDER BY e.execution_id FOR UPDATE) e;
    -- Those on another partition are refused below (partition_mismatch): read, not locked (a
    -- lock there would span shards on Citus), found through ff_execution_home.
    SELECT v_r_ids || coalesce(array_agg(e.execution_id), '{}'), v_r_partitions || coalesce(array_agg(e.partition_key), '{}'),
           v_r_flows || coalesce(array_agg(e.flow_id), '{}'), v_r_phases || coalesce(array_agg(e.lifecycle_phase), '{}')
    INTO v_r_ids, v_r_partitions, v_r_flows, v_r_phases
    FROM ff_execution_home h
    JOIN ff_exec_core e ON e.partition_key = h.home_partition AND e.execution_id = h.execution_id
    WHERE h.execution_id = ANY (v_lookup) AND h.home_partition <> v_partition;
    SELECT coalesce(array_agg(r.id) FILTER (WHERE r.flow_id = p_flow_id), '{}'),
           coalesce(array_agg(r.id) FILTER (WHERE r.flow_id IS NULL AND r.partition_key = v_partition AND r.id = ANY (v_execution_ids)), '{}'),
           coalesce(array_agg(r.id) FILTER (WHERE r.phase = 'terminal'), '{}'),
           coalesce(array_agg(r.id) FILTER (WHERE r.partition_key <> v_partition), '{}')
    INTO v_members_before, v_adopted, v_terminal, v_mismatched
    FROM unnest(v_r_ids, v_r_partitions, v_r_flows, v_r_phases) AS r(id, partition_key, flow_id, phase);
  END IF;

  -- Members added, in plan order (the first item of each execution): revisions base + 1 .. base + m.
  SELECT coalesce(array_agg(x.id ORDER BY x.ord), '{}') INTO v_added
  FROM (SELECT DISTINCT ON (u.id) u.id, u.ord FROM unnest(v_execution_ids) WITH ORDINALITY AS u(id, ord) ORDER BY u.id, u.ord) x
  WHERE x.id <> ALL (v_members_before);
  v_m := cardinality(v_added);

  -- A started flow whose members are all terminal finishes when a terminal execution joins it
  -- (ff_add_execution_to_flow), so called one by one, a plan whose first added member is already
  -- terminal finishes such a flow there, and its next item, whatever it is, is refused
  -- flow_already_terminal. The cheap tests first; the count of the flow's open members (the
  -- plan's created executions are open members already) only when they pass.
  IF v_flow.raw_fields ? 'started_at_ms' AND v_m > 0 AND v_added[1] = ANY (v_terminal) THEN
    SELECT count(*)::int INTO v_open_before FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.terminal_outcome = 'none';
    IF v_open_before = cardinality(v_created) THEN
      SELECT min(u.ord)::int INTO v_finish_place
      FROM unnest(v_execution_ids) WITH ORDINALITY AS u(id, ord) WHERE u.id = v_added[1];
    END IF;
  END IF;

  -- The first execution item a single call would refuse: partition_mismatch (its {fp:N}, or the
  -- stored row's partition), then already_member_of_different_flow.
  SELECT u.ord::int - 1, u.id, CASE WHEN u.requested <> v_partition THEN u.requested ELSE r.partition_key END, r.flow_id
  INTO v_place, v_fail_id, v_fail_partition, v_fail_flow
  FROM unnest(v_plan.executions) WITH ORDINALITY AS u(id, requested, task, payload, priority, lane, ord)
  LEFT JOIN unnest(v_r_ids, v_r_partitions, v_r_flows) AS r(id, partition_key, flow_id) ON r.id = u.id
  WHERE (u.requested <> v_partition OR r.partition_key <> v_partition OR r.flow_id <> p_flow_id)
    AND (v_finish_place IS NULL OR u.ord <= v_finish_place)
  ORDER BY u.ord
  LIMIT 1;
  IF v_place IS NOT NULL THEN
    IF v_fail_partition <> v_partition THEN
      PERFORM _raise('invalid_input',
        format('executions[%s]: partition_mismatch: execution_id %s is on partition %s, expected partition %s',
               v_place, v_fail_id, v_fail_partition, v_partition),
        'Create the execution with ff_create_execution(p_flow_id => <flow>) so it lives on the flow''s partition, and pass its canonical {fp:N}:<uuid> id.');
    END IF;
    PERFORM _raise('already_member_of_different_flow',
      format('executions[%s]: execution_id=%s member_of_flow_id=%s', v_place,
             _canonical_execution_id(v_partition, v_fail_id), v_fail_flow));
  END IF;
  IF v_finish_place IS NOT NULL AND v_finish_place < cardinality(v_execution_ids) + cardinality(v_plan.groups) + cardinality(v_plan.edges) THEN
    PERFORM _raise('flow_already_terminal',
      format('%s: flow_id=%s finished when executions[%s] (%s, already terminal) joined it, the last of its members to finish',
             CASE WHEN v_finish_place < cardinality(v_execution_ids) THEN format('executions[%s]', v_finish_place)
                  WHEN cardinality(v_plan.groups) > 0 THEN 'groups[0]'
                  ELSE 'edges[0]' END,
             p_flow_id, v_finish_place - 1, _canonical_execution_id(v_partition, v_added[1])));
  END IF;


  ---------------------------------------------------------------------------------------------
  -- Stored fan-in groups of the flow's existing members that the plan touches.
  IF NOT v_new_flow AND cardinality(v_members_before) > 0 THEN
    SELECT coalesce(array_agg(g.downstream_eid), '{}'), coalesce(array_agg(g.policy), '{}'),
           coalesce(array_agg(g.success_count + g.fail_count + g.skip_count + g.running_count), '{}'),
           coalesce(array_agg(g.decision), '{}')
    INTO v_sg_ids, v_sg_policies, v_sg_counted, v_sg_decisions
    FROM ff_edge_group g
    WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id
      AND g.downstream_eid = ANY (ARRAY(SELECT DISTINCT t.d FROM (SELECT u.downstream_eid FROM unnest(v_plan.groups) u
                                                                  UNION ALL SELECT unnest(v_child_ids)) AS t(d)
                                        WHERE t.d = ANY (v_members_before)));
    SELECT coalesce(array_agg(s.id) FILTER (WHERE s.decision <> 'pending'), '{}') INTO v_decided
    FROM unnest(v_sg_ids, v_sg_decisions) AS s(id, decision);
  END IF;

  -- Groups, item by item as ff_set_edge_group_policy would take them: the downstream must be a
  -- member (the plan's executions are by now); an item whose policy differs from the one in
  -- force at its turn (the previous item for that downstream, else the stored one) sets it, and
  -- is refused once an edge has been applied to that downstream.
  IF cardinality(v_plan.groups) > 0 THEN
    SELECT i.ord::int - 1, i.id, coalesce(i.requested, r.partition_key), i.policy, coalesce(i.previous, s.policy), s.counted,
           CASE WHEN i.requested <> v_partition OR r.partition_key <> v_partition THEN 'partition'
                WHEN NOT (i.id = ANY (v_execution_ids) OR coalesce(r.flow_id = p_flow_id, false)) THEN 'member'
                ELSE 'fixed' END
    INTO v_place, v_fail_id, v_fail_partition, v_fail_policy, v_fail_stored, v_fail_counted, v_fail_kind
    FROM (SELECT u.*, lag(u.policy) OVER (PARTITION BY u.id ORDER BY u.ord) AS previous
          FROM unnest(v_plan.groups) WITH ORDINALITY AS u(id, requested, policy, k, ord)) i
    LEFT JOIN unnest(v_r_ids, v_r_partitions, v_r_flows) AS r(id, partition_key, flow_id) ON r.id = i.id
    LEFT JOIN unnest(v_sg_ids, v_sg_policies, v_sg_counted) AS s(id, policy, counted) ON s.id = i.id
    WHERE i.requested <> v_partition OR r.partition_key <> v_partition
       OR NOT (i.id = ANY (v_execution_ids) OR coalesce(r.flow_id = p_flow_id, false))
       OR (i.policy IS DISTINCT FROM coalesce(i.previous, s.policy) AND s.counted > 0)
    ORDER BY i.ord
    LIMIT 1;
    IF v_fail_kind = 'partition' THEN
      PERFORM _raise('invalid_input',
        format('groups[%s]: partition_mismatch: downstream_execution_id %s is on partition %s, expected partition %s',
               v_place, v_fail_id, v_fail_partition, v_partition),
        'Create the execution with ff_create_execution(p_flow_id => <flow>) so it lives on the flow''s partition, and pass its canonical {fp:N}:<uuid> id.');
    ELSIF v_fail_kind = 'member' THEN
      PERFORM _raise('execution_not_in_flow',
        format('groups[%s]: downstream_execution_id=%s flow_id=%s', v_place, _canonical_execution_id(v_partition, v_fail_id), p_flow_id));
    ELSIF v_fail_kind = 'fixed' THEN
      PERFORM _raise('edge_group_policy_already_fixed',
        format('groups[%s]: downstream_execution_id=%s policy=%s requested=%s applied_edges=%s', v_place,
               _canonical_execution_id(v_partition, v_fail_id), v_fail_stored, v_fail_policy, v_fail_counted));
    END IF;
    SELECT count(*) FILTER (WHERE i.sets)::int,
           coalesce(jsonb_agg(jsonb_build_object('downstream_execution_id', _canonical_execution_id(v_partition, i.id),
                                                 'policy', i.policy) ORDER BY i.ord) FILTER (WHERE i.sets), '[]'),
           coalesce(array_agg(i.id ORDER BY i.ord) FILTER (WHERE i.last AND i.any_sets), '{}'),
           coalesce(array_agg(i.policy ORDER BY i.ord) FILTER (WHERE i.last AND i.any_sets), '{}'),
           coalesce(array_agg(i.k ORDER BY i.ord) FILTER (WHERE i.last AND i.any_sets), '{}')
    INTO v_groups_set, v_group_log, v_policy_ids, v_policy_values, v_policy_k
    FROM (SELECT j.*, bool_or(j.sets) OVER (PARTITION BY j.id) AS any_sets
          FROM (SELECT u.id, u.policy, u.k, u.ord,
                       u.policy IS DISTINCT FROM coalesce(lag(u.policy) OVER w, s.policy) AS sets,
                       u.ord = max(u.ord) OVER (PARTITION BY u.id) AS last
                FROM unnest(v_plan.groups) WITH ORDINALITY AS u(id, requested, policy, k, ord)
                LEFT JOIN unnest(v_sg_ids, v_sg_policies) AS s(id, policy) ON s.id = u.id
                WINDOW w AS (PARTITION BY u.id ORDER BY u.ord)) j) i;
  END IF;

  ---------------------------------------------------------------------------------------------
  -- Edges, item by item as ff_stage_dependency_edge then ff_apply_dependency_to_child would
  -- take them: 1 self reference; 3 an exact retry (same edge_id and endpoints, staged before
  -- the plan or by an earlier item) stages nothing; 5 both endpoints members (partition first);
  -- 6 the cycle check (below, once for the whole plan); 7 an edge_id taken by other endpoints;
  -- then the apply: a downstream whose group has decided takes no new edge.
  IF cardinality(v_plan.edges) > 0 THEN
    IF NOT v_new_flow AND (v_flow.raw_fields->>'edge_count')::bigint > 0 THEN
      SELECT coalesce(array_agg(e.edge_id), '{}'), coalesce(array_agg(e.upstream_eid), '{}'),
             coalesce(array_agg(e.downstream_eid), '{}'), coalesce(array_agg(e.edge_state), '{}'),
             -- kind and condition, normalised as _submit_edge_kinds returns them
             coalesce(array_agg(jsonb_strip_nulls(jsonb_build_object(
               'dependency_kind', nullif(e.dependency_kind, 'success_only'), 'condition', e.condition))), '{}')
      INTO v_se_ids, v_se_ups, v_se_downs, v_se_states, v_se_kinds
      FROM ff_edge e
      WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = ANY (v_edge_ids)
        AND e.dependency_kind IS NOT NULL;
    END IF;
    SELECT min(p.ord) FILTER (WHERE p.failure IS NOT NULL),
           (array_agg(p.failure) FILTER (WHERE p.failure IS NOT NULL))[1],
           coalesce(array_agg(p.id) FILTER (WHERE p.new), '{}'),
           coalesce(array_agg(p.up) FILTER (WHERE p.new), '{}'),
           coalesce(array_agg(p.down) FILTER (WHERE p.new), '{}'),
           coalesce(array_agg(p.ref) FILTER (WHERE p.new), '{}'),
           coalesce(array_agg(p.ord::int) FILTER (WHERE p.new), '{}'),
           coalesce(array_agg(p.kc) FILTER (WHERE p.new AND v_plan.has_kinds), '{}'),
           coalesce(bool_and(coalesce(p.up_pos < p.down_pos, false)) FILTER (WHERE p.new), true),
           coalesce(bool_and(p.down_pos IS NOT NULL) FILTER (WHERE p.new), true),
           coalesce(array_agg(p.id) FILTER (WHERE p.applies AND p.stored), '{}'),
           coalesce(array_agg(p.down) FILTER (WHERE p.applies), '{}'),
           coalesce(array_agg(p.id) FILTER (WHERE p.applies AND p.up = ANY (v_terminal)), '{}')
    INTO v_failure, v_failure_kind, v_new_ids, v_new_ups, v_new_downs, v_new_refs, v_new_places, v_new_kinds, v_forward, v_into_added,
         v_apply_existing, v_applied_downs, v_late_ids
    FROM (
      SELECT k.*, pu.pos AS up_pos, pd.pos AS down_pos,
             k.new OR (k.stored AND k.retry AND k.state = 'pending' AND k.ord = k.first_ord) AS applies,
             CASE
               WHEN k.up = k.down THEN 'self'
               WHEN k.retry THEN CASE WHEN k.stored AND k.state = 'pending' AND k.ord = k.first_ord
                                           AND k.down = ANY (v_decided) THEN 'decided' END
               WHEN k.up_requested <> v_partition OR k.up = ANY (v_mismatched) THEN 'up_partition'
               WHEN NOT (k.up = ANY (v_execution_ids) OR k.up = ANY (v_members_before)) THEN 'up_member'
               WHEN k.down_requested <> v_partition OR k.down = ANY (v_mismatched) THEN 'down_partition'
               WHEN NOT (k.down = ANY (v_execution_ids) OR k.down = ANY (v_members_before)) THEN 'down_member'
               WHEN NOT k.new THEN 'taken'
               WHEN k.down = ANY (v_decided) THEN 'decided'
             END AS failure
      FROM (
        SELECT i.*, s.state, s.id IS NOT NULL AS stored, coalesce(f.ord, i.ord) AS first_ord,
               -- retry: the endpoints of the edge holding the id (stored, else its first item)
               i.up = coalesce(s.up, f.up, i.up) AND i.down = coalesce(s.down, f.down, i.down)
                 AND (s.id IS NOT NULL OR i.ord > coalesce(f.ord, i.ord))
                 -- a stored edge is retried only with its own kind and condition
                 AND (s.id IS NULL OR coalesce(s.kc, '{}'::jsonb) = coalesce(i.kc, '{}'::jsonb)) AS retry,
               s.id IS NULL AND i.ord = coalesce(f.ord, i.ord) AS new
        FROM unnest(v_plan.edges) WITH ORDINALITY AS i(id, up, up_requested, down, down_requested, ref, kc, ord)
        LEFT JOIN (SELECT DISTINCT ON (u.id) u.id, u.up, u.down, u.ord
                   FROM unnest(v_plan.edges) WITH ORDINALITY AS u(id, up, up_requested, down, down_requested, ref, kc, ord)
                   WHERE cardinality(v_repeated) > 0 AND u.id = ANY (v_repeated)
                   ORDER BY u.id, u.ord) f ON f.id = i.id
        LEFT JOIN unnest(v_se_ids, v_se_ups, v_se_downs, v_se_states, v_se_kinds) AS s(id, up, down, state, kc) ON s.id = i.id
      ) k
      -- positions among the members the plan adds, for the forward test of the cycle check
      LEFT JOIN unnest(v_added) WITH ORDINALITY AS pu(id, pos) ON pu.id = k.up
      LEFT JOIN unnest(v_added) WITH ORDINALITY AS pd(id, pos) ON pd.id = k.down
      ORDER BY k.ord
    ) p;
    v_e := cardinality(v_new_ids);
    v_applied := cardinality(v_applied_downs);

    -- Stage: the new edges, each as ff_stage_dependency_edge stores it at its own revision
    -- (base + m + its position among them) and already applied. On a refusal only the edges
    -- before the first refused item are inserted: the graph that item saw.
    v_bound := CASE WHEN v_failure IS NULL THEN v_e
                    ELSE (SELECT count(*) FROM unnest(v_new_places) p WHERE p < v_failure)::int END;
    IF v_bound > 0 THEN
      -- The columns ff_stage_dependency_edge writes, already applied; kinds and conditions
      -- (docs/semantics.md §10.1) from the plan's items when it has any (v_new_kinds[k] is the
      -- k-th new edge's {dependency_kind?, condition?}; empty without them).
      INSERT INTO ff_edge (partition_key, flow_id, edge_id, upstream_eid, downstream_eid, policy_version,
                           staged_at_ms, staged_graph_revision, dependency_kind, data_passing_ref, condition,
                           applied_at_ms, edge_state)
      SELECT v_partition, p_flow_id, n.id, n.up, n.down, 1,
             v_now, v_base + v_m + n.k, coalesce(v_new_kinds[n.k]->>'dependency_kind', 'success_only'), n.ref,
             v_new_kinds[n.k]->>'condition', v_now, 'applied'
      FROM unnest(v_new_ids[1:v_bound], v_new_ups[1:v_bound], v_new_downs[1:v_bound], v_new_refs[1:v_bound])
           WITH ORDINALITY AS n(id, up, down, ref, k);
      -- 6. One exact cycle check for all of them. When every new edge joins two executions the
      -- plan adds and points forward in the plan's order, none can close a cycle (those
      -- executions had no edges before). Otherwise Kahn's algorithm over the part of the graph
      -- reachable from their downstreams (_first_cycle_closing_edge: the new edges alone when they all
      -- point at executions the plan adds) names the first closing one.
      IF NOT v_forward THEN
        v_closing := _first_cycle_closing_edge(v_partition, p_flow_id, v_base + v_m, v_new_ups[1:v_bound], v_new_downs[1:v_bound], NOT v_into_added);
        IF v_closing IS NOT NULL THEN
          -- Back to the graph that item saw, so its cycle is the one a call for it alone reports.
          DELETE FROM ff_edge e
          WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = ANY (v_new_ids[v_closing:v_bound]);
          PERFORM _check_acyclic(v_partition, p_flow_id, format('edges[%s]', v_new_places[v_closing] - 1), v_new_ups[v_closing], v_new_downs[v_closing]);
          RAISE EXCEPTION 'flowstage bug: edges[%] closes a cycle in the plan check but not in _find_cycle', v_new_places[v_closing] - 1;
        END IF;
      END IF;
    END IF;
    IF v_failure IS NOT NULL THEN
      PERFORM _submit_refuse_edge(v_partition, p_flow_id, v_failure - 1, v_failure_kind, v_plan.edges[v_failure]);
    END IF;
  END IF;

  ---------------------------------------------------------------------------------------------
  -- Every check passed. Nothing to do at all (a concurrent identical submission won the lock):
  -- answer as a replay.
  IF v_m = 0 AND v_e = 0 AND v_applied = 0 AND v_groups_set = 0 AND NOT v_new_flow THEN
    RETURN QUERY SELECT * FROM _submit_replayed(v_flow, p_start, v_now);
    RETURN;
  END IF;

  -- Executions that existed without a flow join it (blocked if an edge now points at them).
  IF cardinality(v_adopted) > 0 THEN
    UPDATE ff_exec_core e SET flow_id = p_flow_id
    WHERE e.partition_key = v_partition AND e.execution_id = ANY (v_adopted) AND e.flow_id IS NULL;
  END IF;
  IF cardinality(v_applied_downs) > 0 AND cardinality(v_r_ids) > 0 THEN
    UPDATE ff_exec_core e
    SET eligibility_state = 'blocked_by_dependencies',
        blocking_reason = 'waiting_for_children',
        public_state = 'waiting_children'
    WHERE e.partition_key = v_partition
      AND e.execution_id = ANY (ARRAY(SELECT DISTINCT d FROM unnest(v_applied_downs) d WHERE d = ANY (v_r_ids)))
      AND e.lifecycle_phase = 'runnable' AND e.eligibility_state <> 'blocked_by_dependencies';
  END IF;
  -- Edges staged before the plan and applied by it.
  IF cardinality(v_apply_existing) > 0 THEN
    UPDATE ff_edge e
    SET edge_state = 'applied', applied_at_ms = v_now
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = ANY (v_apply_existing)
      AND e.edge_state = 'pending';
  END IF;
  -- Fan-in groups: the policy the plan set last for a downstream (else the stored one, else
  -- all_of), running_count + the edges the plan applied to it. Under the flow row lock nobody
  -- else creates a group in this flow, so downstreams without a stored group get a plain INSERT
  -- (an upsert cost ~50% more) and the stored ones an UPDATE.
  IF cardinality(v_applied_downs) > 0 OR cardinality(v_policy_ids) > 0 THEN
    INSERT INTO ff_edge_group (partition_key, flow_id, downstream_eid, policy, k_target, running_count)
    SELECT v_partition, p_flow_id, d.id, coalesce(p.policy, '{"kind": "all_of"}'::jsonb), p.k, d.running
    FROM (SELECT a.id, count(*)::int AS running FROM unnest(v_applied_downs) AS a(id) GROUP BY a.id
          UNION ALL
          SELECT q.id, 0 FROM unnest(v_policy_ids) AS q(id) WHERE q.id <> ALL (v_applied_downs)) d
    LEFT JOIN unnest(v_policy_ids, v_policy_values, v_policy_k) AS p(id, policy, k) ON p.id = d.id
    WHERE d.id <> ALL (v_sg_ids);
    IF cardinality(v_sg_ids) > 0 THEN
      UPDATE ff_edge_group g
      SET policy = coalesce(p.policy, g.policy),
          k_target = CASE WHEN p.id IS NOT NULL THEN p.k ELSE g.k_target END,
          running_count = g.running_count + coalesce(d.running, 0)
      FROM unnest(v_sg_ids) AS s(id)
      LEFT JOIN (SELECT a.id, count(*)::int AS running FROM unnest(v_applied_downs) AS a(id) GROUP BY a.id) d ON d.id = s.id
      LEFT JOIN unnest(v_policy_ids, v_policy_values, v_policy_k) AS p(id, policy, k) ON p.id = s.id
      WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = ANY (v_sg_ids)
        AND g.downstream_eid = s.id AND (d.id IS NOT NULL OR p.id IS NOT NULL);
    END IF;
  END IF;

  -- The flow row, once (a new flow's was inserted with these counters already).
  IF NOT v_new_flow AND v_m + v_e > 0 THEN
    UPDATE ff_flow_core f
    SET graph_revision = f.graph_revision + v_m + v_e,
        -- jsonb_set, not jsonb_build_object (STABLE) over the columns (docs/conventions.md 17)
        raw_fields = jsonb_set(jsonb_set(f.raw_fields,
          '{node_count}', ((f.raw_fields->>'node_count')::bigint + v_m)::text::jsonb),
          '{edge_count}', ((f.raw_fields->>'edge_count')::bigint + v_e)::text::jsonb)
          || jsonb_build_object('last_mutation_at_ms', v_now)
    WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;
  END IF;

  -- The mutation log: create_flow for a new flow, then one submit_flow row whose graph_revision
  -- is the revision after the plan. Its members and edges are listed in revision order
  -- (member i at base + i, edge j at base + m + j), which ff_describe_flow_at expands; edges as
  -- parallel arrays (edge j is entry j of each).
  -- The lists are jsonb arrays of text (an object per edge cost ~180 ms for 30,000 edges, parallel
  -- arrays ~30 ms).
  v_log := jsonb_build_object(
    'flow_id', p_flow_id,
    'base_graph_revision', v_base,
    'executions_created', cardinality(v_created),
    'members', to_jsonb(ARRAY(SELECT '{fp:' || v_partition || '}:' || a.id FROM unnest(v_added) AS a(id))),
    'edges', jsonb_build_object(
      'edge_id', to_jsonb(ARRAY(SELECT n.id::text FROM unnest(v_new_ids) AS n(id))),
      'upstream_execution_id', to_jsonb(ARRAY(SELECT '{fp:' || v_partition || '}:' || n.id FROM unnest(v_new_ups) AS n(id))),
      'downstream_execution_id', to_jsonb(ARRAY(SELECT '{fp:' || v_partition || '}:' || n.id FROM unnest(v_new_downs) AS n(id))),
      'data_passing_ref', to_jsonb(v_new_refs),
      'dependency_kind', 'success_only')
      -- per new edge, its kind and condition when the plan has any ({} for a plain edge)
      || CASE WHEN NOT v_plan.has_kinds THEN '{}'::jsonb
              ELSE jsonb_build_object('kinds', to_jsonb(ARRAY(SELECT coalesce(n.kc, '{}'::jsonb) FROM unnest(v_new_kinds) AS n(kc)))) END,
    'groups', v_group_log,
    'applied_edge_ids', to_jsonb(ARRAY(SELECT n.id::text FROM unnest(v_apply_existing) AS n(id))),
    'edges_applied', v_applied);
  INSERT INTO ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  SELECT v_partition, p_flow_id, 0, 'create_flow',
         jsonb_build_object('flow_id', p_flow_id, 'flow_kind', p_flow_kind, 'namespace', p_namespace), v_now
  WHERE v_new_flow
  UNION ALL
  SELECT v_partition, p_flow_id, v_base + v_m + v_e, 'submit_flow', v_log, v_now
  WHERE v_m + v_e + v_applied + v_groups_set > 0;
  PERFORM _notify_namespace(v_namespace);

  -- 4.4 step 6: a late edge (its upstream already terminal) resolves now, in plan order.
  FOR v_place IN 1 .. coalesce(cardinality(v_late_ids), 0) LOOP
    SELECT * INTO v_edge FROM ff_edge e
    WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id AND e.edge_id = v_late_ids[v_place];
    SELECT * INTO v_exec FROM ff_exec_core e WHERE e.partition_key = v_partition AND e.execution_id = v_edge.upstream_eid;
    PERFORM ff_resolve_dependency(p_flow_id => p_flow_id, p_edge_id => v_edge.edge_id,
                                  p_upstream_outcome => v_exec.terminal_outcome, p_now_ms => v_now);
  END LOOP;

  -- A flow already running runs what the plan adds: the new members nothing blocks (no inbound
  -- edge, or only satisfied ones) are enqueued now, as ff_start_flow enqueues a flow's first ones.
  -- (A single ff_add_execution_to_flow does not enqueue: the edges meant for its member may come
  -- in later transactions; a plan brings them in the same one.) A child released by a late edge
  -- above was enqueued by that resolution already: the same job key keeps it one job.
  IF v_flow.raw_fields ? 'started_at_ms' AND v_m > 0 THEN
    SELECT coalesce(array_agg(_run_job_spec(ROW(e.*)::ff_exec_core, v_flow) ORDER BY e.execution_id)
                    FILTER (WHERE e.raw_fields ? 'task_identifier'), '{}')
    INTO v_specs
    FROM ff_exec_core e
    WHERE e.partition_key = v_partition AND e.execution_id = ANY (v_added)
      AND e.lifecycle_phase = 'runnable' AND e.eligibility_state IN ('eligible_now', 'not_eligible_until_time');
    PERFORM _add_jobs(v_specs);
    PERFORM _start_deadlines(v_partition, p_flow_id, v_now, v_added);  -- their execution_deadline_ms runs from now
  END IF;
  IF p_start THEN
    PERFORM ff_start_flow(p_flow_id => p_flow_id, p_now_ms => v_now);
  END IF;
  -- A member that joined already terminal may have been the flow's last open one.
  IF EXISTS (SELECT 1 FROM unnest(v_adopted) a WHERE a = ANY (v_terminal)) THEN
    PERFORM _finish_flow_if_done(v_partition, p_flow_id, v_now);
  END IF;

  status := 'submitted';
  graph_revision := v_base + v_m + v_e;
  executions_created := cardinality(v_created);
  members_added := v_m;
  edges_staged := v_e;
  edges_applied := v_applied;
  groups_set := v_groups_set;
  -- SELECT INTO, not an assignment from a scalar subquery: Citus sends that one to the shard with a
  -- parameter it cannot type ("could not determine data type of parameter").
  SELECT f.raw_fields ? 'started_at_ms' INTO started FROM ff_flow_core f
  WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_submit_flow(uuid, jsonb, bigint, boolean, boolean, text, text, bigint) IS
$$Build or extend flow p_flow_id from a whole plan in one call, all or nothing: p_plan = {"executions": [...], "groups": [...], "edges": [...]} (each key optional).
Returns (status, graph_revision, executions_created, members_added, edges_staged, edges_applied, groups_set, started); submitted when the plan was written.
Run policies (docs/semantics.md §9.1): p_plan.default_policy (stored as the flow's default_policy when this call creates the flow) and an item's policy / delay_until_ms apply to the executions this call creates (their keys over the plan's default over the flow's, as ff_create_execution); an existing execution keeps its own. A plan that sets any policy is checked item by item (the exact path).
executions: {"execution_id", "task_identifier"?, "payload"?, "priority"?, "lane_id"?, "policy"?, "delay_until_ms"?} - created on the flow's partition when missing (as ff_create_execution with p_flow_id; an existing one keeps its fields) and added as members (as ff_add_execution_to_flow). groups: {"downstream_execution_id", "kind", "on_satisfied"?, "k"?} - set as ff_set_edge_group_policy sets them, before the plan's edges are applied. edges: {"edge_id", "upstream_execution_id", "downstream_execution_id", "data_passing_ref"?, "kind"? (or "dependency_kind": success_only by default, failure_only, any_outcome), "condition"? (a SQL/JSON path predicate over the upstream's result, docs/semantics.md §10.1)} - staged as ff_stage_dependency_edge and applied as ff_apply_dependency_to_child; endpoints must be members already or executions of the plan; an item naming a staged edge_id with other endpoints, kind or condition is dependency_already_exists; the submit_flow log row lists each new edge's {dependency_kind?, condition?} under edges.kinds when the plan has any. Ids as {fp:N}:<uuid> or <uuid>.
The flow is created if missing (as ff_create_flow with p_flow_kind and p_namespace; an existing flow keeps its own). The plan is checked as if its items were called one by one in the order executions, groups, edges, the first failing item deciding, with the codes of those calls; DETAIL starts with the item's place (executions[3]: ..., edges[17]: ..., 0-based).
Order of checks: argument validation (invalid_input FF012: p_flow_id not null; p_expected_graph_revision NULL or >= 0; p_start, p_dry_run not null; p_flow_kind 1..1024 bytes; p_namespace 1..53 bytes; p_plan an object with no keys but the three and default_policy, each section an array or null; at most 100000 items in all; then each item's fields in plan order - unknown keys refused, ids well-formed, task_identifier 1..128 characters not starting with the reserved flowstage__, payload an object or null, priority an integer, lane_id and data_passing_ref 1..1024 bytes, group kind/on_satisfied/k as ff_set_edge_group_policy requires them; DETAIL quotes at most 200 characters of a value); a replay -> already_submitted (checked before the flow's state: an identical resubmission to a completed, failed or cancelled flow changes nothing, so it answers already_submitted too - docs/semantics.md §4.7 items already present identically are no-ops, the exact-retry idea of §4.3 - except that p_start on a flow never started still calls ff_start_flow and gets its refusal); flow_already_terminal (FF002) for any other plan on a flow that is not open; stale_graph_revision (FF006, retryable) when p_expected_graph_revision is given and differs from the flow's revision (0 for a flow the call creates) - one check for the whole plan; then item by item: executions - invalid_input partition_mismatch ({fp:N} or the stored row on another partition), already_member_of_different_flow (FF004); a started flow with no open member finishes when the plan's first added member is already terminal (as ff_add_execution_to_flow finishes it), so the plan's next item, whatever it is, is refused flow_already_terminal (FF002, DETAIL that item's place); groups - partition_mismatch, execution_not_in_flow (FF007), edge_group_policy_already_fixed (FF013); edges - self_referencing_edge (FF005), an exact retry (same edge_id and endpoints, staged before or by an earlier item) stages nothing, partition_mismatch and execution_not_in_flow (FF007) for the upstream then the downstream, cycle_detected (FF008, exact over the flow and the plan; DETAIL edges[i]: the cycle upstream first and last as ff_stage_dependency_edge reports it), dependency_already_exists (FF009, DETAIL edges[i]: the edge holding the id as JSON), then the apply's invalid_input group_already_decided.
Items already present identically are no-ops; when all are (and nothing else would change) the call is a replay: already_submitted, nothing written, answered from an unlocked read even if the revision moved on (graph_revision = the flow's current revision).
On submitted: members join in plan order, each raising graph_revision and node_count by one (revisions base + 1 .. base + m), then the new edges in plan order, each by one (base + m + 1 ..; staged_graph_revision in its policy) - exactly as the single calls would; every edge of the plan is applied (edge_state applied, applied_at_ms; the child's group row created with the plan's or stored policy, else all_of, running_count + 1; a runnable child blocked); a late edge (upstream already terminal) is resolved by ff_resolve_dependency after all the plan's edges are applied, in plan order - so its child's group counts every edge of the plan before it decides (called one by one, a late edge that decides the group first would get the plan's later edges into that child refused with group_already_decided); a child that a late edge skips resolves its own outgoing edges (the plan's included) in its cascade job, one hop per transaction as everywhere (docs/semantics.md §6), so the same end state is reached when that job has run. The flow row is written once (last_mutation_at_ms = now when members or edges were added). graph_revision = the revision after the plan; counts: executions created, members added, edges staged, edges applied, group items that set a policy.
Mutation log: create_flow (new flow, revision 0) and one submit_flow row per call at the revision after the plan, arguments {flow_id, base_graph_revision, executions_created, members (canonical ids in revision order: member i joined at base + i), edges {edge_id, upstream_execution_id, downstream_execution_id, data_passing_ref (parallel arrays in revision order: edge j was staged at base + m + j), dependency_kind}, groups ([{downstream_execution_id, policy}] set, in plan order), applied_edge_ids (edges staged before the plan that it applied; every edge it staged is applied too), edges_applied}; ff_describe_flow_at expands it into every revision it produced. Late resolutions, the start and a flow finishing log their own rows.
p_start: ff_start_flow in the same transaction (members eligible now are enqueued; its refusals, e.g. a quorum whose k exceeds its applied edges, propagate unchanged); started = the flow has been started (by this call or before). A flow started before the call runs what the plan adds: each added member with a task_identifier that nothing blocks (runnable and eligible_now once the plan's edges are applied) is enqueued in this transaction, as ff_start_flow enqueues; the others run when their group releases them. A member that joins already terminal gets the flow-finished check. p_dry_run: the whole call runs and is rolled back - the same refusals, already_submitted for a replay, else would_submit with the counts it would produce and graph_revision = the revision before it; nothing is written.
Locks (write path only): the flow row FOR UPDATE (a new flow's row is inserted first), then the existing executions the plan names FOR UPDATE in uuid order, then edges, then groups. Concurrent single calls on the flow serialise on the flow row.
Cost: linear in the plan: one statement per section to read it, index probes by key only for existing rows the plan names, one INSERT per table; the cycle check costs nothing when the plan's edges point forward between its own new executions, else Kahn's algorithm over the new edges (plus, when some point at older executions, a walk over the part of the flow reachable from them).$$;
