-- _raise: raise a catalogued refusal — SQLSTATE from ff_error, MESSAGE = the code, DETAIL, HINT.
-- Guarantees a bounded DETAIL whatever the call site passes: a runaway DETAIL (a value the call
-- site forgot to pass through _shown) is cut to 200 characters here, so no refusal can echo a
-- megabyte argument to the client and the server log.
CREATE OR REPLACE FUNCTION flowfabric._raise(p_code text, p_detail text, p_hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_error  ff_error;
  v_detail text := p_detail;
BEGIN
  SELECT * INTO v_error FROM ff_error WHERE code = p_code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'flowstage bug: error code % is not in ff_error', p_code;
  END IF;
  -- 2,000: longer than any deliberate DETAIL (a cycle path of 21 canonical ids, an edge as JSON).
  IF length(v_detail) > 2000 THEN
    v_detail := _shown(v_detail);
  END IF;
  RAISE EXCEPTION USING
    ERRCODE = v_error.sqlstate,
    MESSAGE = p_code,
    DETAIL = v_detail,
    HINT = coalesce(p_hint, v_error.hint);
END;
$$;

COMMENT ON FUNCTION flowfabric._raise(text, text, text) IS
  'Private. Raises the ff_error row p_code: SQLSTATE FFnnn, MESSAGE = code, DETAIL = p_detail, HINT = p_hint or the catalogue''s default hint. A DETAIL longer than 2,000 characters (no deliberate one is: call sites quote values through _shown, cycle paths are shortened past 20 entries) is cut to its first 200 characters followed by "… (N characters in all)", so a call site that forgot _shown still answers with a bounded DETAIL (docs/semantics.md §8: a DETAIL quotes at most 200 characters of any value).';
