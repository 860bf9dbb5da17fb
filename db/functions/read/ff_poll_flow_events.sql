-- ff_poll_flow_events: the mutation log's entries after a cursor, across every flow, in event_id order (the dashboard's keyset poll).
-- Guarantees: read-only, no row locks; one index range scan (ff_flow_event_event_id); no arguments
-- (a submit's row can hold megabytes): the caller reads what changed with the flow's own functions.
CREATE OR REPLACE FUNCTION flowfabric.ff_poll_flow_events(
  p_after bigint DEFAULT NULL,
  p_limit int    DEFAULT 1000)
RETURNS TABLE (
  event_id       flowfabric.ff_event_id,
  flow_id        flowfabric.ff_flow_id,
  partition_key  flowfabric.ff_partition,
  graph_revision flowfabric.ff_revision,
  operation      flowfabric.ff_name,
  occurred_at_ms flowfabric.ff_time_ms)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_after < 0 THEN
    PERFORM _raise('invalid_input', format('p_after: must be NULL or an event_id >= 0 (got %s)', p_after));
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    PERFORM _raise('invalid_input', format('p_limit: must be 1..10000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  -- The one statement on ff_flow_event without a partition_key filter: like ff_list_flows it spans
  -- every partition by design (on Citus a multi-shard query, ORDER BY/LIMIT pushed to each shard).
  IF p_after IS NULL THEN
    -- Where a new cursor starts: the newest entry alone.
    RETURN QUERY
    SELECT e.event_id::ff_event_id, e.flow_id::ff_flow_id, e.partition_key::ff_partition,
           e.graph_revision::ff_revision, e.operation::ff_name, e.occurred_at_ms::ff_time_ms
    FROM ff_flow_event e
    ORDER BY e.event_id DESC
    LIMIT 1;
    RETURN;
  END IF;
  RETURN QUERY
  SELECT e.event_id::ff_event_id, e.flow_id::ff_flow_id, e.partition_key::ff_partition,
         e.graph_revision::ff_revision, e.operation::ff_name, e.occurred_at_ms::ff_time_ms
  FROM ff_flow_event e
  WHERE e.event_id > p_after
  ORDER BY e.event_id
  LIMIT p_limit;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_poll_flow_events(bigint, int) IS
$$The mutation log (ff_flow_event) after event_id p_after, every flow, ordered by event_id, p_limit (1..10000, default 1000) at a time. Read-only: takes no row locks; one range scan of the index on event_id, so a poller can ask "what changed since" for every open page in one query.
p_after NULL (the default) returns the newest entry alone (none when the log is empty): where a new cursor starts.
Returns (event_id, flow_id, partition_key, graph_revision, operation, occurred_at_ms); the call's arguments are left out (read the flow's log with ff_list_flow_events).
event_id is an identity assigned at insert, so an entry of a transaction still running can appear after a higher one that committed first: a poller that must not miss one re-reads from below its oldest gap (the dashboard does, for 10 s). Under Citus the identity is per shard; a poller then keeps its cursor per partition.
Refusals: invalid_input (FF012) for a negative p_after, p_limit outside 1..10000.$$;
