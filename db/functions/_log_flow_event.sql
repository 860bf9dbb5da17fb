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

-- ff_flow_event is append-only: the log is an audit trail.
CREATE OR REPLACE FUNCTION flowfabric._forbid_flow_event_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'FF012', MESSAGE = 'invalid_input',
    DETAIL = format('ff_flow_event: %s is not allowed, the mutation log is append-only', TG_OP),
    HINT = 'Drop the schema to uninstall; the log is never edited.';
END;
$$;

COMMENT ON FUNCTION flowfabric._forbid_flow_event_change() IS
  'Private trigger. Refuses UPDATE, DELETE and TRUNCATE on ff_flow_event.';

CREATE OR REPLACE TRIGGER ff_flow_event_append_only
  BEFORE UPDATE OR DELETE ON flowfabric.ff_flow_event
  FOR EACH ROW EXECUTE FUNCTION flowfabric._forbid_flow_event_change();
CREATE OR REPLACE TRIGGER ff_flow_event_no_truncate
  BEFORE TRUNCATE ON flowfabric.ff_flow_event
  FOR EACH STATEMENT EXECUTE FUNCTION flowfabric._forbid_flow_event_change();
