-- ff_worker_heartbeat: a flowstage worker says it is alive, for another p_lease_ms.
CREATE OR REPLACE FUNCTION flowfabric.ff_worker_heartbeat(
  p_worker_id text,
  p_lease_ms  bigint DEFAULT 30000,
  p_info      jsonb  DEFAULT NULL,
  p_now_ms    bigint DEFAULT NULL)
RETURNS TABLE (
  status        flowfabric.ff_worker_heartbeat_status,
  worker_id     flowfabric.ff_name,
  expires_at_ms flowfabric.ff_time_ms)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_now      bigint;
  v_inserted boolean;
BEGIN
  IF p_worker_id IS NULL OR length(p_worker_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM _raise('invalid_input', format('p_worker_id: must be 1..128 characters (got %s)',
      coalesce(quote_literal(left(p_worker_id, 200)), 'NULL')));
  END IF;
  IF p_lease_ms IS NULL OR p_lease_ms NOT BETWEEN 100 AND 3600000 THEN
    PERFORM _raise('invalid_input', format('p_lease_ms: must be 100..3600000 (got %s)', coalesce(p_lease_ms::text, 'NULL')));
  END IF;
  IF p_info IS NOT NULL AND jsonb_typeof(p_info) <> 'object' THEN
    PERFORM _raise('invalid_input', format('p_info: must be a JSON object or NULL (got %s)', jsonb_typeof(p_info)));
  END IF;
  v_now := _now_ms(p_now_ms);

  INSERT INTO ff_worker_heartbeat AS w (worker_id, started_at_ms, heartbeat_at_ms, lease_ms, info)
  VALUES (p_worker_id, v_now, v_now, p_lease_ms, coalesce(p_info, '{}'))
  ON CONFLICT (worker_id) DO UPDATE
  SET heartbeat_at_ms = greatest(w.heartbeat_at_ms, excluded.heartbeat_at_ms),
      lease_ms = excluded.lease_ms,
      info = CASE WHEN p_info IS NULL THEN w.info ELSE excluded.info END
  RETURNING (xmax = 0), w.heartbeat_at_ms + w.lease_ms INTO v_inserted, expires_at_ms;
  status := CASE WHEN v_inserted THEN 'registered' ELSE 'alive' END;
  worker_id := p_worker_id;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_worker_heartbeat(text, bigint, jsonb, bigint) IS
$$Record that worker p_worker_id (a flowstage worker's Graphile Worker pool id: the locked_by of the jobs it holds) is alive and may stay silent for p_lease_ms (100..3600000, default 30000) before ff_reap_dead_workers declares it dead and unlocks its jobs. The flowstage runner calls it when it starts and then every few seconds (well inside the lease).
Returns (status, worker_id, expires_at_ms); registered: the first heartbeat, or the first since the worker was reaped; else alive. expires_at_ms = last heartbeat + lease.
p_info (a JSON object: host, pid, ...) replaces the stored info when given.
Refusals: invalid_input (p_worker_id NULL or not 1..128 characters, p_lease_ms outside 100..3600000, p_info not an object, negative p_now_ms). Locks the worker's heartbeat row only.$$;
