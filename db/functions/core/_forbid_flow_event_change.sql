-- _forbid_flow_event_change: ff_flow_event is append-only (an audit trail); only ff_prune_flows
-- deletes from it, and only the rows of flows it has already deleted.
--
-- Why a writer cannot use the prune's way through: a DELETE passes only when all three hold:
--   1. the transaction-local setting flowstage.prune_flow_events is 'on'. ff_prune_flows turns it
--      on around its DELETE of log rows and off again (an error aborts the transaction, and the
--      setting with it). Anyone can set it in a session, so it only keeps the owner's own
--      hand-written DELETEs out; the next two are the guard.
--   2. the row's flow no longer exists in ff_flow_core. Flow rows are deleted by ff_prune_flows
--      alone, and only when the flow is terminal and past the caller's cutoff, so the log of a
--      flow that exists (open, or finished and kept) can never be deleted, whatever the setting.
--   3. the deleting role (current_user: the definer inside a SECURITY DEFINER function) is a
--      member of ff_flow_event's owner. The owner can disable this trigger anyway, so this takes
--      nothing from it, and an application role that was granted DELETE by mistake still cannot.
-- UPDATE and TRUNCATE are refused always. The checks are per deleted row: one key probe of
-- ff_flow_core and a cached role check.
CREATE OR REPLACE FUNCTION flowfabric._forbid_flow_event_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('flowstage.prune_flow_events', true) = 'on'
     AND pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
    -- Nested, so the flow lookup runs only for the owner (another role may not read ff_flow_core).
    IF NOT EXISTS (SELECT 1 FROM ff_flow_core f
                   WHERE f.partition_key = OLD.partition_key AND f.flow_id = OLD.flow_id) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'FF012', MESSAGE = 'invalid_input',
    DETAIL = format('ff_flow_event: %s is not allowed, the mutation log is append-only', TG_OP),
    HINT = 'The log is never edited; ff_prune_flows deletes the log of the finished flows it prunes.';
END;
$$;

COMMENT ON FUNCTION flowfabric._forbid_flow_event_change() IS
  'Private trigger. Refuses UPDATE, DELETE and TRUNCATE on ff_flow_event, except the DELETEs of ff_prune_flows: while it runs (setting flowstage.prune_flow_events on), a role that is a member of the table''s owner may delete the rows of a flow whose ff_flow_core row is gone.';

CREATE OR REPLACE TRIGGER ff_flow_event_append_only
  BEFORE UPDATE OR DELETE ON flowfabric.ff_flow_event
  FOR EACH ROW EXECUTE FUNCTION flowfabric._forbid_flow_event_change();
CREATE OR REPLACE TRIGGER ff_flow_event_no_truncate
  BEFORE TRUNCATE ON flowfabric.ff_flow_event
  FOR EACH STATEMENT EXECUTE FUNCTION flowfabric._forbid_flow_event_change();
