-- ff_stage_dependency_edges: stage a batch of edges in a flow, all or nothing, guarded by one graph revision check.
CREATE OR REPLACE FUNCTION flowfabric.ff_stage_dependency_edges(
  p_flow_id                 uuid,
  p_expected_graph_revision bigint,
  p_edges                   jsonb,
  p_dry_run                 boolean DEFAULT false,
  p_now_ms                  bigint  DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_stage_dependency_edges_status,
  edges_staged   flowfabric.ff_count,
  graph_revision flowfabric.ff_revision)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now             bigint;
  v_partition       smallint;
  v_count           int;
  v_entry           jsonb;
  v_index           int;
  v_field           text;
  v_value           jsonb;
  v_unknown         text;
  v_requested       smallint;
  v_id              uuid;
  v_edge_ids        uuid[]     := '{}'::uuid[];
  v_ups             uuid[]     := '{}'::uuid[];
  v_up_requested    smallint[] := '{}'::smallint[];
  v_downs           uuid[]     := '{}'::uuid[];
  v_down_requested  smallint[] := '{}'::smallint[];
  v_refs            text[]     := '{}'::text[];
  v_kinds           jsonb[]    := '{}'::jsonb[];
  v_flow            ff_flow_core;
  v_exec            ff_exec_core;
  v_replay_revision bigint;
