-- The parsed plan of ff_submit_flow: what _submit_parse_plan (or, on its slow path,
-- _submit_check_items) reads from p_plan, passed whole to the submit's phases (_submit_is_replay,
-- _submit_refuse_edge, ff_submit_flow's checks and writes), so every phase names a field the same
-- way. One row type per section, the item's place in the section being its place in the array
-- (element i + 1 = item i). Private: no public function takes or returns them.

CREATE TYPE flowfabric.ff_submit_plan_execution AS (
  execution_id        uuid,
  requested_partition smallint,  -- the id's {fp:N}, NULL for a bare uuid
  task_identifier     text,
  payload             jsonb,
  priority            int,
  lane_id             text
);
COMMENT ON TYPE flowfabric.ff_submit_plan_execution IS
  'Private (ff_submit_flow). An execution item of a plan, checked: its uuid, the {fp:N} it named (NULL for a bare uuid), task_identifier (NULL when absent), payload (NULL unless an object), priority (0 when absent), lane_id (default when absent).';

CREATE TYPE flowfabric.ff_submit_plan_group AS (
  downstream_eid      uuid,
  requested_partition smallint,  -- the id's {fp:N}, NULL for a bare uuid
  policy              jsonb,
  k_target            int
);
COMMENT ON TYPE flowfabric.ff_submit_plan_group IS
  'Private (ff_submit_flow). A group item of a plan, checked: the downstream''s uuid, the {fp:N} it named (NULL for a bare uuid), the policy jsonb ff_set_edge_group_policy stores and its k_target (NULL for all_of).';

CREATE TYPE flowfabric.ff_submit_plan_edge AS (
  edge_id                        uuid,
  upstream_eid                   uuid,
  upstream_requested_partition   smallint,  -- NULL for a bare uuid
  downstream_eid                 uuid,
  downstream_requested_partition smallint,  -- NULL for a bare uuid
  data_passing_ref               text,
  kinds                          jsonb      -- {dependency_kind?, condition?}; NULL when no edge of the plan has one
);
COMMENT ON TYPE flowfabric.ff_submit_plan_edge IS
  'Private (ff_submit_flow). An edge item of a plan, checked: its edge_id, the endpoints'' uuids and the {fp:N} each named (NULL for a bare uuid), data_passing_ref ('''' when absent), and kinds: {dependency_kind?, condition?} as _submit_edge_kinds normalises them ({} for a plain edge), NULL on every edge when no edge of the plan has a kind or a condition.';

CREATE TYPE flowfabric.ff_submit_plan AS (
  executions flowfabric.ff_submit_plan_execution[],
  groups     flowfabric.ff_submit_plan_group[],
  edges      flowfabric.ff_submit_plan_edge[],
  has_kinds  boolean  -- some edge has a kind or a condition (its kinds are filled)
);
COMMENT ON TYPE flowfabric.ff_submit_plan IS
  'Private (ff_submit_flow). A plan''s items, checked and parsed, in plan order per section; has_kinds: some edge item has a kind or a condition (else every edge''s kinds is NULL).';
