-- ff_explain_execution: why an execution is where it is — its state, inbound edges, fan-in group and a one-line reason.
CREATE OR REPLACE FUNCTION flowfabric.ff_explain_execution(p_flow_id uuid, p_execution_id text)
RETURNS TABLE (
  execution_id      flowfabric.ff_execution_id,
  lifecycle_phase   flowfabric.ff_lifecycle_phase,
  public_state      flowfabric.ff_public_state,
  eligibility_state flowfabric.ff_eligibility_state,
  blocking_reason   flowfabric.ff_blocking_reason,
  terminal_outcome  flowfabric.ff_terminal_outcome,
  group_policy      jsonb,
  group_decision    flowfabric.ff_group_decision_or_null,
  k_target          int,
  success_count     int,
  fail_count        int,
  skip_count        int,
  running_count     int,
  inbound_edges     jsonb,
  reason            flowfabric.ff_text)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition  smallint;
  v_requested  smallint;
  v_id         uuid;
  v_flow       ff_flow_core;
  v_exec       ff_exec_core;
  v_group      ff_edge_group;
  v_kind       text;
  v_total      int;
  v_unresolved uuid[];
  v_impossible uuid[];
  v_staged     int;
  v_finished   int;
  v_waiting    text;
  v_condition  text;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  SELECT p.partition_key, p.execution_id INTO v_requested, v_id
  FROM _parse_execution_id('p_execution_id', p_execution_id) p;
  v_partition := ff_flow_partition(p_flow_id);

  v_flow := _get_flow(v_partition, p_flow_id);
  v_exec := _find_execution('p_execution_id', v_requested, v_id, v_partition);
  execution_id := _canonical_execution_id(v_partition, v_id);
  IF v_exec.execution_id IS NULL THEN
    PERFORM _raise('execution_not_found', format('execution_id=%s', execution_id));
  END IF;
  IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
    PERFORM _raise('execution_not_in_flow', format('execution_id=%s flow_id=%s', execution_id, p_flow_id));
  END IF;

  lifecycle_phase := v_exec.lifecycle_phase;
  public_state := v_exec.public_state;
  eligibility_state := v_exec.eligibility_state;
  blocking_reason := v_exec.blocking_reason;
  terminal_outcome := v_exec.terminal_outcome;

  SELECT * INTO v_group FROM ff_edge_group g
  WHERE g.partition_key = v_partition AND g.flow_id = p_flow_id AND g.downstream_eid = v_id;
  group_policy := v_group.policy;
  group_decision := v_group.decision;
  k_target := v_group.k_target;
  success_count := v_group.success_count;
  fail_count := v_group.fail_count;
  skip_count := v_group.skip_count;
  running_count := v_group.running_count;
  v_kind := coalesce(v_group.policy->>'kind', 'all_of');
  v_total := coalesce(v_group.success_count + v_group.fail_count + v_group.skip_count + v_group.running_count, 0);

  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'edge_id', e.edge_id,
           'upstream_execution_id', _canonical_execution_id(e.partition_key, e.upstream_eid),
           'edge_state', e.edge_state,
           'upstream_public_state', u.public_state,
           'upstream_outcome', u.terminal_outcome,
           'resolved_with', e.upstream_outcome,
           'data_passing_ref', e.data_passing_ref,
           'dependency_kind', e.dependency_kind,
           'condition', e.condition,
           'condition_result', _edge_condition_result(e.condition_result))
           ORDER BY e.edge_id), '[]'::jsonb),
         array_agg(e.edge_id ORDER BY e.edge_id) FILTER (WHERE e.edge_state = 'applied'),
         array_agg(e.edge_id ORDER BY e.edge_id) FILTER (WHERE e.edge_state = 'impossible'),
         count(*) FILTER (WHERE e.edge_state = 'pending'),
         count(*) FILTER (WHERE e.edge_state = 'applied' AND u.lifecycle_phase = 'terminal'),
         -- the first edge made impossible by its condition alone (the kind allowed the outcome)
         (array_agg(format('condition `%s` was %s on %s''s result', e.condition,
                           coalesce(_edge_condition_result(e.condition_result)::text, 'not true'),
                           coalesce(u.raw_fields->>'task_identifier', _canonical_execution_id(e.partition_key, e.upstream_eid)))
                    ORDER BY e.edge_id)
            FILTER (WHERE e.edge_state = 'impossible' AND e.condition IS NOT NULL
                      AND _edge_condition_result(e.condition_result) IS NOT TRUE
                      AND CASE coalesce(e.dependency_kind, 'success_only')
                            WHEN 'success_only' THEN e.upstream_outcome = 'success'
                            WHEN 'failure_only' THEN e.upstream_outcome IN ('failed', 'expired')
                            ELSE true END))[1]
  INTO inbound_edges, v_unresolved, v_impossible, v_staged, v_finished, v_condition
  -- Fenced probes (LATERAL, OFFSET 0, keyed by a value the planner cannot fold into a constant):
  -- on never-analysed tables a plain join read the flow's edges by the primary key's
  -- (partition_key, flow_id) prefix and the partition's executions once per edge.
  FROM unnest(ARRAY[v_id]) AS d(eid)
  CROSS JOIN LATERAL (
    SELECT x.* FROM ff_edge x
    WHERE x.partition_key = v_partition AND x.flow_id = p_flow_id AND x.downstream_eid = d.eid OFFSET 0) e
  LEFT JOIN LATERAL (
    SELECT y.public_state, y.terminal_outcome, y.lifecycle_phase, y.raw_fields FROM ff_exec_core y
    WHERE y.partition_key = v_partition AND y.execution_id = e.upstream_eid OFFSET 0) u ON true;

  v_waiting := CASE WHEN v_exec.raw_fields->>'task_identifier' IS NULL
                      THEN 'no task_identifier, so no worker runs it: complete it with ff_complete_execution'
                    WHEN v_flow.public_flow_state = 'open' AND v_flow.raw_fields->>'started_at_ms' IS NULL
                      THEN 'the flow is not started yet (ff_start_flow)'
                    ELSE 'waiting for a worker' END;
  reason := CASE
    WHEN v_exec.lifecycle_phase = 'terminal' AND v_exec.terminal_outcome = 'skipped' AND v_group.decision = 'impossible'
         AND v_condition IS NOT NULL THEN
      format('terminal: skipped: %s (a branch not taken)', v_condition)
    WHEN v_exec.public_state = 'delayed' OR v_exec.lifecycle_phase = 'active'
         OR (v_exec.failure_reason IS NOT NULL AND v_exec.terminal_outcome IN ('failed', 'expired')) THEN
      -- Run policies (docs/semantics.md §9): retries, delays, timeouts, deadlines in words.
      coalesce(_explain_run(v_exec, v_flow), format('%s: eligibility_state %s', v_exec.public_state, v_exec.eligibility_state))
    WHEN v_exec.lifecycle_phase = 'terminal' AND v_exec.terminal_outcome = 'skipped' AND v_group.decision = 'impossible' THEN
      format('terminal: skipped because its %s dependencies became impossible (%s of %s failed or skipped: %s)',
             v_kind, v_group.fail_count + v_group.skip_count, v_total, _explain_edge_list(v_impossible))
    WHEN v_exec.lifecycle_phase = 'terminal' AND v_exec.terminal_outcome = 'cancelled' AND v_flow.public_flow_state = 'cancelled'
         AND v_exec.terminal_at_ms = (v_flow.raw_fields->>'cancelled_at_ms')::bigint THEN
      format('terminal: cancelled with the flow (%s: %s)', v_flow.raw_fields->>'cancellation_policy', v_flow.raw_fields->>'cancel_reason')
    WHEN v_exec.lifecycle_phase = 'terminal' THEN
      format('terminal: outcome %s', v_exec.terminal_outcome)
    WHEN v_exec.lifecycle_phase = 'suspended' THEN
      'suspended: waiting for a signal (ff_deliver_signal)'
    WHEN v_exec.blocking_reason = 'flow_paused' THEN
      format('eligible: held while the flow is paused (%s); ff_resume_flow enqueues it',
             coalesce(v_flow.raw_fields->>'pause_reason', 'no reason given'))
    WHEN v_group.decision = 'pending' AND v_group.running_count > 0 THEN
      CASE v_kind
        WHEN 'all_of' THEN
          format('blocked: %s of %s all_of dependencies unresolved (%s)', v_group.running_count, v_total, _explain_edge_list(v_unresolved))
        WHEN 'any_of' THEN
          format('blocked: any_of waits for 1 success, %s of %s dependencies unresolved (%s)',
                 v_group.running_count, v_total, _explain_edge_list(v_unresolved))
        ELSE
          format('blocked: quorum needs %s successes, has %s; %s of %s dependencies unresolved (%s)',
                 v_group.k_target, v_group.success_count, v_group.running_count, v_total, _explain_edge_list(v_unresolved))
      END
    WHEN v_group.decision = 'satisfied' AND v_exec.eligibility_state = 'eligible_now' THEN
      format('eligible: %s dependencies satisfied (%s of %s succeeded); %s', v_kind, v_group.success_count, v_total, v_waiting)
    WHEN v_exec.eligibility_state = 'eligible_now' AND v_staged > 0 THEN
      format('eligible: no applied dependencies (%s staged inbound edge%s not applied yet); %s',
             v_staged, CASE WHEN v_staged = 1 THEN '' ELSE 's' END, v_waiting)
    WHEN v_exec.eligibility_state = 'eligible_now' THEN
      format('eligible: no dependencies; %s', v_waiting)
    ELSE
      format('%s: eligibility_state %s, blocking_reason %s', v_exec.public_state, v_exec.eligibility_state, v_exec.blocking_reason)
  END;
  IF v_exec.lifecycle_phase <> 'terminal' AND v_group.decision = 'pending' AND v_finished > 0 THEN
    reason := reason || format('; %s of them with a finished upstream whose cascade has not resolved it yet (is a worker running?)', v_finished);
  END IF;
  IF v_exec.lifecycle_phase <> 'terminal' AND v_flow.public_flow_state <> 'open' THEN
    reason := reason || format(' (the flow is %s)', v_flow.public_flow_state);
  END IF;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_explain_execution(uuid, text) IS
