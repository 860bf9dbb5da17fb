-- ff_worker_heartbeat: a flowstage worker says it is alive, for another p_lease_ms. Only the
-- process holding the secret the worker registered with can renew it (the row keeps its sha256),
-- so no other login can shorten a live worker's lease and have its running jobs reaped.
CREATE OR REPLACE FUNCTION flowfabric.ff_worker_heartbeat(
  p_worker_id text,
  p_secret    text,
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
  v_hash     bytea;
  v_inserted boolean;
  v_expires  bigint;
BEGIN
  IF p_worker_id IS NULL OR length(p_worker_id) NOT BETWEEN 1 AND 128 THEN
    PERFORM _raise('invalid_input', format('p_worker_id: must be 1..128 characters (got %s)',
      coalesce(quote_literal(left(p_worker_id, 200)), 'NULL')));
  END IF;
  IF p_secret IS NULL OR length(p_secret) NOT BETWEEN 16 AND 1024 THEN
    PERFORM _raise('invalid_input', format('p_secret: must be 16..1024 characters (got %s)',
      coalesce(length(p_secret) || ' characters', 'NULL')));
  END IF;
  IF p_lease_ms IS NULL OR p_lease_ms NOT BETWEEN 100 AND 3600000 THEN
    PERFORM _raise('invalid_input', format('p_lease_ms: must be 100..3600000 (got %s)', coalesce(p_lease_ms::text, 'NULL')));
  END IF;
  IF p_info IS NOT NULL AND jsonb_typeof(p_info) <> 'object' THEN
    PERFORM _raise('invalid_input', format('p_info: must be a JSON object or NULL (got %s)', jsonb_typeof(p_info)));
  END IF;
  v_now := _now_ms(p_now_ms);
  IF v_now > 9223372036854775807 - p_lease_ms THEN
    PERFORM _raise('invalid_input', format('p_now_ms: %s plus the lease is past the end of time', v_now));
  END IF;
  v_hash := sha256(convert_to(p_secret, 'UTF8'));

  -- The conflict update only applies when the secret matches; otherwise nothing is written and
  -- RETURNING finds no row.
  INSERT INTO ff_worker_heartbeat AS w (worker_id, started_at_ms, heartbeat_at_ms, lease_ms, info, secret_sha256)
  VALUES (p_worker_id, v_now, v_now, p_lease_ms, coalesce(p_info, '{}'), v_hash)
  ON CONFLICT (worker_id) DO UPDATE
  SET heartbeat_at_ms = greatest(w.heartbeat_at_ms, excluded.heartbeat_at_ms),
      lease_ms = excluded.lease_ms,
      info = CASE WHEN p_info IS NULL THEN w.info ELSE excluded.info END
  WHERE w.secret_sha256 = excluded.secret_sha256
  RETURNING (xmax = 0), w.heartbeat_at_ms + w.lease_ms INTO v_inserted, v_expires;
  IF NOT FOUND THEN
    PERFORM _raise('invalid_input', format(
      'p_secret: worker %s is registered with another secret; only the process that registered it can renew its lease',
      quote_literal(left(p_worker_id, 200))),
      'Each worker process registers its own Graphile Worker pool id with a secret of its own.');
  END IF;
  expires_at_ms := v_expires;
  status := CASE WHEN v_inserted THEN 'registered' ELSE 'alive' END;
  worker_id := p_worker_id;
  RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION flowfabric.ff_worker_heartbeat(text, text, bigint, jsonb, bigint) IS
$$Record that worker p_worker_id (a flowstage worker's Graphile Worker pool id: the locked_by of the jobs it holds) is alive and may stay silent for p_lease_ms (100..3600000, default 30000) before ff_reap_dead_workers declares it dead and unlocks its jobs. The flowstage runner calls it when it starts and then every few seconds (well inside the lease).
p_secret (16..1024 characters; the runner draws 32 random bytes per process) binds the worker id to the process: the first heartbeat stores its sha256, and every later heartbeat of that id must present the same secret, so no other login can renew, shorten or take over a live worker's lease (docs/operations.md#trust-model). A reaped worker's row is gone: its next heartbeat registers it again. A worker id nobody uses yet may be registered by any caller, a writer included: decided harmless, since the row renews only that id and reaping it unlocks only the jobs locked by that id, while a live worker's id is its Graphile Worker pool id (pool- and 9 random bytes), which a writer can neither read (no right on graphile_worker's tables nor on ff_worker_heartbeat) nor lock a job under. A login that can read locked_by (a worker login, a DBA) could so take the id of a pool that sends no heartbeat, but can unlock jobs directly anyway (docs/operations.md#trust-model).
Time: the server clock; p_now_ms is honoured only for a superuser or a member of flowstage_owner (any other login that passes it is refused), so liveness is judged by the database's own clock.
Returns (status, worker_id, expires_at_ms); registered: the first heartbeat, or the first since the worker was reaped; else alive. expires_at_ms = last heartbeat + lease.
p_info (a JSON object: host, pid, ...) replaces the stored info when given.
Refusals: invalid_input (p_worker_id NULL or not 1..128 characters, p_secret NULL or not 16..1024 characters or not the secret the worker registered with, p_lease_ms outside 100..3600000, p_info not an object, p_now_ms negative, pinned by a login not trusted with the clock, or so large that p_now_ms + p_lease_ms overflows). Locks the worker's heartbeat row only.$$;
