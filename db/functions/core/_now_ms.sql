-- _now_ms: the one clock rule — the caller's pinned p_now_ms when given, else the server clock.
CREATE OR REPLACE FUNCTION flowfabric._now_ms(p_now_ms bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF p_now_ms < 0 THEN
    PERFORM _raise('invalid_input', format('p_now_ms: must not be negative (got %s)', p_now_ms));
  END IF;
  RETURN coalesce(p_now_ms, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
END;
$$;

COMMENT ON FUNCTION flowfabric._now_ms(bigint) IS
  'Private. Milliseconds since the epoch: p_now_ms when not NULL (tests pin time this way), else clock_timestamp(). Negative -> invalid_input.';
