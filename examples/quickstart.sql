-- A three-step flow, extract -> transform -> load, with psql alone: planned and started in one call,
-- then run by you. Its steps name no task, so no worker runs them: you report each one's result with
-- ff_complete_execution, as a job of your own would, and the database passes it on to the next step.
-- On a database where flowstage is installed:
--   psql -X -v ON_ERROR_STOP=1 -f quickstart.sql "$DATABASE_URL"
-- Running it again changes nothing: the plan answers already_submitted and each completion
-- already_terminal (the flow is finished); change the ids to run another flow.
\set flow 7d3f9a52-1c4e-4b8a-9f61-2e5d8c7b4a10
\set extract 7d3f9a52-0000-4000-8000-000000000001
\set transform 7d3f9a52-0000-4000-8000-000000000002
\set load 7d3f9a52-0000-4000-8000-000000000003

-- The plan: three executions and two edges; each edge passes its upstream's result to the child
-- under a key (data_passing_ref). p_start => true starts the flow in the same transaction.
SELECT status, executions_created, edges_applied, started
FROM flowfabric.ff_submit_flow(:'flow', jsonb_build_object(
  'executions', jsonb_build_array(
    jsonb_build_object('execution_id', :'extract', 'payload', jsonb_build_object('source', 'orders.csv')),
    jsonb_build_object('execution_id', :'transform'),
    jsonb_build_object('execution_id', :'load')),
  'edges', jsonb_build_array(
    jsonb_build_object('edge_id', '7d3f9a52-0000-4000-8000-0000000000e1', 'upstream_execution_id', :'extract',
                       'downstream_execution_id', :'transform', 'data_passing_ref', 'extracted'),
    jsonb_build_object('edge_id', '7d3f9a52-0000-4000-8000-0000000000e2', 'upstream_execution_id', :'transform',
                       'downstream_execution_id', :'load', 'data_passing_ref', 'transformed'))),
  p_start => true, p_namespace => 'quickstart');

-- extract waits for nothing; the two others wait for their parent.
SELECT execution_id, public_state, payload
FROM flowfabric.ff_list_members(:'flow') ORDER BY execution_id;

-- Run extract (here: report its result), and transform receives it under "extracted".
SELECT status, outcome FROM flowfabric.ff_complete_execution(:'extract', 'success', '{"rows": [3, 1, 2]}');
SELECT public_state, payload FROM flowfabric.ff_list_members(:'flow') WHERE execution_id LIKE '%' || :'transform';

-- Then transform and load; the last completion finishes the flow.
SELECT status, outcome FROM flowfabric.ff_complete_execution(:'transform', 'success', '{"rows": [10, 20, 30]}');
SELECT status, outcome, public_flow_state FROM flowfabric.ff_complete_execution(:'load', 'success', '{"loaded": 3, "total": 60}');

SELECT execution_id, public_state, result
FROM flowfabric.ff_list_members(:'flow') ORDER BY execution_id;
SELECT public_flow_state, node_count, edge_count FROM flowfabric.ff_describe_flow(:'flow');
