-- _submit_check_items: check a plan's items one by one, in plan order, and raise the first malformed one.
CREATE OR REPLACE FUNCTION flowfabric._submit_check_items(p_plan jsonb)
RETURNS flowfabric.ff_submit_plan
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_executions ff_submit_plan_execution[] := '{}'::ff_submit_plan_execution[];
  v_groups     ff_submit_plan_group[] := '{}'::ff_submit_plan_group[];
  v_edges      ff_submit_plan_edge[] := '{}'::ff_submit_plan_edge[];
  v_item      jsonb;
  v_index     int;
  v_place     text;
  v_unknown   text;
  v_value     jsonb;
  v_requested smallint;
  v_id        uuid;
  v_edge_id   uuid;
  v_up        uuid;
  v_up_requested smallint;
  v_task      text;
  v_payload   jsonb;
  v_priority  int;
  v_kind      text;
  v_on        text;
  v_k         int;
BEGIN
  -- executions: {"execution_id", "task_identifier"?, "payload"?, "priority"?, "lane_id"?}
  FOR v_item, v_index IN
    SELECT a.value, a.ordinality::int - 1
    FROM jsonb_array_elements(coalesce(nullif(p_plan->'executions', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY a
  LOOP
    v_place := format('executions[%s]', v_index);
    IF jsonb_typeof(v_item) <> 'object' THEN
      PERFORM _raise('invalid_input', format('%s: must be a JSON object (got a JSON %s)', v_place, jsonb_typeof(v_item)));
    END IF;
    SELECT k INTO v_unknown FROM jsonb_object_keys(v_item) k
    WHERE k NOT IN ('execution_id', 'task_identifier', 'payload', 'priority', 'lane_id', 'policy', 'delay_until_ms') ORDER BY k LIMIT 1;
    IF v_unknown IS NOT NULL THEN
      PERFORM _raise('invalid_input', format('%s.%s: unknown key; an execution has execution_id, task_identifier, payload, priority, lane_id, policy, delay_until_ms',
        v_place, left(v_unknown, 200)));
    END IF;
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _submit_parse_id(v_place || '.execution_id', v_item->'execution_id') p;
    v_value := nullif(v_item->'task_identifier', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'string' OR char_length(v_value #>> '{}') NOT BETWEEN 1 AND 128) THEN
      PERFORM _raise('invalid_input', format('%s.task_identifier: must be a string of 1 to 128 characters (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    IF starts_with(v_value #>> '{}', 'flowstage__') THEN
      PERFORM _raise('invalid_input', format('%s.task_identifier: the flowstage__ prefix is reserved for flowstage''s own worker tasks (got %s)',
        v_place, _submit_quote(v_value)));
    END IF;
    v_task := v_value #>> '{}';
    v_value := nullif(v_item->'payload', 'null'::jsonb);
    IF v_value IS NOT NULL AND jsonb_typeof(v_value) <> 'object' THEN
      PERFORM _raise('invalid_input', format('%s.payload: must be a JSON object or null (got a JSON %s)', v_place, jsonb_typeof(v_value)));
    END IF;
    v_payload := v_value;
    v_value := nullif(v_item->'priority', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'number' OR v_value::numeric <> trunc(v_value::numeric)
                                OR v_value::numeric NOT BETWEEN -2147483648 AND 2147483647) THEN
      PERFORM _raise('invalid_input', format('%s.priority: must be an integer (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_priority := coalesce(v_value::numeric::int, 0);
    v_value := nullif(v_item->'lane_id', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'string' OR octet_length(v_value #>> '{}') NOT BETWEEN 1 AND 1024) THEN
      PERFORM _raise('invalid_input', format('%s.lane_id: must be a string of 1 to 1024 bytes (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_executions[v_index + 1] := ROW(v_id, v_requested, v_task, v_payload, v_priority, coalesce(v_value #>> '{}', 'default'));
    -- Run policy (docs/semantics.md §9.1): applied by ff_submit_flow to the executions it creates.
    PERFORM _run_policy(v_place || '.policy', nullif(v_item->'policy', 'null'::jsonb));
    v_value := nullif(v_item->'delay_until_ms', 'null'::jsonb);
    IF v_value IS NOT NULL AND NOT _is_int_between(v_value, 0, 9223372036854775807) THEN
      PERFORM _raise('invalid_input', format('%s.delay_until_ms: must be a time in ms since the epoch (got %s)', v_place, _submit_quote(v_value)));
    END IF;
  END LOOP;

  -- groups: {"downstream_execution_id", "kind", "on_satisfied"?, "k"?}, checked as ff_set_edge_group_policy checks its arguments
  FOR v_item, v_index IN
    SELECT a.value, a.ordinality::int - 1
    FROM jsonb_array_elements(coalesce(nullif(p_plan->'groups', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY a
  LOOP
    v_place := format('groups[%s]', v_index);
    IF jsonb_typeof(v_item) <> 'object' THEN
      PERFORM _raise('invalid_input', format('%s: must be a JSON object (got a JSON %s)', v_place, jsonb_typeof(v_item)));
    END IF;
    SELECT k INTO v_unknown FROM jsonb_object_keys(v_item) k
    WHERE k NOT IN ('downstream_execution_id', 'kind', 'on_satisfied', 'k') ORDER BY k LIMIT 1;
    IF v_unknown IS NOT NULL THEN
      PERFORM _raise('invalid_input', format('%s.%s: unknown key; a group has downstream_execution_id, kind, on_satisfied, k',
        v_place, left(v_unknown, 200)));
    END IF;
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _submit_parse_id(v_place || '.downstream_execution_id', v_item->'downstream_execution_id') p;
    v_value := v_item->'kind';
    IF v_value IS NULL OR jsonb_typeof(v_value) <> 'string' OR v_value #>> '{}' NOT IN ('all_of', 'any_of', 'quorum') THEN
      PERFORM _raise('invalid_input', format('%s.kind: must be all_of, any_of or quorum (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_kind := v_value #>> '{}';
    v_value := nullif(v_item->'on_satisfied', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'string' OR v_value #>> '{}' NOT IN ('cancel_remaining', 'let_run')) THEN
      PERFORM _raise('invalid_input', format('%s.on_satisfied: must be cancel_remaining or let_run (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_on := v_value #>> '{}';
    IF v_kind = 'all_of' AND v_on IS NOT NULL THEN
      PERFORM _raise('invalid_input', format('%s.on_satisfied: must be absent for all_of (it is satisfied only when every edge succeeded)', v_place));
    END IF;
    IF v_kind IN ('any_of', 'quorum') AND v_on IS NULL THEN
      PERFORM _raise('invalid_input', format('%s.on_satisfied: required for %s (cancel_remaining or let_run)', v_place, v_kind));
    END IF;
    v_value := nullif(v_item->'k', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'number' OR v_value::numeric <> trunc(v_value::numeric)
                                OR v_value::numeric NOT BETWEEN -2147483648 AND 2147483647) THEN
      PERFORM _raise('invalid_input', format('%s.k: must be an integer (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_k := v_value::numeric::int;
    IF v_kind IN ('all_of', 'any_of') AND v_k IS NOT NULL THEN
      PERFORM _raise('invalid_input', format('%s.k: must be absent for %s (got %s)', v_place, v_kind, v_k));
    END IF;
    IF v_kind = 'quorum' AND (v_k IS NULL OR v_k < 1) THEN
      PERFORM _raise('invalid_input', format('%s.k: quorum needs k >= 1 (got %s)', v_place, coalesce(v_k::text, 'NULL')));
    END IF;
    v_groups[v_index + 1] := ROW(v_id, v_requested,
      CASE v_kind
        WHEN 'all_of' THEN jsonb_build_object('kind', 'all_of')
        WHEN 'any_of' THEN jsonb_build_object('kind', 'any_of', 'on_satisfied', v_on)
        ELSE jsonb_build_object('kind', 'quorum', 'k', v_k, 'on_satisfied', v_on) END,
      CASE v_kind WHEN 'quorum' THEN v_k WHEN 'any_of' THEN 1 END);
  END LOOP;

  -- edges: {"edge_id", "upstream_execution_id", "downstream_execution_id", "data_passing_ref"?, "dependency_kind"?}
  FOR v_item, v_index IN
    SELECT a.value, a.ordinality::int - 1
    FROM jsonb_array_elements(coalesce(nullif(p_plan->'edges', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY a
  LOOP
    v_place := format('edges[%s]', v_index);
    IF jsonb_typeof(v_item) <> 'object' THEN
      PERFORM _raise('invalid_input', format('%s: must be a JSON object (got a JSON %s)', v_place, jsonb_typeof(v_item)));
    END IF;
    SELECT k INTO v_unknown FROM jsonb_object_keys(v_item) k
    WHERE k NOT IN ('edge_id', 'upstream_execution_id', 'downstream_execution_id', 'data_passing_ref', 'dependency_kind', 'kind', 'condition') ORDER BY k LIMIT 1;
    IF v_unknown IS NOT NULL THEN
      PERFORM _raise('invalid_input', format('%s.%s: unknown key; an edge has edge_id, upstream_execution_id, downstream_execution_id, data_passing_ref, kind (or dependency_kind), condition',
        v_place, left(v_unknown, 200)));
    END IF;
    SELECT p.execution_id INTO v_edge_id FROM _submit_parse_id(v_place || '.edge_id', v_item->'edge_id', true) p;
    SELECT p.partition_key, p.execution_id INTO v_up_requested, v_up
    FROM _submit_parse_id(v_place || '.upstream_execution_id', v_item->'upstream_execution_id') p;
    SELECT p.partition_key, p.execution_id INTO v_requested, v_id
    FROM _submit_parse_id(v_place || '.downstream_execution_id', v_item->'downstream_execution_id') p;
    v_value := nullif(v_item->'dependency_kind', 'null'::jsonb);
    IF v_value IS NOT NULL AND v_value NOT IN ('"success_only"'::jsonb, '"failure_only"'::jsonb, '"any_outcome"'::jsonb) THEN
      PERFORM _raise('invalid_input', format('%s.dependency_kind: must be success_only, failure_only or any_outcome (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_value := nullif(v_item->'data_passing_ref', 'null'::jsonb);
    IF v_value IS NOT NULL AND (jsonb_typeof(v_value) <> 'string' OR octet_length(v_value #>> '{}') NOT BETWEEN 1 AND 1024) THEN
      PERFORM _raise('invalid_input', format('%s.data_passing_ref: must be a string of 1 to 1024 bytes (got %s)', v_place, _submit_quote(v_value)));
    END IF;
    v_edges[v_index + 1] := ROW(v_edge_id, v_up, v_up_requested, v_id, v_requested, coalesce(v_value #>> '{}', ''), NULL);
  END LOOP;
  RETURN ROW(v_executions, v_groups, v_edges, false)::ff_submit_plan;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_check_items(jsonb) IS
$$Private (ff_submit_flow). The exact argument check of a plan's items, one by one in plan order (executions, then groups, then edges; each item's fields in the order listed): raises invalid_input (FF012) for the first malformed item, DETAIL "<section>[i].<field>: ..." (i 0-based) quoting at most 200 characters of a value; otherwise returns the items parsed, as an ff_submit_plan (element i + 1 of a section = item i; edges' kinds NULL and has_kinds false: _submit_parse_plan adds them).
executions: an object with keys execution_id ({fp:N}:<uuid> or <uuid>), task_identifier (absent/null or 1..128 characters, not starting with the reserved flowstage__), payload (absent/null or a JSON object), priority (absent/null = 0, or an integer), lane_id (absent/null = 'default', or 1..1024 bytes), policy (a run policy, checked by _run_policy), delay_until_ms (a non-negative integer). groups: downstream_execution_id, kind (all_of | any_of | quorum), on_satisfied (cancel_remaining | let_run; absent for all_of, required otherwise), k (quorum only, >= 1); returned as the policy jsonb ff_set_edge_group_policy stores and its k_target. edges: edge_id (a uuid), upstream_execution_id, downstream_execution_id, dependency_kind (absent/null or success_only | failure_only | any_outcome; kind and condition are checked by _submit_edge_kinds), data_passing_ref (absent/null = '', or 1..1024 bytes). Unknown keys are refused. The *requested_partition fields hold the {fp:N} of an id, NULL for a bare uuid.
ff_submit_flow calls it only when its set-based check (_submit_parse_plan) finds something unusual, so its cost (a loop over the items) is paid on refusals only.$$;
