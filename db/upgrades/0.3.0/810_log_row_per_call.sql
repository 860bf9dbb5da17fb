-- 810: one log row per call (issue 21): a completion's row lists the edges it resolved, so
-- _resolve_edges takes the caller's operation and arguments, and _finish_execution can leave the
-- row to its caller (ff_cancel_flow, ff_cancel_siblings_step). The old signatures are dropped;
-- the new ones are created with the functions.
DROP FUNCTION IF EXISTS flowfabric._resolve_edges(smallint, uuid, uuid, text, uuid[], uuid, bigint);
DROP FUNCTION IF EXISTS flowfabric._finish_execution(flowfabric.ff_exec_core, text, jsonb, bigint, boolean, boolean);
