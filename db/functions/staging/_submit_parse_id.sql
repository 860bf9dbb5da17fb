-- _submit_parse_id: one id field of a plan item ({fp:N}:<uuid> or <uuid>, or a bare uuid for an edge_id), refused with its place.
CREATE OR REPLACE FUNCTION flowfabric._submit_parse_id(
  p_field     text,
  p_value     jsonb,
  p_bare_only boolean DEFAULT false,
  OUT partition_key smallint,
  OUT execution_id  uuid)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_text   text;
  v_uuid   text;
  v_digits text;
BEGIN
  IF p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN
    PERFORM _raise('invalid_input', format('%s: must not be null', p_field));
  END IF;
  IF jsonb_typeof(p_value) <> 'string' THEN
    PERFORM _raise('invalid_input', format('%s: must be %s string (got %s)', p_field,
      CASE WHEN p_bare_only THEN 'a uuid' ELSE 'an execution id' END, _submit_quote(p_value)));
  END IF;
  v_text := p_value #>> '{}';
  v_uuid := v_text;
  IF left(v_text, 4) = '{fp:' AND NOT p_bare_only THEN
    v_digits := split_part(substr(v_text, 5), '}:', 1);
    v_uuid := substr(v_text, 7 + length(v_digits));
    IF v_digits = '' OR length(v_digits) > 3 OR translate(v_digits, '0123456789', '') <> ''
       OR substr(v_text, 5 + length(v_digits), 2) <> '}:' THEN
      v_uuid := NULL;
    ELSIF v_digits::int > 255 THEN
      v_uuid := NULL;
    END IF;
  END IF;
  IF v_uuid IS NULL OR length(v_uuid) <> 36
     OR translate(lower(v_uuid), '0123456789abcdef', '') <> '----'
     OR substr(v_uuid, 9, 1) <> '-' OR substr(v_uuid, 14, 1) <> '-'
     OR substr(v_uuid, 19, 1) <> '-' OR substr(v_uuid, 24, 1) <> '-' THEN
    PERFORM _raise('invalid_input', CASE WHEN p_bare_only
      THEN format('%s: must be a uuid string (got %s)', p_field, _submit_quote(p_value))
      ELSE format('%s: not an execution id, expected {fp:N}:<uuid> with N in 0..255 or <uuid> (got %s)',
                  p_field, _submit_quote(p_value)) END);
  END IF;
  partition_key := v_digits::smallint;  -- NULL for a bare uuid
  execution_id := v_uuid::uuid;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_parse_id(text, jsonb, boolean) IS
  'Private (ff_submit_flow''s exact item check). Parses a plan item''s id field: a JSON string {fp:N}:<uuid> (N in 0..255) or <uuid> (8-4-4-4-12 hex digits, either case); with p_bare_only (edge_id) only <uuid>. partition_key is NULL for a bare uuid. Absent, JSON null, not a string or malformed -> invalid_input with DETAIL "<p_field>: ..." quoting at most 200 characters of the value.';
