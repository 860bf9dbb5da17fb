-- _now_ms: the one clock rule — the server clock, or the caller's pinned p_now_ms when the
-- caller is trusted with the clock (a superuser or the owner); any other login that pins it is
-- refused, so a writer cannot forge the times that decide liveness, retention and the audit log.
CREATE OR REPLACE FUNCTION flowfabric._now_ms(p_now_ms bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_now_ms IS NULL THEN
    RETURN (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
  END IF;
  IF p_now_ms < 0 THEN
    PERFORM _raise('invalid_input', format('p_now_ms: must not be negative (got %s)', p_now_ms));
  END IF;
  IF NOT _clock_trusted() THEN
    PERFORM _raise('invalid_input',
      format('p_now_ms: only a superuser or a member of flowstage_owner may pin the clock (login %s passed %s)',
        session_user, p_now_ms),
      'Leave p_now_ms NULL: the server clock is used.');
  END IF;
  RETURN p_now_ms;
END;
$$;

COMMENT ON FUNCTION flowfabric._now_ms(bigint) IS
  'Private. Milliseconds since the epoch: clock_timestamp() when p_now_ms is NULL; else p_now_ms, honoured only for a superuser or a member of flowstage_owner (tests, the installing role); any other login gets invalid_input naming p_now_ms, as does a negative value (docs/operations.md#trust-model).';
