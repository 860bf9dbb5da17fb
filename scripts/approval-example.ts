// The approval example of docs/branches.md (docs/semantics.md §10): a psql session that suspends a
// step, delivers a signal to it, and lets a condition pick the branch. scripts/generate-docs.ts
// copies these statements into the page; test/client/approval-example.test.ts runs them, in order,
// on a fresh database and checks what they did, so the page cannot drift.
//
// psql syntax used: `\set name value`, `:'name'` (the value as a literal) and a trailing `\gset`
// (the row's columns become variables).

const FLOW = '0b0b0b0b-0000-4000-8000-000000000000';
const REQUEST = '0b0b0b0b-0000-4000-8000-000000000001';
const PUBLISH = '0b0b0b0b-0000-4000-8000-000000000002';
const REJECTED = '0b0b0b0b-0000-4000-8000-000000000003';
const CLEANUP = '0b0b0b0b-0000-4000-8000-000000000004';

export const APPROVAL_IDS = { FLOW, REQUEST, PUBLISH, REJECTED, CLEANUP } as const;

export const PSQL_APPROVAL: readonly { comment?: string; sql: string }[] = [
  { sql: `\\set flow ${FLOW}` },
  { sql: `\\set request ${REQUEST}` },
  { sql: `\\set publish ${PUBLISH}` },
  { sql: `\\set rejected ${REJECTED}` },
  { sql: `\\set cleanup ${CLEANUP}` },
  {
    comment: 'request waits for a human; publish runs if approved, notify_rejected if not, cleanup whatever happened.',
    sql: `SELECT status, edges_staged, started FROM flowfabric.ff_submit_flow(:'flow', jsonb_build_object(
  'executions', jsonb_build_array(
    jsonb_build_object('execution_id', :'request'), jsonb_build_object('execution_id', :'publish'),
    jsonb_build_object('execution_id', :'rejected'), jsonb_build_object('execution_id', :'cleanup')),
  'edges', jsonb_build_array(
    jsonb_build_object('edge_id', '0e000000-0000-4000-8000-000000000001', 'upstream_execution_id', :'request',
                       'downstream_execution_id', :'publish', 'condition', '$.approved == true', 'data_passing_ref', 'decision'),
    jsonb_build_object('edge_id', '0e000000-0000-4000-8000-000000000002', 'upstream_execution_id', :'request',
                       'downstream_execution_id', :'rejected', 'condition', '$.approved == false'),
    jsonb_build_object('edge_id', '0e000000-0000-4000-8000-000000000003', 'upstream_execution_id', :'publish',
                       'downstream_execution_id', :'cleanup', 'kind', 'any_outcome'))),
  p_start => true);`,
  },
  {
    comment: 'The step begins its attempt (run() does this for a task) and suspends, waiting for a decision for a day.',
    sql: `SELECT status FROM flowfabric.ff_begin_attempt(:'request');`,
  },
  {
    sql: `SELECT waitpoint_id, token FROM flowfabric.ff_suspend_execution(:'request', ARRAY['approved', 'rejected'],
  p_timeout_at_ms => (extract(epoch FROM now()) * 1000)::bigint + 86400000, p_timeout_behavior => 'expire') \\gset`,
  },
  { sql: `SELECT public_state, blocking_reason FROM flowfabric.ff_explain_execution(:'flow', :'request');` },
  {
    comment: 'From another session (a flowstage_signaler login must present the token): the decision arrives.',
    sql: `SELECT status FROM flowfabric.ff_deliver_signal(:'waitpoint_id', 'approved', '{"by": "ann"}',
  p_idempotency_key => 'mail-click-1', p_token => :'token');`,
  },
  {
    comment: 'The same click again changes nothing.',
    sql: `SELECT status FROM flowfabric.ff_deliver_signal(:'waitpoint_id', 'approved', '{"by": "ann"}',
  p_idempotency_key => 'mail-click-1', p_token => :'token');`,
  },
  {
    comment: 'The step runs again (same execution) and finds the signal in its payload; it returns its decision.',
    sql: `SELECT status, payload->'signals'->0->'payload' AS signal FROM flowfabric.ff_begin_attempt(:'request');`,
  },
  { sql: `SELECT status FROM flowfabric.ff_complete_execution(:'request', 'success', '{"approved": true}');` },
  {
    comment: 'The conditions chose the branch in that transaction: publish is waiting, notify_rejected skipped.',
    sql: `SELECT execution_id, public_state FROM flowfabric.ff_list_members(:'flow') ORDER BY execution_id;`,
  },
  { sql: `SELECT reason FROM flowfabric.ff_explain_execution(:'flow', :'rejected');` },
  {
    comment: 'publish fails; cleanup (any_outcome) still runs, and the flow fails: nothing handled the failure.',
    sql: `SELECT status FROM flowfabric.ff_complete_execution(:'publish', 'failed');`,
  },
  { sql: `SELECT status FROM flowfabric.ff_complete_execution(:'cleanup', 'success');` },
  { sql: `SELECT public_flow_state FROM flowfabric.ff_describe_flow(:'flow');` },
];
