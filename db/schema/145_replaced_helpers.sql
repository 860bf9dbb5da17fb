-- Private helpers replaced in 0.2.0 (the function files re-create what replaces them):
-- _flow_row returns the flow row alone (it returned the row and its ctid as OUT parameters);
-- batch staging and plan submission share one cycle check, _first_cycle_closing_edge, and its
-- Kahn step _graph_is_cyclic.
DROP FUNCTION IF EXISTS flowfabric._flow_row(smallint, uuid, boolean);
DROP FUNCTION IF EXISTS flowfabric._stage_edges_first_cycle(smallint, uuid, uuid[], bigint);
DROP FUNCTION IF EXISTS flowfabric._submit_first_cycle(bigint, uuid[], uuid[], boolean);
DROP FUNCTION IF EXISTS flowfabric._stage_edges_cyclic(int, int[], int[], int[], int);
