-- 500: ff_submit_flow carries its parsed plan as one typed value (issue 16): the row types of
-- db/schema/types/submit_plan.sql replace the sixteen parallel arrays its helpers took and returned.
-- The helpers whose signature or result changes are dropped; the function layer re-creates them.
DROP FUNCTION IF EXISTS flowfabric._submit_parse_plan(jsonb);
DROP FUNCTION IF EXISTS flowfabric._submit_check_items(jsonb);
DROP FUNCTION IF EXISTS flowfabric._submit_is_replay(smallint, uuid, uuid[], smallint[], uuid[], smallint[], jsonb[],
  uuid[], uuid[], smallint[], uuid[], smallint[], jsonb[]);
DROP FUNCTION IF EXISTS flowfabric._submit_refuse_edge(smallint, uuid, int, text, uuid, uuid, smallint, uuid, smallint);

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
