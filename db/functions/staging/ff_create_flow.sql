-- ff_create_flow: create a flow, or report the existing one. Idempotent on p_flow_id.
CREATE OR REPLACE FUNCTION flowfabric.ff_create_flow(
  p_flow_id   uuid,
  p_flow_kind text   DEFAULT 'dag',
  p_namespace text   DEFAULT 'default',
  p_default_policy jsonb DEFAULT NULL,
  p_now_ms    bigint DEFAULT NULL)
RETURNS TABLE (
  status         flowfabric.ff_create_flow_status,
  flow_id        flowfabric.ff_flow_id,
  partition_key  flowfabric.ff_partition,
  graph_revision flowfabric.ff_revision)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now       bigint;
  v_partition smallint;
  v_revision  bigint;
  v_policy    jsonb;
BEGIN
  IF p_flow_id IS NULL THEN
    PERFORM _raise('invalid_input', 'p_flow_id: must not be null');
  END IF;
  IF p_flow_kind IS NULL OR p_flow_kind = '' THEN
    PERFORM _raise('invalid_input', 'p_flow_kind: must be a non-empty text');
  END IF;
  PERFORM _check_text_size('p_flow_kind', p_flow_kind, 1024);
  -- The namespace names the pg_notify channel "flowstage:<namespace>", at most 63 bytes.
  IF p_namespace IS NULL OR p_namespace = '' OR octet_length(p_namespace) > 53 THEN
    PERFORM _raise('invalid_input', format('p_namespace: must be 1 to 53 bytes (got %s)', _shown(quote_nullable(p_namespace))));
  END IF;
  v_policy := _run_policy('p_default_policy', p_default_policy);
  v_now := _now_ms(p_now_ms);
  v_partition := ff_flow_partition(p_flow_id);

  flow_id := p_flow_id;
  partition_key := v_partition;

  -- A replay is answered from an unlocked read: no lock, nothing to commit. (Read into a
  -- variable: graph_revision is NOT NULL, and a SELECT INTO that finds no row assigns NULL.)
  SELECT f.graph_revision INTO v_revision
  FROM ff_flow_core f WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;
  IF FOUND THEN
    status := 'already_satisfied';
    graph_revision := v_revision;
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO ff_flow_core (partition_key, flow_id, graph_revision, public_flow_state, created_at_ms, raw_fields)
  VALUES (v_partition, p_flow_id, 0, 'open', v_now,
          jsonb_build_object('flow_kind', p_flow_kind, 'namespace', p_namespace,
                             'node_count', 0, 'edge_count', 0, 'last_mutation_at_ms', v_now)
          || CASE WHEN v_policy IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('default_policy', v_policy) END)
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    PERFORM _log_flow_event(v_partition, p_flow_id, p_namespace, 0, 'create_flow',
      jsonb_build_object('flow_id', p_flow_id, 'flow_kind', p_flow_kind, 'namespace', p_namespace)
      || CASE WHEN v_policy IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('default_policy', v_policy) END, v_now);
    status := 'created';
    graph_revision := 0;
    RETURN NEXT;
    RETURN;
  END IF;

  -- A concurrent caller created it between our read and our insert.
  SELECT f.graph_revision INTO graph_revision
  FROM ff_flow_core f WHERE f.partition_key = v_partition AND f.flow_id = p_flow_id;
  status := 'already_satisfied';
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_create_flow(uuid, text, text, jsonb, bigint) IS
$$Create flow p_flow_id (graph_revision 0, state open, node_count and edge_count 0) on partition ff_flow_partition(p_flow_id).
Returns (status, flow_id, partition_key, graph_revision).
Idempotent: if the flow exists the status is already_satisfied, nothing changes and its current revision is returned; the stored kind, namespace and default policy are kept even if this call passes others.
p_default_policy: the flow-wide run policy (docs/semantics.md §9.1), validated key by key, stored in raw_fields.default_policy; executions created for the flow take its keys where their own policy does not set them. Concurrent creates of one id: exactly one created.
Refusals: invalid_input (FF012) for a NULL p_flow_id, an empty p_flow_kind or one over 1024 bytes, or a p_namespace that is empty or longer than 53 bytes (it names the pg_notify channel "flowstage:<namespace>"), a bad p_default_policy key (DETAIL p_default_policy.<key>).
Logs create_flow to ff_flow_event.$$;
