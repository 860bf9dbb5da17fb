-- _log_flow_event: append a mutation to ff_flow_event and, if the namespace opted in, notify its channel once per transaction.
CREATE OR REPLACE FUNCTION flowfabric._log_flow_event(
  p_partition_key smallint,
  p_flow_id uuid,
  p_namespace text,
  p_graph_revision bigint,
  p_operation text,
  p_arguments jsonb,
  p_now_ms bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO ff_flow_event (partition_key, flow_id, graph_revision, operation, arguments, occurred_at_ms)
  VALUES (p_partition_key, p_flow_id, p_graph_revision, p_operation, p_arguments, p_now_ms);
  PERFORM _notify_namespace(p_namespace);
END;
$$;

COMMENT ON FUNCTION flowfabric._log_flow_event(smallint, uuid, text, bigint, text, jsonb, bigint) IS
  'Private. Appends one ff_flow_event row in the caller''s transaction; if p_namespace opted in (ff_set_namespace_notify), _notify_namespace sends one pg_notify per transaction on channel "flowstage:<namespace>", delivered at commit.';
