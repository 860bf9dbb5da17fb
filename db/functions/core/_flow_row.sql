-- _flow_row: a flow's row, read unlocked or locked FOR UPDATE, found in O(1) when this
-- transaction already rewrote it. Locking remembers the locked version for _bump_flow.
--
-- Why: every structural change rewrites the flow row (revision and counters). Inside one
-- transaction none of those versions can be pruned, so a lookup by key walks all of them: adding
-- 10,000 members in one transaction went quadratic. _bump_flow remembers the version it wrote
-- (_remembered_flow_tid) and this lookup tries that ctid first. A stale or forged setting is
-- harmless: the ctid must hold a visible version of this very flow (key rechecked), else the key
-- lookup answers.
CREATE OR REPLACE FUNCTION flowfabric._flow_row(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_for_update    boolean)
RETURNS flowfabric.ff_flow_core
LANGUAGE plpgsql VOLATILE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_tid    tid := _remembered_flow_tid(p_flow_id);
  v_flow   ff_flow_core;
  v_locked record;
BEGIN
  IF v_tid IS NOT NULL THEN
    IF p_for_update THEN
      SELECT f.* INTO v_flow FROM ff_flow_core f
      WHERE f.ctid = v_tid AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id FOR UPDATE;
    ELSE
      SELECT f.* INTO v_flow FROM ff_flow_core f
      WHERE f.ctid = v_tid AND f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
    END IF;
    IF FOUND THEN
      RETURN v_flow;
    END IF;
  END IF;
  IF p_for_update THEN
    SELECT f AS flow, f.ctid AS row_tid INTO v_locked FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id FOR UPDATE;
    IF v_locked.row_tid IS NOT NULL THEN
      PERFORM set_config('flowstage.flow_row', p_flow_id::text || ' ' || v_locked.row_tid::text, true);
    END IF;
    RETURN v_locked.flow;
  ELSE
    SELECT f.* INTO v_flow FROM ff_flow_core f
    WHERE f.partition_key = p_partition_key AND f.flow_id = p_flow_id;
  END IF;
  RETURN v_flow;
END;
$$;

COMMENT ON FUNCTION flowfabric._flow_row(smallint, uuid, boolean) IS
  'Private. The ff_flow_core row of p_flow_id (all fields NULL when missing), locked FOR UPDATE when p_for_update (then the locked version is remembered for _bump_flow). Tries the row version _bump_flow remembered in the transaction-local setting flowstage.flow_row first (O(1) however often this transaction rewrote the row), then the key. The ctid is rechecked against the key and visibility, so a stale or forged setting only costs the key lookup.';
