-- 501: Kahn's algorithm is written once (_kahn_unpeeled, shared by the staging cycle check and
-- ff_check_invariants' _stored_cycles); the boolean helper it replaces is dropped.
DROP FUNCTION IF EXISTS flowfabric._graph_is_cyclic(int, int[], int[], int[], int);
