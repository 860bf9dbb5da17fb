-- _open_waitpoint: validate a waitpoint's arguments and insert it for a locked execution; returns it and its token.
CREATE OR REPLACE FUNCTION flowfabric._open_waitpoint(
  p_execution        flowfabric.ff_exec_core,
  p_signal_names     text[],
  p_resume_when      text,
  p_timeout_at_ms    bigint,
  p_timeout_behavior text,
  p_state            text,
  p_now_ms           bigint,
  OUT waitpoint_id   uuid,
  OUT token          text)
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  -- 244 random bits (two v4 uuids) as 64 hex digits; only its sha256 is stored.
  token := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
  INSERT INTO ff_waitpoint (partition_key, waitpoint_id, execution_id, flow_id, signal_names, resume_when, timeout_at_ms,
                            timeout_behavior, token_hash, waitpoint_state, created_at_ms)
  VALUES (p_execution.partition_key, gen_random_uuid(), p_execution.execution_id, p_execution.flow_id, p_signal_names,
          p_resume_when, p_timeout_at_ms, p_timeout_behavior, sha256(convert_to(token, 'UTF8')), p_state, p_now_ms)
  RETURNING ff_waitpoint.waitpoint_id INTO waitpoint_id;
END;
$$;

COMMENT ON FUNCTION flowfabric._open_waitpoint(flowfabric.ff_exec_core, text[], text, bigint, text, text, bigint) IS
  'Private (ff_suspend_execution, ff_create_waitpoint). Inserts a waitpoint in state p_state for the execution the caller holds locked, with a fresh random token (64 hex digits, 244 random bits) of which only the sha256 is stored; returns its id and the token. The caller validated the arguments (_check_waitpoint_args).';
