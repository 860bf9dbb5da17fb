-- ff_set_namespace_notify: turn pg_notify announcements of a namespace's changes on or off. Idempotent.
CREATE OR REPLACE FUNCTION flowfabric.ff_set_namespace_notify(
  p_namespace text,
  p_enabled   boolean,
  p_now_ms    bigint DEFAULT NULL)
RETURNS TABLE (
  status    flowfabric.ff_set_status,
  namespace flowfabric.ff_name,
  enabled   flowfabric.ff_flag)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now bigint;
BEGIN
  -- The same rule as ff_create_flow: the channel "flowstage:<namespace>" is at most 63 bytes.
  IF p_namespace IS NULL OR p_namespace = '' OR octet_length(p_namespace) > 53 THEN
    PERFORM _raise('invalid_input', format('p_namespace: must be 1 to 53 bytes (got %s)', _shown(quote_nullable(p_namespace))));
  END IF;
  IF p_enabled IS NULL THEN
    PERFORM _raise('invalid_input', 'p_enabled: must not be null');
  END IF;
  v_now := _now_ms(p_now_ms);
  namespace := p_namespace;
  enabled := p_enabled;
  IF p_enabled THEN
    INSERT INTO ff_namespace_notify (namespace, enabled_at_ms) VALUES (p_namespace, v_now)
    ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM ff_namespace_notify n WHERE n.namespace = p_namespace;
  END IF;
  status := CASE WHEN FOUND THEN 'set' ELSE 'already_set' END;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_set_namespace_notify(text, boolean, bigint) IS
$$Turn notifications of namespace p_namespace on (p_enabled true) or off. Off is the default for every namespace.
Returns (status, namespace, enabled); already_set: the namespace was already in the requested state, nothing changes.
While on, every transaction that changes a flow of the namespace or one of its members sends one pg_notify on channel "flowstage:<namespace>" with payload {"namespace": <namespace>}, delivered at commit; listeners then read ff_flow_event (the source of truth, written whether or not notifications are on). Notifications are off by default because PostgreSQL serialises every notifying commit on one cluster-wide lock. Any role that may connect can LISTEN on (or NOTIFY) that channel: treat a notification as a hint to re-read, never as data.
Refusals: invalid_input (FF012) for a p_namespace that is NULL, empty or longer than 53 bytes, or a NULL p_enabled. Not logged to ff_flow_event (it changes no flow).$$;
