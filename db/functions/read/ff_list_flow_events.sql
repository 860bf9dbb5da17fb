-- ff_list_flow_events: one flow's mutation log (its timeline), in event_id order, a page at a time.
-- Guarantees: read-only, no row locks; only the flow's own partition and rows are read (primary key
-- range); an entry's arguments over 8 kB are summarised, not returned, so a page stays small.
CREATE OR REPLACE FUNCTION flowfabric.ff_list_flow_events(
  p_flow_id uuid,
  p_after   bigint  DEFAULT NULL,
  p_limit   int     DEFAULT 100,
  p_newest  boolean DEFAULT false)
RETURNS TABLE (
  event_id       flowfabric.ff_event_id,
  graph_revision flowfabric.ff_revision,
  operation      flowfabric.ff_name,
  arguments      jsonb,
  actor          flowfabric.ff_name,
  occurred_at_ms flowfabric.ff_time_ms)
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_partition smallint;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_after IS NOT NULL AND p_after < 0 THEN
    PERFORM _raise('invalid_input', format('p_after: must be NULL or an event_id >= 0 (got %s)', p_after));
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    PERFORM _raise('invalid_input', format('p_limit: must be 1..1000 (got %s)', coalesce(p_limit::text, 'NULL')));
  END IF;
  IF p_newest IS NULL OR (p_newest AND p_after IS NOT NULL) THEN
    PERFORM _raise('invalid_input', 'p_newest: must be true or false, and true only without p_after');
  END IF;
  v_partition := ff_flow_partition(p_flow_id);
  PERFORM _get_flow(v_partition, p_flow_id);

  IF p_newest THEN
    -- The newest p_limit entries (a timeline's first screen), still in event_id order.
    RETURN QUERY
    SELECT n.* FROM (
      SELECT e.event_id::ff_event_id, e.graph_revision::ff_revision, e.operation::ff_name,
             CASE WHEN pg_column_size(e.arguments) <= 8192 THEN e.arguments
                  ELSE jsonb_build_object('omitted', true, 'stored_bytes', pg_column_size(e.arguments)) END,
             e.actor::ff_name, e.occurred_at_ms::ff_time_ms
      FROM ff_flow_event e
      WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
      ORDER BY e.event_id DESC
      LIMIT p_limit) n
    ORDER BY 1;
    RETURN;
  END IF;
  RETURN QUERY
  SELECT e.event_id::ff_event_id, e.graph_revision::ff_revision, e.operation::ff_name,
         CASE WHEN pg_column_size(e.arguments) <= 8192 THEN e.arguments
              ELSE jsonb_build_object('omitted', true, 'stored_bytes', pg_column_size(e.arguments)) END,
         e.actor::ff_name, e.occurred_at_ms::ff_time_ms
  FROM ff_flow_event e
  WHERE e.partition_key = v_partition AND e.flow_id = p_flow_id
    AND e.event_id > coalesce(p_after, 0)
  ORDER BY e.event_id
  LIMIT p_limit;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_list_flow_events(uuid, bigint, int, boolean) IS
$$The mutation log of flow p_flow_id (docs/semantics.md §5): its entries with event_id > p_after (NULL: from the first), ordered by event_id, p_limit (1..1000, default 100) at a time; pass the last event_id of a page to get the next. With p_newest true (and no p_after): the newest p_limit entries instead, still in event_id order (a timeline's first screen). Read-only: takes no row locks.
Returns (event_id, graph_revision (after the change), operation, arguments, actor (the login that called), occurred_at_ms). arguments is the call's jsonb when it is stored in at most 8192 bytes; a bigger one (a whole ff_submit_flow plan) comes back as {"omitted": true, "stored_bytes": N}, so a timeline page never carries megabytes.
Refusals in order: invalid_input (FF012: NULL p_flow_id, negative p_after, p_limit outside 1..1000, p_newest NULL or true with p_after); flow_not_found (FF001).$$;