$$Explain why execution p_execution_id ({fp:N}:<uuid> or <uuid>) of flow p_flow_id is where it is. Read-only: takes no row locks.
Returns one row: execution_id (canonical), lifecycle_phase, public_state, eligibility_state, blocking_reason, terminal_outcome; its fan-in group (group_policy, group_decision, k_target, success_count, fail_count, skip_count, running_count; all NULL when it has no group); inbound_edges: jsonb array ordered by edge_id of {edge_id, upstream_execution_id, edge_state, upstream_public_state, upstream_outcome (the upstream's terminal_outcome now), resolved_with (the outcome the edge was resolved with), data_passing_ref, dependency_kind, condition (null when none), condition_result (true, false or null: what the condition gave at resolution)}; and reason, one line, one of:
"terminal: skipped: condition `<path>` was false on <upstream>'s result (a branch not taken)" (an inbound edge whose kind allowed the outcome but whose condition was not true; <upstream> is its task_identifier, else its id), "terminal: skipped because its <kind> dependencies became impossible (F of T failed or skipped: edge …)", "terminal: cancelled with the flow (<policy>: <reason>)", "terminal: outcome <outcome>", "suspended: waiting for a signal (ff_deliver_signal)", "eligible: held while the flow is paused (<reason>); ff_resume_flow enqueues it", "running: attempt N on a worker" (N = raw_fields.attempt_count; a retry adds " (retry R of M after: <failure_reason>)", a replay " (replay R)", an attempt timeout "; times out after T ms"), for a delayed execution "retrying at HH:MM:SS UTC after attempt N of M failed: <failure_reason>" (M = max_retries + 1) or "delayed until HH:MM:SS UTC", for one that failed or expired with a failure_reason "terminal: failed|expired after attempt N of M failed: <reason>" or "terminal: expired at its execution deadline (D ms)", "blocked: U of T all_of dependencies unresolved (edge …, edge …)", "blocked: any_of waits for 1 success, U of T dependencies unresolved (…)", "blocked: quorum needs k successes, has S; U of T dependencies unresolved (…)", "eligible: <kind> dependencies satisfied (S of T succeeded); <what it waits for>" (what it waits for: "no task_identifier, so no worker runs it: complete it with ff_complete_execution", else "the flow is not started yet (ff_start_flow)" while the flow is open and not started, else "waiting for a worker"), "eligible: no applied dependencies (N staged inbound edges not applied yet); …", "eligible: no dependencies; …", else "<public_state>: eligibility_state …, blocking_reason …". A blocked reason adds "; N of them with a finished upstream whose cascade has not resolved it yet (is a worker running?)" when unresolved edges have terminal upstreams. A non-terminal member of a flow that is no longer open gets " (the flow is <state>)" appended. Edge lists show at most five ids, then "… (N more)".
Checks in order: invalid_input (FF012: NULL p_flow_id, malformed p_execution_id; a {fp:N} of another partition -> partition_mismatch); flow_not_found (FF001); execution_not_found (FF003); execution_not_in_flow (FF007).$$;
