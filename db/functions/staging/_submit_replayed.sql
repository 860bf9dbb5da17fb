-- _submit_replayed: the answer of ff_submit_flow to a plan that changes nothing (starting the flow if asked).
CREATE OR REPLACE FUNCTION flowfabric._submit_replayed(p_flow flowfabric.ff_flow_core, p_start boolean, p_now_ms bigint)
RETURNS TABLE (
  status             flowfabric.ff_submit_flow_status,
  graph_revision     flowfabric.ff_revision,
  executions_created flowfabric.ff_count,
  members_added      flowfabric.ff_count,
  edges_staged       flowfabric.ff_count,
  edges_applied      flowfabric.ff_count,
  groups_set         flowfabric.ff_count,
  started            flowfabric.ff_flag)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  started := p_flow.raw_fields ? 'started_at_ms';
  IF p_start AND NOT started THEN
    PERFORM ff_start_flow(p_flow_id => p_flow.flow_id, p_now_ms => p_now_ms);
    started := true;
  END IF;
  status := 'already_submitted';
  graph_revision := p_flow.graph_revision;
  executions_created := 0;
  members_added := 0;
  edges_staged := 0;
  edges_applied := 0;
  groups_set := 0;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric._submit_replayed(flowfabric.ff_flow_core, boolean, bigint) IS
  'Private (ff_submit_flow). The already_submitted row for a plan already present in flow p_flow: graph_revision = the flow''s current revision, every count 0, started = the flow has been started; with p_start and a flow not yet started, ff_start_flow runs first (the only write).';
