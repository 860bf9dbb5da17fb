-- _notify_namespace: announce a change in p_namespace, at most once per transaction, if the namespace opted in.
CREATE OR REPLACE FUNCTION flowfabric._notify_namespace(p_namespace text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM 1 FROM ff_namespace_notify n WHERE n.namespace = p_namespace;
  IF FOUND THEN
    -- The payload is the same for every call of a transaction, and PostgreSQL delivers identical
    -- notifications of one transaction once: one notification per transaction and namespace.
    PERFORM pg_notify('flowstage:' || p_namespace, json_build_object('namespace', p_namespace)::text);
  END IF;
END;
$$;

COMMENT ON FUNCTION flowfabric._notify_namespace(text) IS
  'Private. If p_namespace is listed in ff_namespace_notify (ff_set_namespace_notify), pg_notify on channel "flowstage:<namespace>" with payload {"namespace": <namespace>}; identical within a transaction, so listeners get one notification per committed transaction and then read ff_flow_event. Otherwise nothing: a notifying commit takes a cluster-wide lock, so notifications are off by default.';
