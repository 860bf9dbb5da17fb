-- 0.2.0: the mutation log's actor is the login that called (SPEC section 8). Every public function
-- now runs SECURITY DEFINER as flowstage_owner (db/privileges/), so current_user inside it is the
-- owner for every caller; session_user is still the role the client connected as (SET ROLE does
-- not change it, so a pooler's SET ROLE shows the pooler's login). Every writer of ff_flow_event
-- leaves actor to this default.
ALTER TABLE flowfabric.ff_flow_event ALTER COLUMN actor SET DEFAULT session_user;

COMMENT ON TABLE flowfabric.ff_flow_event IS
  'Append-only mutation log: flow, graph_revision after the change, operation, the call''s arguments, actor (the calling login), time. Written in the caller''s transaction; replays and refusals write nothing.';
COMMENT ON COLUMN flowfabric.ff_flow_event.actor IS
  'session_user of the call: the login that connected, not flowstage_owner, whose rights the functions run with.';
