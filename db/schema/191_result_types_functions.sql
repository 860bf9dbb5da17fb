-- 0.2.0: the functions whose result columns now have the domains of 190_result_types.sql.
-- CREATE OR REPLACE cannot change a result type, so the 0.1.0 versions are dropped here and the
-- function files re-create them (with their COMMENTs) later in this migration. Nothing else
-- depends on them: no view, default or other signature names them, and the PL/pgSQL callers
-- (ff_apply_dependency_to_child, ff_submit_flow, _submit_replayed) resolve them when they run.
-- The functions new in 0.2.0 (ff_submit_flow, _submit_replayed, ff_set_namespace_notify,
-- ff_worker_heartbeat, ff_reap_dead_workers) do not exist yet at this point, and 130_cascade.sql
-- already dropped ff_complete_execution, ff_resolve_dependency and ff_cascade_step: nothing to drop.
DROP FUNCTION IF EXISTS flowfabric.ff_create_flow(uuid, text, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_create_execution(text, uuid, text, jsonb, integer, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_add_execution_to_flow(uuid, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_stage_dependency_edge(uuid, uuid, text, text, bigint, text, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_stage_dependency_edges(uuid, bigint, jsonb, boolean, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_apply_dependency_to_child(uuid, uuid, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_describe_flow(uuid);
DROP FUNCTION IF EXISTS flowfabric.ff_describe_flow_at(uuid, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_describe_edge(uuid, uuid);
DROP FUNCTION IF EXISTS flowfabric.ff_list_flows(text, uuid, integer, text);
DROP FUNCTION IF EXISTS flowfabric.ff_list_members(uuid, text, integer);
DROP FUNCTION IF EXISTS flowfabric.ff_list_edges(uuid, text, text, uuid, integer);
DROP FUNCTION IF EXISTS flowfabric.ff_explain_execution(uuid, text);
DROP FUNCTION IF EXISTS flowfabric.ff_set_edge_group_policy(uuid, text, text, text, integer, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_cancel_flow(uuid, text, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_start_flow(uuid, bigint, integer);
DROP FUNCTION IF EXISTS flowfabric.ff_begin_attempt(text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_cancel_siblings_step(uuid, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_recover_jobs(bigint);