BEGIN
  -- Argument validation: invalid_input, DETAIL starts with the field (p_edges[i].<key>, i 0-based).
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_expected_graph_revision IS NULL OR p_expected_graph_revision < 0 THEN
    PERFORM _raise('invalid_input',
      format('p_expected_graph_revision: must be a revision >= 0 (got %s)', coalesce(p_expected_graph_revision::text, 'NULL')));
  END IF;
  IF p_dry_run IS NULL THEN
    PERFORM _raise('invalid_input', 'p_dry_run: must not be null');
  END IF;
  IF p_edges IS NULL THEN
    PERFORM _raise('invalid_input', 'p_edges: must not be null');
  END IF;
  IF jsonb_typeof(p_edges) <> 'array' THEN
    PERFORM _raise('invalid_input', format('p_edges: must be a JSON array of edge objects (got a JSON %s)', jsonb_typeof(p_edges)));
  END IF;
  v_count := jsonb_array_length(p_edges);
  IF v_count = 0 THEN
    PERFORM _raise('invalid_input', 'p_edges: must hold at least one edge (got an empty array)');
  END IF;
  IF v_count > 100000 THEN
    PERFORM _raise('invalid_input', format('p_edges: at most 100000 edges per call (got %s)', v_count),
      'Split the batch into calls of at most 100000 edges, each with the revision the previous one returned.');
  END IF;
  FOR v_entry, v_index IN SELECT a.value, a.ordinality::int - 1 FROM jsonb_array_elements(p_edges) WITH ORDINALITY a LOOP
    IF jsonb_typeof(v_entry) <> 'object' THEN
      PERFORM _raise('invalid_input', format('p_edges[%s]: must be a JSON object (got a JSON %s)', v_index, jsonb_typeof(v_entry)));
    END IF;
    SELECT k INTO v_unknown FROM jsonb_object_keys(v_entry) k
    WHERE k NOT IN ('edge_id', 'upstream_execution_id', 'downstream_execution_id', 'dependency_kind', 'data_passing_ref', 'condition')
    ORDER BY k LIMIT 1;
    IF v_unknown IS NOT NULL THEN
      PERFORM _raise('invalid_input',
        format('p_edges[%s].%s: unknown key; an edge has edge_id, upstream_execution_id, downstream_execution_id, dependency_kind, data_passing_ref, condition',
               v_index, v_unknown));
    END IF;
    -- edge_id: a uuid string (checked by pattern, so a bad one is never a raw cast error)
    v_field := format('p_edges[%s].edge_id', v_index);
    v_value := v_entry->'edge_id';
    IF v_value IS NULL OR jsonb_typeof(v_value) = 'null' THEN
      PERFORM _raise('invalid_input', v_field || ': must not be null');
    END IF;
    IF jsonb_typeof(v_value) <> 'string'
       OR (v_value #>> '{}') !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
      PERFORM _raise('invalid_input', format('%s: must be a uuid string (got %s)', v_field, _shown(v_value::text)));
    END IF;
    v_edge_ids[v_index + 1] := (v_value #>> '{}')::uuid;
    -- endpoints: {fp:N}:<uuid> or <uuid>, as JSON strings
    FOREACH v_field IN ARRAY ARRAY['upstream_execution_id', 'downstream_execution_id'] LOOP
      v_value := v_entry->v_field;
      IF v_value IS NOT NULL AND jsonb_typeof(v_value) NOT IN ('string', 'null') THEN
        PERFORM _raise('invalid_input',
          format('p_edges[%s].%s: must be an execution id string (got %s)', v_index, v_field, _shown(v_value::text)));
      END IF;
    END LOOP;
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _parse_execution_id(format('p_edges[%s].upstream_execution_id', v_index), v_entry->>'upstream_execution_id') p;
    v_up_requested[v_index + 1] := v_requested;
    v_ups[v_index + 1] := v_id;
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _parse_execution_id(format('p_edges[%s].downstream_execution_id', v_index), v_entry->>'downstream_execution_id') p;
    v_down_requested[v_index + 1] := v_requested;
    v_downs[v_index + 1] := v_id;
    -- dependency_kind: absent or null means success_only (docs/semantics.md §10.1)
    v_value := v_entry->'dependency_kind';
    IF v_value IS NOT NULL AND jsonb_typeof(v_value) <> 'null'
       AND v_value NOT IN ('"success_only"'::jsonb, '"failure_only"'::jsonb, '"any_outcome"'::jsonb) THEN
      PERFORM _raise('invalid_input',
        format('p_edges[%s].dependency_kind: must be success_only, failure_only or any_outcome (got %s)', v_index, _shown(v_value::text)));
    END IF;
    -- condition: absent or null means none; else a SQL/JSON path predicate
    IF jsonb_typeof(v_entry->'condition') NOT IN ('string', 'null') THEN
      PERFORM _raise('invalid_input',
        format('p_edges[%s].condition: must be a string (got %s)', v_index, _shown((v_entry->'condition')::text)));
    END IF;
    PERFORM _check_condition(format('p_edges[%s].condition', v_index), v_entry->>'condition');
    IF (v_entry->>'condition') IS NOT NULL OR (v_entry->>'dependency_kind') <> 'success_only' THEN
      v_kinds[v_index + 1] := jsonb_strip_nulls(jsonb_build_object('dependency_kind', v_entry->>'dependency_kind',
                                                                   'condition', v_entry->>'condition'));
    END IF;
    -- data_passing_ref: absent or null means '' (no data passing)
    v_value := v_entry->'data_passing_ref';
    IF v_value IS NOT NULL AND jsonb_typeof(v_value) NOT IN ('string', 'null') THEN
      PERFORM _raise('invalid_input',
        format('p_edges[%s].data_passing_ref: must be a string (got %s)', v_index, _shown(v_value::text)));
    END IF;
    IF v_entry->>'data_passing_ref' = '' THEN
      PERFORM _raise('invalid_input',
        format('p_edges[%s].data_passing_ref: must be absent, null or 1 to 1024 bytes (got an empty string)', v_index));
    END IF;
    v_refs[v_index + 1] := coalesce(v_entry->>'data_passing_ref', '');
    PERFORM _check_text_size(format('p_edges[%s].data_passing_ref', v_index), v_refs[v_index + 1], 1024);
  END LOOP;
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);

  -- 1. self reference, first offending edge
  FOR v_index IN 1 .. v_count LOOP
    IF v_ups[v_index] = v_downs[v_index] THEN
      PERFORM _raise('self_referencing_edge',
        format('p_edges[%s]: upstream_execution_id=%s downstream_execution_id=%s', v_index - 1,
               p_edges->(v_index - 1)->>'upstream_execution_id', p_edges->(v_index - 1)->>'downstream_execution_id'));
    END IF;
  END LOOP;

  -- 2-3 on an unlocked read: a full replay (already_staged) takes no lock.
  v_flow := _get_flow(v_partition, p_flow_id);
  PERFORM _check_flow_open(v_flow);
  v_replay_revision := _stage_edges_replay(v_partition, p_flow_id, v_edge_ids, v_ups, v_downs, v_kinds);
  IF v_replay_revision IS NULL THEN
    -- Write path, a dry run included: the flow row lock serialises every structural change of
    -- the flow, so a dry run answers from the graph a real call would see, and two dry runs
    -- cannot deadlock on each other's trial inserts. Checks 2-7 are repeated under the lock.
    v_flow := _flow_row(v_partition, p_flow_id, true);
    PERFORM _check_flow_open(v_flow);
    v_replay_revision := _stage_edges_replay(v_partition, p_flow_id, v_edge_ids, v_ups, v_downs, v_kinds);
  END IF;
  -- 3. every edge of the batch is already staged exactly: a replay, nothing changes (a dry run says the same)
  IF v_replay_revision IS NOT NULL THEN
    status := 'already_staged';
    edges_staged := 0;
    graph_revision := v_replay_revision;
    RETURN NEXT;
    RETURN;
  END IF;

  -- 4. one revision guard for the whole batch
  IF v_flow.graph_revision <> p_expected_graph_revision THEN
    PERFORM _raise('stale_graph_revision',
      format('flow_id=%s expected_graph_revision=%s current_graph_revision=%s',
             p_flow_id, p_expected_graph_revision, v_flow.graph_revision));
  END IF;

  -- 5. every endpoint is a member: edge by edge, upstream then downstream
  FOR v_index IN 1 .. v_count LOOP
    v_exec := _find_execution(format('p_edges[%s].upstream_execution_id', v_index - 1),
                              v_up_requested[v_index], v_ups[v_index], v_partition);
    IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
      PERFORM _raise('execution_not_in_flow',
        format('p_edges[%s]: upstream_execution_id=%s flow_id=%s',
               v_index - 1, _canonical_execution_id(v_partition, v_ups[v_index]), p_flow_id));
    END IF;
    v_exec := _find_execution(format('p_edges[%s].downstream_execution_id', v_index - 1),
                              v_down_requested[v_index], v_downs[v_index], v_partition);
    IF v_exec.flow_id IS DISTINCT FROM p_flow_id THEN
      PERFORM _raise('execution_not_in_flow',
        format('p_edges[%s]: downstream_execution_id=%s flow_id=%s',
               v_index - 1, _canonical_execution_id(v_partition, v_downs[v_index]), p_flow_id));
    END IF;
  END LOOP;

  -- 6-8. edge by edge: cycle, duplicate edge_id, insert (later edges see the earlier ones)
  IF NOT p_dry_run THEN
    PERFORM _stage_edges_write(v_flow, v_edge_ids, v_ups, v_downs, v_refs, false, v_now, v_kinds);
    status := 'staged';
    edges_staged := v_count;
    graph_revision := v_flow.graph_revision + v_count;
    RETURN NEXT;
    RETURN;
  END IF;
  -- A dry run does the same work in a subtransaction and rolls it back with the private
  -- sentinel SQLSTATE FF900; refusals (FF0nn) are not caught and propagate as from a real call.
  BEGIN
    PERFORM _stage_edges_write(v_flow, v_edge_ids, v_ups, v_downs, v_refs, true, v_now, v_kinds);
  EXCEPTION WHEN SQLSTATE 'FF900' THEN
    NULL;
  END;
  status := 'would_stage';
  edges_staged := v_count;
  graph_revision := v_flow.graph_revision;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_stage_dependency_edges(uuid, bigint, jsonb, boolean, bigint) IS
$$Stage a batch of edges in flow p_flow_id, all or nothing, if the flow is still at p_expected_graph_revision. p_edges is a JSON array (1 to 100000 entries) of {"edge_id", "upstream_execution_id", "downstream_execution_id", "dependency_kind"?, "data_passing_ref"?, "condition"?}; ids as {fp:N}:<uuid> or <uuid>.
Returns one row (status, edges_staged, graph_revision).
staged: edges_staged = n, graph_revision = the new revision, expected + n. already_staged (a full replay): edges_staged 0, graph_revision = the highest staged_graph_revision among the batch's edges. would_stage (p_dry_run): edges_staged = n, graph_revision = the current revision, nothing written.
Argument validation first (invalid_input FF012, DETAIL starts with the field, entries named p_edges[i] with i 0-based): p_flow_id not null; p_expected_graph_revision not null and >= 0; p_dry_run not null; p_edges a non-empty JSON array of at most 100000 objects; in each entry, in array order: no keys but the six above (a misspelt key is refused, not ignored); edge_id a uuid string (8-4-4-4-12 hex); upstream_execution_id, downstream_execution_id execution id strings; dependency_kind absent or null (success_only), success_only, failure_only or any_outcome; condition absent, null or a SQL/JSON path predicate as ff_stage_dependency_edge's p_condition; data_passing_ref absent, null (stored as '') or a string of 1 to 1024 bytes ('' is refused, as ff_submit_flow refuses it).
Then the checks of ff_stage_dependency_edge, the first that fails decides, DETAIL names the offending entry as p_edges[i]: 1 self_referencing_edge (FF005) for the first entry with upstream = downstream; 2 flow_not_found (FF001), flow_already_terminal (FF002); 3 full replay: every entry is already staged in this flow with the same edge_id, endpoints, kind and condition, and no edge_id appears twice in the batch -> already_staged, nothing changes, even if the revision moved on since (a batch only partly staged is not a replay: it goes on and its staged entries meet check 7); 4 stale_graph_revision (FF006, retryable), once for the batch; 5 execution_not_in_flow (FF007) entry by entry, upstream then downstream (an execution on another partition: invalid_input, DETAIL partition_mismatch naming p_edges[i].upstream_execution_id or downstream_execution_id); 6-7 entry by entry in array order, against the flow's edges plus the batch's earlier entries: cycle_detected (FF008, DETAIL p_edges[i]: the cycle upstream first and last, shortened past 20 entries as in ff_stage_dependency_edge), then dependency_already_exists (FF009, DETAIL p_edges[i]: the existing edge as JSON) when the edge_id is already staged in the flow or used by an earlier entry (an entry repeated verbatim is a duplicate too). A cycle formed only by the batch's own edges is refused at the entry that closes it.
On staged: each edge is inserted as ff_stage_dependency_edge inserts it (policy dependency_kind and condition as given, satisfaction_condition all_required, data_passing_ref, edge_state pending, created_at_ms, created_by engine, staged_at_ms, applied_at_ms null) with staged_graph_revision = p_expected_graph_revision + its 1-based position; the flow's graph_revision and edge_count rise by n, last_mutation_at_ms set. Logs one stage_dependency_edge event per edge (same arguments as ff_stage_dependency_edge, graph_revision after that edge), in array order.
p_dry_run: every check above runs exactly as in a real call, the cycle and duplicate checks included (the batch's edges are inserted in a subtransaction that is then rolled back through the private sentinel SQLSTATE FF900, never seen by callers); refusals are raised as in a real call; a full replay answers already_staged; otherwise would_stage. Nothing is written and nothing logged.
Locks: none for a replay found on the unlocked read; else the flow row FOR UPDATE (a dry run too: its answer is the one a real call would get, and concurrent dry runs cannot deadlock on their trial inserts), then the inserted edge rows.
Cost: validation and inserts linear in n; the cycle check is one walk over what is reachable from the batch's downstreams plus a linear topological sort of that part (not one walk per entry, so a batch listed downstream-first costs no more than one listed upstream-first); only a refused batch pays a binary search over prefixes to name the first entry that closes a cycle.$$;
