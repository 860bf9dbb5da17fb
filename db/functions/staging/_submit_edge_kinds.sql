-- _submit_edge_kinds: the kind and condition of each edge item of a plan (docs/semantics.md §10.1).
CREATE OR REPLACE FUNCTION flowfabric._submit_edge_kinds(p_plan jsonb)
RETURNS jsonb[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_kinds jsonb[] := '{}'::jsonb[];
  v_item  jsonb;
  v_index int;
  v_kind  jsonb;
  v_place text;
  v_any   boolean := false;
BEGIN
  -- Plans without kinds or conditions (the common case) pay one path scan.
  IF jsonb_typeof(p_plan->'edges') IS DISTINCT FROM 'array'
     OR NOT jsonb_path_exists(p_plan, '$.edges[*] ? (exists(@.kind) || exists(@.condition) || exists(@.dependency_kind))') THEN
    RETURN NULL;
  END IF;
  FOR v_item, v_index IN
    SELECT a.value, a.ordinality::int - 1 FROM jsonb_array_elements(p_plan->'edges') WITH ORDINALITY a
  LOOP
    v_place := format('edges[%s]', v_index);
    IF jsonb_typeof(v_item) <> 'object' THEN
      CONTINUE;  -- refused by the item check
    END IF;
    v_kind := coalesce(nullif(v_item->'kind', 'null'::jsonb), nullif(v_item->'dependency_kind', 'null'::jsonb));
    IF v_kind IS NOT NULL AND v_kind NOT IN ('"success_only"'::jsonb, '"failure_only"'::jsonb, '"any_outcome"'::jsonb) THEN
      PERFORM _raise('invalid_input', format('%s.%s: must be success_only, failure_only or any_outcome (got %s)',
        v_place, CASE WHEN v_item ? 'kind' THEN 'kind' ELSE 'dependency_kind' END, _submit_quote(v_kind)));
    END IF;
    IF nullif(v_item->'kind', 'null'::jsonb) IS NOT NULL AND nullif(v_item->'dependency_kind', 'null'::jsonb) IS NOT NULL
       AND v_item->'kind' <> v_item->'dependency_kind' THEN
      PERFORM _raise('invalid_input', format('%s.kind: differs from dependency_kind (got %s and %s); give one of them',
        v_place, _submit_quote(v_item->'kind'), _submit_quote(v_item->'dependency_kind')));
    END IF;
    IF jsonb_typeof(v_item->'condition') NOT IN ('string', 'null') THEN
      PERFORM _raise('invalid_input', format('%s.condition: must be a string (got %s)', v_place, _submit_quote(v_item->'condition')));
    END IF;
    PERFORM _check_condition(v_place || '.condition', v_item->>'condition');
    -- normalised: success_only and no condition are left out, so {} is a plain edge
    v_kinds[v_index + 1] := jsonb_strip_nulls(jsonb_build_object(
      'dependency_kind', nullif(v_kind #>> '{}', 'success_only'), 'condition', v_item->>'condition'));
    v_any := v_any OR v_kinds[v_index + 1] <> '{}'::jsonb;
  END LOOP;
  RETURN CASE WHEN v_any THEN v_kinds END;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_edge_kinds(jsonb) IS
  'Private (ff_submit_flow). Per edge item (index i + 1 = item i): {dependency_kind?, condition?} with success_only and an absent condition left out ({} for a plain edge); NULL when no item has a kind or a condition. An item''s kind is its "kind" or "dependency_kind" key (both: they must agree). Refuses, invalid_input naming edges[i].kind / .dependency_kind / .condition: an unknown kind, two kinds that differ, a condition that is not a string or not a SQL/JSON path predicate (_check_condition).';
