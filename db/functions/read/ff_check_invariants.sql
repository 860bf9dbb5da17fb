-- ff_check_invariants: every broken invariant of one flow's rows (or of the whole database), one row per violation.
--
-- The ff_* functions keep these true in every committed state; a row here means a bug or a row
-- edited by hand. It is what the model-based tests and the soak run assert after each step, and
-- what a DBA runs after a restore. Everything is set-based (a handful of scans or key lookups,
-- whatever the number of flows) so it can run on a busy production database. Invariants that
-- a later job is still allowed to make true (a skipped child's outgoing edges, a deferred flow
-- check: a ff_completion_outbox row without cascaded_at_ms) are not reported while that job is due.
CREATE OR REPLACE FUNCTION flowfabric.ff_check_invariants(p_flow_id uuid DEFAULT NULL)
RETURNS TABLE (flow_id flowfabric.ff_flow_id, invariant flowfabric.ff_name, detail flowfabric.ff_text)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
-- p_flow_id IS NULL folds away in a custom plan: one flow is read through its keys, the whole
-- database through scans and hash joins.
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint := ff_flow_partition(p_flow_id);
  -- A flow's rows stored on another partition are found by probing the keys of all 256.
  v_partitions smallint[] := ARRAY(SELECT p::smallint FROM generate_series(0, 255) p);
