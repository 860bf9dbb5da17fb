-- 0.2.0: retention (ff_prune_flows). The prune looks for finished flows oldest first; this partial
-- index holds only the terminal flows, by terminal_at_ms, so each batch is one range scan from the
-- oldest, however many open flows there are. public_flow_state and terminal_at_ms change once, at
-- the terminal transition, so the counter updates of open flows stay HOT (see 111_flow_row_hot.sql).
CREATE INDEX ff_flow_core_finished ON flowfabric.ff_flow_core (terminal_at_ms, flow_id)
  WHERE public_flow_state <> 'open';
COMMENT ON INDEX flowfabric.ff_flow_core_finished IS
  'Terminal flows by terminal_at_ms: the candidates of ff_prune_flows, oldest first.';
