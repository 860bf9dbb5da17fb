-- _run_policy: validate a run policy (docs/semantics.md §9.1) key by key and return it normalised
-- (backoff filled in to its full shape); NULL for NULL. Refuses as invalid_input naming the key.
CREATE OR REPLACE FUNCTION flowfabric._run_policy(p_field text, p_policy jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_key     text;
  v_value   jsonb;
  v_backoff jsonb;
  v_out     jsonb := '{}'::jsonb;
  v_bkey    text;
BEGIN
  IF p_policy IS NULL THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(p_policy) <> 'object' THEN
    PERFORM _raise('invalid_input', format('%s: must be a JSON object or NULL (got a JSON %s)', p_field, jsonb_typeof(p_policy)));
  END IF;
  FOR v_key, v_value IN SELECT k, v FROM jsonb_each(p_policy) AS j(k, v) ORDER BY k LOOP
    CASE v_key
    WHEN 'max_retries' THEN
      IF NOT _is_int_between(v_value, 0, 1000) THEN
        PERFORM _raise('invalid_input', format('%s.max_retries: must be an integer 0..1000 (got %s)', p_field, _shown(v_value::text)));
      END IF;
    WHEN 'max_replays' THEN
      IF NOT _is_int_between(v_value, 0, 1000000) THEN
        PERFORM _raise('invalid_input', format('%s.max_replays: must be an integer 0..1000000 (got %s)', p_field, _shown(v_value::text)));
      END IF;
    WHEN 'attempt_timeout_ms', 'execution_deadline_ms' THEN
      IF NOT _is_int_between(v_value, 1, 31536000000000) THEN
        PERFORM _raise('invalid_input', format('%s.%s: must be a positive integer of milliseconds (got %s)', p_field, v_key, _shown(v_value::text)));
      END IF;
    WHEN 'backoff' THEN
      IF jsonb_typeof(v_value) <> 'object' OR NOT (v_value->>'type' IN ('exponential', 'fixed')) THEN
        PERFORM _raise('invalid_input',
          format('%s.backoff: must be {"type":"exponential",...} or {"type":"fixed","delay_ms":N} (got %s)', p_field, _shown(v_value::text)));
      END IF;
      IF v_value->>'type' = 'fixed' THEN
        v_backoff := jsonb_build_object('type', 'fixed', 'delay_ms', 1000) || (v_value - 'type');
      ELSE
        v_backoff := jsonb_build_object('type', 'exponential', 'initial_delay_ms', 1000, 'max_delay_ms', 60000, 'multiplier', 2)
                     || (v_value - 'type');
      END IF;
      FOR v_bkey IN SELECT jsonb_object_keys(v_backoff) LOOP
        IF v_bkey = 'type' THEN
          CONTINUE;
        ELSIF v_bkey NOT IN ('delay_ms', 'initial_delay_ms', 'max_delay_ms', 'multiplier')
           OR (v_backoff->>'type' = 'fixed' AND v_bkey <> 'delay_ms')
           OR (v_backoff->>'type' = 'exponential' AND v_bkey = 'delay_ms') THEN
          PERFORM _raise('invalid_input', format('%s.backoff.%s: unknown key for a %s backoff', p_field, v_bkey, v_backoff->>'type'));
        ELSIF v_bkey = 'multiplier' THEN
          IF jsonb_typeof(v_backoff->'multiplier') <> 'number' OR (v_backoff->>'multiplier')::numeric NOT BETWEEN 1 AND 100 THEN
            PERFORM _raise('invalid_input', format('%s.backoff.multiplier: must be a number 1..100 (got %s)', p_field, _shown((v_backoff->'multiplier')::text)));
          END IF;
        ELSIF NOT _is_int_between(v_backoff->v_bkey, 1, 31536000000000) THEN
          PERFORM _raise('invalid_input', format('%s.backoff.%s: must be a positive integer of milliseconds (got %s)',
            p_field, v_bkey, _shown((v_backoff->v_bkey)::text)));
        END IF;
      END LOOP;
      v_value := v_backoff;
    ELSE
      PERFORM _raise('invalid_input',
        format('%s.%s: unknown key (known: max_retries, backoff, attempt_timeout_ms, execution_deadline_ms, max_replays)', p_field, _shown(v_key)));
    END CASE;
    v_out := v_out || jsonb_build_object(v_key, v_value);
  END LOOP;
  RETURN v_out;
END;
$$;

COMMENT ON FUNCTION flowfabric._run_policy(text, jsonb) IS
  'Private. Validates run policy p_policy (docs/semantics.md §9.1) for the argument or plan field p_field and returns it normalised: keys max_retries (integer 0..1000), backoff ({"type":"exponential","initial_delay_ms","max_delay_ms","multiplier"} or {"type":"fixed","delay_ms"}, missing fields filled with the defaults 1000 / 60000 / 2 / 1000; multiplier a number 1..100), attempt_timeout_ms and execution_deadline_ms (positive integers), max_replays (integer 0..1000000). Unknown keys, wrong types, zero or negative durations: invalid_input naming p_field.key. NULL gives NULL.';