BEGIN
  -- The flow row against its members and edges: partition, counters, revision, state.
  RETURN QUERY
  WITH flows AS (
    -- (a flow row off its partition is found too, and its rows looked for where they belong)
    SELECT f.*, ff_flow_partition(f.flow_id) AS home FROM ff_flow_core f
    WHERE p_flow_id IS NULL OR (f.partition_key = ANY (v_partitions) AND f.flow_id = p_flow_id)),
  members AS (
    SELECT e.partition_key, e.flow_id, count(*) AS n,
           count(*) FILTER (WHERE e.terminal_outcome = 'none') AS open,
           count(*) FILTER (WHERE e.terminal_outcome IN ('failed', 'cancelled', 'expired')) AS bad
    FROM ff_exec_core e
    WHERE e.flow_id IS NOT NULL AND (p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id))
    GROUP BY e.partition_key, e.flow_id),
  edges AS (
    SELECT e.partition_key, e.flow_id, count(*) AS n FROM ff_edge e
    WHERE p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id)
    GROUP BY e.partition_key, e.flow_id),
  -- Joins, not correlated EXISTS: Citus refuses a correlated subquery in a query whose FROM
  -- holds a CTE (docs/scale-out.md).
  due AS (
    SELECT DISTINCT o.partition_key, o.flow_id FROM ff_completion_outbox o
    WHERE o.cascaded_at_ms IS NULL AND (p_flow_id IS NULL OR (o.partition_key = v_partition AND o.flow_id = p_flow_id))),
  counted AS (
    SELECT f.flow_id, f.partition_key, f.home, f.graph_revision, f.public_flow_state, f.terminal_at_ms, f.raw_fields,
           coalesce(m.n, 0) AS members, coalesce(m.open, 0) AS open, coalesce(m.bad, 0) AS bad,
           coalesce(d.n, 0) AS edges,
           j.flow_id IS NOT NULL AS job_due
    FROM flows f
    LEFT JOIN members m ON m.partition_key = f.home AND m.flow_id = f.flow_id
    LEFT JOIN edges d ON d.partition_key = f.home AND d.flow_id = f.flow_id
    LEFT JOIN due j ON j.partition_key = f.home AND j.flow_id = f.flow_id)
  SELECT c.flow_id::ff_flow_id, v.invariant::ff_name, v.detail::ff_text
  FROM counted c
  CROSS JOIN LATERAL (VALUES
    ('flow_partition', c.partition_key <> c.home, format('partition_key=%s, ff_flow_partition=%s', c.partition_key, c.home)),
    -- Only adds and stages are graph changes (policies, applies, completions, cancel are not).
    ('graph_revision_counts_changes', c.graph_revision <> c.members + c.edges,
     format('graph_revision=%s, members=%s + edges=%s', c.graph_revision, c.members, c.edges)),
    ('node_count_is_members', c.raw_fields->>'node_count' IS DISTINCT FROM c.members::text,
     format('raw_fields.node_count=%s, member rows=%s', coalesce(c.raw_fields->>'node_count', 'NULL'), c.members)),
    ('edge_count_is_edges', c.raw_fields->>'edge_count' IS DISTINCT FROM c.edges::text,
     format('raw_fields.edge_count=%s, edge rows=%s', coalesce(c.raw_fields->>'edge_count', 'NULL'), c.edges)),
    ('flow_terminal_at', (c.public_flow_state = 'open') <> (c.terminal_at_ms IS NULL),
     format('public_flow_state=%s, terminal_at_ms=%s', c.public_flow_state, coalesce(c.terminal_at_ms::text, 'NULL'))),
    ('flow_state_matches_members',
     CASE c.public_flow_state
       WHEN 'completed' THEN c.members = 0 OR c.open > 0 OR c.bad > 0
       WHEN 'failed' THEN c.members = 0 OR c.open > 0 OR c.bad = 0
       WHEN 'cancelled' THEN c.raw_fields->>'cancellation_policy' = 'cancel_all' AND c.open > 0
       ELSE false END,
     format('public_flow_state=%s%s, members=%s, not terminal=%s, failed/cancelled/expired=%s', c.public_flow_state,
            CASE WHEN c.public_flow_state = 'cancelled' THEN ' (' || coalesce(c.raw_fields->>'cancellation_policy', 'NULL') || ')' ELSE '' END,
            c.members, c.open, c.bad)),
    ('started_flow_finishes',
     c.public_flow_state = 'open' AND c.raw_fields ? 'started_at_ms' AND c.members > 0 AND c.open = 0 AND NOT c.job_due,
     format('open and started, and all %s members are terminal', c.members))
  ) v(invariant, violated, detail)
  WHERE v.violated;

  -- Rows of a flow stored off the flow's partition, or whose flow does not exist.
  RETURN QUERY
  WITH rows_of_flows AS (
    SELECT 'execution' AS kind, e.execution_id AS id, e.partition_key, e.flow_id FROM ff_exec_core e
    WHERE e.flow_id IS NOT NULL AND (p_flow_id IS NULL OR (e.partition_key = ANY (v_partitions) AND e.flow_id = p_flow_id))
    UNION ALL
    SELECT 'edge', e.edge_id, e.partition_key, e.flow_id FROM ff_edge e
    WHERE p_flow_id IS NULL OR (e.partition_key = ANY (v_partitions) AND e.flow_id = p_flow_id)
    UNION ALL
    SELECT 'edge group of', g.downstream_eid, g.partition_key, g.flow_id FROM ff_edge_group g
    WHERE p_flow_id IS NULL OR (g.partition_key = ANY (v_partitions) AND g.flow_id = p_flow_id)),
  homes AS (
    SELECT d.flow_id, ff_flow_partition(d.flow_id) AS home FROM (SELECT DISTINCT r.flow_id FROM rows_of_flows r) d)
  SELECT r.flow_id::ff_flow_id,
         (CASE WHEN r.partition_key <> h.home THEN 'rows_on_flow_partition' ELSE 'rows_have_flow' END)::ff_name,
         format(CASE WHEN r.partition_key <> h.home THEN '%s %s is on partition %s, its flow on %s'
                     ELSE '%s %s belongs to a flow that does not exist' END,
                r.kind, CASE r.kind WHEN 'edge' THEN r.id::text ELSE _canonical_execution_id(r.partition_key, r.id) END,
                r.partition_key, h.home)::ff_text
  FROM rows_of_flows r
  JOIN homes h ON h.flow_id = r.flow_id
  LEFT JOIN ff_flow_core f ON f.partition_key = h.home AND f.flow_id = r.flow_id
  WHERE r.partition_key <> h.home OR f.flow_id IS NULL;

  -- Edges: endpoints are members, the recorded state agrees with the upstream, and an applied
  -- edge whose upstream is terminal has been resolved (unless that upstream's cascade job is due).
  -- Written for Citus over every flow: the edges and the due cascades joined directly (as CTEs
  -- joined to the executions Citus refused the statement: "complex joins are only supported when
  -- all distributed tables are co-located and joined on their distribution columns"), and the
  -- VALUES rows holding only IMMUTABLE expressions, each check's detail formatted in the select
  -- list (format() is STABLE: "Only immutable functions can be used in VALUES").
  RETURN QUERY
  SELECT e.flow_id::ff_flow_id, v.invariant::ff_name,
         format('edge %s: %s', e.edge_id, CASE v.n
           WHEN 1 THEN format('upstream %s is not a member (its flow_id: %s)',
                              _canonical_execution_id(e.partition_key, e.upstream_eid), coalesce(u.flow_id::text, 'NULL'))
           WHEN 2 THEN format('downstream %s is not a member (its flow_id: %s)',
                              _canonical_execution_id(e.partition_key, e.downstream_eid), coalesce(d.flow_id::text, 'NULL'))
           WHEN 3 THEN format('edge_state=%s, applied_at_ms=%s, resolved_at_ms=%s, upstream_outcome=%s, upstream terminal_outcome=%s',
                              coalesce(e.edge_state, 'NULL'), coalesce(e.applied_at_ms::text, 'NULL'),
                              coalesce(e.resolved_at_ms::text, 'NULL'), coalesce(e.upstream_outcome, 'NULL'),
                              coalesce(u.terminal_outcome, 'NULL'))
           ELSE format('still applied, upstream %s finished %s and no cascade job is due',
                       _canonical_execution_id(e.partition_key, e.upstream_eid), u.terminal_outcome) END)::ff_text
  FROM ff_edge e
  JOIN ff_flow_core f ON f.partition_key = e.partition_key AND f.flow_id = e.flow_id
  LEFT JOIN ff_exec_core u ON u.partition_key = e.partition_key AND u.execution_id = e.upstream_eid
  LEFT JOIN ff_exec_core d ON d.partition_key = e.partition_key AND d.execution_id = e.downstream_eid
  LEFT JOIN (SELECT o.partition_key, o.execution_id FROM ff_completion_outbox o
             WHERE o.cascaded_at_ms IS NULL AND (p_flow_id IS NULL OR (o.partition_key = v_partition AND o.flow_id = p_flow_id))) j
    ON j.partition_key = e.partition_key AND j.execution_id = e.upstream_eid
  CROSS JOIN LATERAL (VALUES
    (1, 'edge_endpoints_are_members', u.flow_id IS DISTINCT FROM e.flow_id),
    (2, 'edge_endpoints_are_members', d.flow_id IS DISTINCT FROM e.flow_id),
    (3, 'edge_state_recorded',
     CASE e.edge_state
       WHEN 'pending' THEN e.applied_at_ms IS NOT NULL OR e.upstream_outcome IS NOT NULL
       WHEN 'applied' THEN e.applied_at_ms IS NULL OR e.upstream_outcome IS NOT NULL
       -- the kind allows the outcome (and the condition held), docs/semantics.md §10.1. An edge
       -- resolved before its upstream was replayed keeps that run's outcome: its child ran or
       -- finished on it and was not replayed (docs/semantics.md §9.4).
       WHEN 'satisfied' THEN e.applied_at_ms IS NULL OR e.resolved_at_ms IS NULL
                             OR e.upstream_outcome IS NULL
                             OR (u.terminal_outcome IS DISTINCT FROM e.upstream_outcome
                                 AND NOT coalesce(e.resolved_at_ms <= (u.raw_fields->>'replayed_at_ms')::bigint, false))
                             OR NOT CASE coalesce(e.dependency_kind, 'success_only')
                                      WHEN 'success_only' THEN e.upstream_outcome = 'success'
                                      WHEN 'failure_only' THEN e.upstream_outcome IN ('failed', 'expired') ELSE true END
                             OR (e.condition IS NOT NULL AND _edge_condition_result(e.condition_result) IS NOT TRUE)
       WHEN 'impossible' THEN e.applied_at_ms IS NULL OR e.resolved_at_ms IS NULL
                              OR e.upstream_outcome IS NULL
                              OR (u.terminal_outcome IS DISTINCT FROM e.upstream_outcome
                                  AND NOT coalesce(e.resolved_at_ms <= (u.raw_fields->>'replayed_at_ms')::bigint, false))
                              OR (CASE coalesce(e.dependency_kind, 'success_only')
                                    WHEN 'success_only' THEN e.upstream_outcome = 'success'
                                    WHEN 'failure_only' THEN e.upstream_outcome IN ('failed', 'expired') ELSE true END
                                  AND NOT (e.condition IS NOT NULL AND _edge_condition_result(e.condition_result) IS NOT TRUE))
       ELSE true END),
    -- cancel_all finishes members without cascading (the flow is already terminal).
    (4, 'applied_edge_resolved_when_upstream_terminal',
     e.edge_state = 'applied' AND u.terminal_outcome <> 'none' AND f.public_flow_state <> 'cancelled'
       AND j.execution_id IS NULL)
  ) v(n, invariant, violated)
  WHERE v.violated AND (p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id));

  -- Edge groups: counters are the applied edges by state and outcome, the policy is well formed,
  -- the decision agrees with the counters (docs/semantics.md §6 table; decided once), the child with the decision.
  RETURN QUERY
  WITH edges AS (
    SELECT e.partition_key, e.flow_id, e.downstream_eid,
           count(*) FILTER (WHERE e.edge_state = 'satisfied') AS success,
           count(*) FILTER (WHERE e.edge_state = 'impossible'
                              AND (e.upstream_outcome IS DISTINCT FROM 'skipped' OR e.dependency_kind = 'any_outcome')) AS fail,
           count(*) FILTER (WHERE e.edge_state = 'impossible' AND e.upstream_outcome = 'skipped'
                              AND e.dependency_kind IS DISTINCT FROM 'any_outcome') AS skip,
           count(*) FILTER (WHERE e.edge_state = 'applied') AS running
    FROM ff_edge e
    WHERE (p_flow_id IS NULL OR (e.partition_key = v_partition AND e.flow_id = p_flow_id))
      AND e.edge_state IS DISTINCT FROM 'pending'
    GROUP BY e.partition_key, e.flow_id, e.downstream_eid),
  groups AS (
    SELECT g.*, g.policy->>'kind' AS kind,
           g.success_count + g.fail_count + g.skip_count + g.running_count AS total,
           g.fail_count + g.skip_count AS failed,
           CASE WHEN g.policy->>'k' ~ '^[0-9]{1,9}$' THEN (g.policy->>'k')::int END AS k
    FROM ff_edge_group g
    WHERE p_flow_id IS NULL OR (g.partition_key = v_partition AND g.flow_id = p_flow_id)),
  verdicts AS (
    SELECT g.*,
           CASE g.kind WHEN 'all_of' THEN g.failed = 0 AND g.success_count = g.total AND g.total > 0
                       WHEN 'any_of' THEN g.success_count >= 1
                       WHEN 'quorum' THEN g.success_count >= g.k END AS satisfied,
           CASE g.kind WHEN 'all_of' THEN g.failed > 0
                       WHEN 'any_of' THEN g.failed = g.total AND g.total > 0
                       WHEN 'quorum' THEN g.total - g.failed < g.k END AS impossible
    FROM groups g)
  SELECT coalesce(g.flow_id, a.flow_id)::ff_flow_id, v.invariant::ff_name,
         format('edge group of %s: %s',
                _canonical_execution_id(coalesce(g.partition_key, a.partition_key), coalesce(g.downstream_eid, a.downstream_eid)),
                v.detail)::ff_text
  FROM verdicts g
  FULL JOIN edges a ON a.partition_key = g.partition_key AND a.flow_id = g.flow_id AND a.downstream_eid = g.downstream_eid
  LEFT JOIN ff_exec_core c ON c.partition_key = coalesce(g.partition_key, a.partition_key)
                          AND c.execution_id = coalesce(g.downstream_eid, a.downstream_eid)
  CROSS JOIN LATERAL (VALUES
    ('group_counts_applied_edges',
     g.downstream_eid IS NULL
       OR (g.success_count, g.fail_count, g.skip_count, g.running_count)
          IS DISTINCT FROM (coalesce(a.success, 0)::int, coalesce(a.fail, 0)::int, coalesce(a.skip, 0)::int, coalesce(a.running, 0)::int),
     CASE WHEN g.downstream_eid IS NULL THEN 'no group row for its applied edges'
          ELSE format('counters success=%s fail=%s skip=%s running=%s, applied edges satisfied=%s impossible(failed)=%s impossible(skipped)=%s applied=%s',
                      g.success_count, g.fail_count, g.skip_count, g.running_count,
                      coalesce(a.success, 0), coalesce(a.fail, 0), coalesce(a.skip, 0), coalesce(a.running, 0)) END),
    ('group_downstream_is_member', c.flow_id IS DISTINCT FROM coalesce(g.flow_id, a.flow_id),
     format('the downstream is not a member (its flow_id: %s)', coalesce(c.flow_id::text, 'NULL'))),
    ('group_policy_well_formed',
     g.downstream_eid IS NOT NULL AND NOT coalesce(CASE g.kind
       WHEN 'all_of' THEN g.policy = '{"kind": "all_of"}' AND g.k_target IS NULL
       WHEN 'any_of' THEN g.policy ?& ARRAY['kind', 'on_satisfied'] AND (SELECT count(*) FROM jsonb_object_keys(g.policy)) = 2
                          AND g.policy->>'on_satisfied' IN ('cancel_remaining', 'let_run') AND g.k_target = 1
       WHEN 'quorum' THEN g.policy ?& ARRAY['kind', 'k', 'on_satisfied'] AND (SELECT count(*) FROM jsonb_object_keys(g.policy)) = 3
                          AND g.policy->>'on_satisfied' IN ('cancel_remaining', 'let_run') AND g.k >= 1 AND g.k_target = g.k
       END, false),
     format('policy=%s, k_target=%s', g.policy, coalesce(g.k_target::text, 'NULL'))),
    ('group_decision_matches_counters',
     g.downstream_eid IS NOT NULL AND CASE g.decision
       WHEN 'satisfied' THEN NOT coalesce(g.satisfied, false) OR g.decided_at_ms IS NULL
       WHEN 'impossible' THEN NOT coalesce(g.impossible, false) OR g.decided_at_ms IS NULL
       -- decisions are taken at resolutions: before the first one, nothing is decided
       ELSE g.decided_at_ms IS NOT NULL
            OR (g.total > g.running_count AND (coalesce(g.satisfied, false) OR coalesce(g.impossible, false)))
       END,
     format('decision=%s (decided_at_ms=%s) with policy=%s success=%s fail=%s skip=%s running=%s',
            g.decision, coalesce(g.decided_at_ms::text, 'NULL'), g.policy,
            g.success_count, g.fail_count, g.skip_count, g.running_count)),
    ('group_child_follows_decision',
     g.downstream_eid IS NOT NULL AND c.execution_id IS NOT NULL AND CASE g.decision
       WHEN 'impossible' THEN c.terminal_outcome = 'none'
       WHEN 'satisfied' THEN c.eligibility_state = 'blocked_by_dependencies'
       ELSE g.total > 0 AND c.lifecycle_phase = 'runnable' AND c.eligibility_state <> 'blocked_by_dependencies'
       END,
     format('decision=%s, applied edges=%s, child lifecycle_phase=%s eligibility_state=%s terminal_outcome=%s',
            g.decision, g.total, c.lifecycle_phase, c.eligibility_state, c.terminal_outcome)),
    ('group_cancel_siblings_recorded',
     g.downstream_eid IS NOT NULL
       AND (g.cancel_siblings_pending_flag <> (cardinality(g.cancel_siblings_pending_members) > 0)
            OR (g.cancel_siblings_pending_flag
                AND (g.decision <> 'satisfied' OR g.policy->>'on_satisfied' IS DISTINCT FROM 'cancel_remaining'))),
     format('cancel_siblings_pending_flag=%s, %s pending members, decision=%s, policy=%s',
            g.cancel_siblings_pending_flag, cardinality(g.cancel_siblings_pending_members), g.decision, g.policy))
  ) v(invariant, violated, detail)
  WHERE v.violated;

  -- The flow's edges are acyclic.
  RETURN QUERY
  SELECT s.flow_id::ff_flow_id, 'edges_acyclic'::ff_name, ('cycle: ' || _format_cycle_path(s.partition_key, s.cycle))::ff_text
  FROM _stored_cycles(p_flow_id) s;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_check_invariants(uuid) IS
$$Check the stored rows of flow p_flow_id (NULL: every flow, and every row that names a flow) against the invariants the ff_ functions maintain. Returns one row (flow_id, invariant, detail) per violation found; no row means healthy. Read-only, takes no lock; set-based (seconds on a database of thousands of flows or a 10,000-node flow).
Invariants (stable ids): flow_partition (the flow row is on ff_flow_partition(flow_id)); graph_revision_counts_changes (graph_revision = members + edges: only adds and stages change the graph); node_count_is_members, edge_count_is_edges (raw_fields counters = rows); flow_terminal_at (terminal_at_ms set exactly when the flow is not open); flow_state_matches_members (completed: members, all terminal, none failed/cancelled/expired; failed: all terminal, one of them failed/cancelled/expired; cancelled with cancel_all: all terminal); started_flow_finishes (an open, started flow with members all terminal is finished, unless a cascade job is due); rows_on_flow_partition, rows_have_flow (a flow's executions, edges and groups are on its partition, and their flow exists); edge_endpoints_are_members; edge_state_recorded (edge_state pending | applied | satisfied | impossible with applied_at_ms, resolved_at_ms and upstream_outcome to match, the outcome being the upstream's terminal_outcome, unless the edge was resolved before its upstream was last replayed); applied_edge_resolved_when_upstream_terminal (unless the flow is cancelled or the upstream's cascade job is due); group_counts_applied_edges (success/fail/skip/running = applied edges satisfied / impossible by failure / impossible by skip / unresolved, and every applied edge's downstream has a group); group_downstream_is_member; group_policy_well_formed (policy shape and k_target); group_decision_matches_counters (satisfied or impossible as the docs/semantics.md §6 table says, decided_at_ms set; a pending group with a resolution neither satisfied nor impossible); group_child_follows_decision (impossible: the child is terminal; satisfied: not blocked_by_dependencies; pending with applied edges: a runnable child is blocked); group_cancel_siblings_recorded (flag = pending members, only on a satisfied cancel_remaining group); edges_acyclic (detail: one cycle, as cycle_detected shows it).
Transient states a later job will settle (an ff_completion_outbox row without cascaded_at_ms) are not reported.$$;
