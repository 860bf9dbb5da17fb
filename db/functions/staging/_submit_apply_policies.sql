-- _submit_apply_policies: the run policies and start delays of the executions a plan created
-- (docs/semantics.md §9.1, §9.2), in one statement; nothing when the plan sets none.
CREATE OR REPLACE FUNCTION flowfabric._submit_apply_policies(
  p_partition      smallint,
  p_flow           flowfabric.ff_flow_core,
  p_plan           jsonb,
  p_ids            uuid[],
  p_created        uuid[],
  p_default_policy jsonb,
  p_now_ms         bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_base jsonb := coalesce(p_flow.raw_fields->'default_policy', '{}') || coalesce(p_default_policy, '{}');
BEGIN
  IF cardinality(p_created) = 0 THEN
    RETURN;
  END IF;
  IF v_base = '{}'::jsonb AND NOT EXISTS (
       SELECT 1 FROM jsonb_array_elements(coalesce(nullif(p_plan->'executions', 'null'::jsonb), '[]'::jsonb)) a
       WHERE jsonb_typeof(a) = 'object' AND (a ? 'policy' OR a ? 'delay_until_ms')) THEN
    RETURN;  -- the common plan: no policy anywhere, nothing to write
  END IF;
  -- The items are zipped with the parsed ids by position; an execution named twice takes its
  -- first item, as the insert did. Policies were validated by _submit_check_items.
  UPDATE ff_exec_core e
  SET policy = i.policy,
      delay_until_ms = i.delay_until_ms,
      eligibility_state = CASE WHEN i.delay_until_ms IS NOT NULL AND e.eligibility_state = 'eligible_now'
                               THEN 'not_eligible_until_time' ELSE e.eligibility_state END,
      public_state = CASE WHEN i.delay_until_ms IS NOT NULL AND e.eligibility_state = 'eligible_now'
                          THEN 'delayed' ELSE e.public_state END,
      blocking_reason = CASE WHEN i.delay_until_ms IS NOT NULL AND e.eligibility_state = 'eligible_now'
                             THEN 'waiting_for_delay' ELSE e.blocking_reason END
  FROM (SELECT DISTINCT ON (x.id) x.id,
               v_base || coalesce(_run_policy('policy', nullif(a.item->'policy', 'null'::jsonb)), '{}') AS policy,
               CASE WHEN (a.item->>'delay_until_ms')::bigint > p_now_ms THEN (a.item->>'delay_until_ms')::bigint END AS delay_until_ms
        FROM unnest(p_ids) WITH ORDINALITY AS x(id, ord)
        JOIN jsonb_array_elements(p_plan->'executions') WITH ORDINALITY AS a(item, ord) ON a.ord = x.ord
        WHERE x.id = ANY (p_created)
        ORDER BY x.id, x.ord) i
  WHERE e.partition_key = p_partition AND e.execution_id = i.id;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_apply_policies(smallint, flowfabric.ff_flow_core, jsonb, uuid[], uuid[], jsonb, bigint) IS
  'Private. For the executions ff_submit_flow created (p_created, in the plan''s order p_ids): policy = the flow''s raw_fields.default_policy, then the plan''s default_policy, then the item''s policy (normalised by _run_policy); an item''s delay_until_ms after p_now_ms makes an eligible execution delayed (not_eligible_until_time, waiting_for_delay) and is its run job''s run_at. Executions the plan names that existed already keep their policy. Returns at once when neither the plan nor the flow sets any.';
