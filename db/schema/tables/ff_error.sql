-- The error catalogue: every refusal raises one of these SQLSTATEs with MESSAGE = code.
-- The client generator reads this table to build one error class per row.
CREATE TABLE flowfabric.ff_error (
  code        text    PRIMARY KEY,
  sqlstate    text    NOT NULL UNIQUE CHECK (sqlstate ~ '^FF[0-9]{3}$'),
  retryable   boolean NOT NULL,
  description text    NOT NULL,
  hint        text    NOT NULL
);

COMMENT ON TABLE flowfabric.ff_error IS
  'Error catalogue: SQLSTATE, MESSAGE code, whether a retry can succeed, and the default HINT raised with it.';

INSERT INTO flowfabric.ff_error (code, sqlstate, retryable, description, hint) VALUES
  ('flow_not_found',                   'FF001', false, 'the flow does not exist',                                                     'Create the flow with ff_create_flow first.'),
  ('flow_already_terminal',            'FF002', false, 'the flow is cancelled, completed or failed and the call would change it',     'A terminal flow cannot change; create a new flow.'),
  ('execution_not_found',              'FF003', false, 'the execution the call acts on does not exist',                               'Create the execution with ff_create_execution (pass p_flow_id) first.'),
  ('already_member_of_different_flow', 'FF004', false, 'the execution already belongs to another flow',                               'An execution belongs to at most one flow; create a new execution for this flow.'),
  ('self_referencing_edge',            'FF005', false, 'upstream and downstream are the same execution',                              'An edge must connect two different executions.'),
  ('stale_graph_revision',             'FF006', true,  'p_expected_graph_revision is not the flow''s current revision',               'Re-read the flow (ff_describe_flow), re-plan, and retry with its current graph_revision.'),
  ('execution_not_in_flow',            'FF007', false, 'an endpoint of the edge is not a member of the flow',                         'Add the execution with ff_add_execution_to_flow first.'),
  ('cycle_detected',                   'FF008', false, 'the new edge would close a cycle (DETAIL lists it, upstream first)',          'Remove one edge of the listed cycle from your plan; a flow must stay acyclic.'),
  ('dependency_already_exists',        'FF009', false, 'edge_id is already staged in the flow with other endpoints or kind',         'Use a new edge_id, or retry with the endpoints and kind of the existing edge (DETAIL).'),
  ('edge_not_found',                   'FF010', false, 'the edge is not staged in the flow',                                          'Stage the edge with ff_stage_dependency_edge first.'),
  ('execution_already_in_flow',        'FF011', false, 'the edge''s child belongs to another flow',                                  'The row was changed outside flowstage''s functions; check ff_exec_core.flow_id.'),
  ('invalid_input',                    'FF012', false, 'an argument is malformed, missing, out of range or of an unknown value',      'Fix the argument named in DETAIL.'),
  ('edge_group_policy_already_fixed',  'FF013', false, 'the downstream''s fan-in policy cannot change after an edge was applied to it', 'Set the policy before applying any edge to that downstream.'),
  ('invalid_dependency',               'FF014', false, 'resolving an edge that was never applied',                                    'Apply the edge with ff_apply_dependency_to_child first.'),
  ('execution_not_terminal',           'FF015', false, 'replaying an execution that is not terminal',
   'Only a terminal execution can be replayed; wait for it to finish (or cancel its flow).'),
  ('max_replays_exhausted',            'FF016', false, 'the execution was already replayed max_replays times',
   'Create a new execution, or give it a higher max_replays in its policy before it is created.');
