-- _raise: raise a catalogued refusal — SQLSTATE from ff_error, MESSAGE = the code, DETAIL, HINT.
CREATE OR REPLACE FUNCTION flowfabric._raise(p_code text, p_detail text, p_hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_error ff_error;
BEGIN
  SELECT * INTO v_error FROM ff_error WHERE code = p_code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'flowstage bug: error code % is not in ff_error', p_code;
  END IF;
  RAISE EXCEPTION USING
    ERRCODE = v_error.sqlstate,
    MESSAGE = p_code,
    DETAIL = p_detail,
    HINT = coalesce(p_hint, v_error.hint);
END;
$$;

COMMENT ON FUNCTION flowfabric._raise(text, text, text) IS
  'Private. Raises the ff_error row p_code: SQLSTATE FFnnn, MESSAGE = code, DETAIL = p_detail, HINT = p_hint or the catalogue''s default hint.';
