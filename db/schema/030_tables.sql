-- The four tables of the flow model (SPEC section 1). Typed columns are what queries
-- filter on; jsonb extras keep FlowFabric's storage convention. Every primary key starts
-- with partition_key, the flow's crc16 partition, so a flow and its executions co-locate.
-- There are no foreign keys: the ff_* functions are the only writers and check every
-- reference themselves, and a foreign key would add a lookup and a row lock to each write.

CREATE TABLE flowfabric.ff_flow_core (
  partition_key     smallint NOT NULL,
  flow_id           uuid     NOT NULL,
  graph_revision    bigint   NOT NULL DEFAULT 0 CHECK (graph_revision >= 0),
  public_flow_state text     NOT NULL DEFAULT 'open'
                             CHECK (public_flow_state IN ('open', 'cancelled', 'completed', 'failed')),
  created_at_ms     bigint   NOT NULL,
  terminal_at_ms    bigint,
  raw_fields        jsonb    NOT NULL DEFAULT '{}',
  PRIMARY KEY (partition_key, flow_id)
);
COMMENT ON TABLE flowfabric.ff_flow_core IS
  'One row per flow. raw_fields: flow_kind, namespace, node_count, edge_count, last_mutation_at_ms (+ cancel fields, started_at_ms).';

CREATE TABLE flowfabric.ff_exec_core (
  partition_key     smallint NOT NULL,
  execution_id      uuid     NOT NULL,
  flow_id           uuid,
  lane_id           text     NOT NULL,
  lifecycle_phase   text     NOT NULL CHECK (lifecycle_phase IN ('runnable', 'active', 'terminal')),
  ownership_state   text     NOT NULL,
  eligibility_state text     NOT NULL,
  public_state      text     NOT NULL,
  attempt_state     text     NOT NULL,
  blocking_reason   text     NOT NULL,
  terminal_outcome  text     NOT NULL DEFAULT 'none'
                             CHECK (terminal_outcome IN ('none', 'success', 'failed', 'cancelled', 'expired', 'skipped')),
  priority          int      NOT NULL DEFAULT 0,
  created_at_ms     bigint   NOT NULL,
  terminal_at_ms    bigint,
  payload           jsonb,
  result            jsonb,
  raw_fields        jsonb    NOT NULL DEFAULT '{}',
  PRIMARY KEY (partition_key, execution_id)
);
-- A bare uuid is looked up by the uuid alone; uuids are unique across partitions.
CREATE UNIQUE INDEX ff_exec_core_execution_id ON flowfabric.ff_exec_core (execution_id);
-- Membership is the back-pointer flow_id: (partition_key, flow_id) finds a flow's members, and
-- execution_id after them orders ff_list_members' pages. Partial, so lookups by
-- (partition_key, execution_id) can only use the key.
CREATE INDEX ff_exec_core_members ON flowfabric.ff_exec_core (partition_key, flow_id, execution_id)
  WHERE flow_id IS NOT NULL;
COMMENT ON TABLE flowfabric.ff_exec_core IS
  'One row per execution. flow_id is the membership back-pointer (NULL for a solo execution). raw_fields: task_identifier.';

CREATE TABLE flowfabric.ff_edge (
  partition_key  smallint NOT NULL,
  flow_id        uuid     NOT NULL,
  edge_id        uuid     NOT NULL,
  upstream_eid   uuid     NOT NULL,
  downstream_eid uuid     NOT NULL,
  policy_version int      NOT NULL DEFAULT 1,
  policy         jsonb    NOT NULL,
  PRIMARY KEY (partition_key, flow_id, edge_id)
);
-- Adjacency both ways: out-edges for the cascade, in-edges for fan-in. They share the
-- (partition_key, flow_id) prefix with the primary key, and on a table the planner has not
-- analysed yet it then answered edge-by-id lookups from them, reading every edge of the flow.
-- The IS NOT NULL predicates (always true: the columns are NOT NULL) make them usable only by
-- queries that constrain their endpoint column, so a lookup by edge_id can only use the key.
CREATE INDEX ff_edge_outbound ON flowfabric.ff_edge (partition_key, flow_id, upstream_eid)
  WHERE upstream_eid IS NOT NULL;
CREATE INDEX ff_edge_inbound  ON flowfabric.ff_edge (partition_key, flow_id, downstream_eid)
  WHERE downstream_eid IS NOT NULL;
-- The cycle check's probes: edges by one endpoint's uuid alone. Only these indexes can answer
-- `upstream_eid = $1` / `downstream_eid = $1` with an index condition, so no table statistics
-- can steer a graph walk onto an index that scans every edge of the flow at each step.
-- (Execution uuids are unique and an edge's endpoints are members of its flow, so a node's
-- edges all belong to that flow.)
CREATE INDEX ff_edge_walk_out ON flowfabric.ff_edge (upstream_eid) INCLUDE (downstream_eid);
CREATE INDEX ff_edge_walk_in  ON flowfabric.ff_edge (downstream_eid) INCLUDE (upstream_eid);
COMMENT ON TABLE flowfabric.ff_edge IS
  'One row per staged dependency edge. policy: dependency_kind, satisfaction_condition, data_passing_ref, edge_state (pending|applied|satisfied|impossible), created_at_ms, created_by, staged_at_ms, staged_graph_revision, applied_at_ms, resolved_at_ms, upstream_outcome.';

CREATE TABLE flowfabric.ff_edge_group (
  partition_key                   smallint NOT NULL,
  flow_id                         uuid     NOT NULL,
  downstream_eid                  uuid     NOT NULL,
  policy                          jsonb    NOT NULL DEFAULT '{"kind": "all_of"}',
  k_target                        int,
  success_count                   int      NOT NULL DEFAULT 0,
  fail_count                      int      NOT NULL DEFAULT 0,
  skip_count                      int      NOT NULL DEFAULT 0,
  running_count                   int      NOT NULL DEFAULT 0,
  cancel_siblings_pending_flag    boolean  NOT NULL DEFAULT false,
  cancel_siblings_pending_members text[]   NOT NULL DEFAULT '{}',
  decision                        text     NOT NULL DEFAULT 'pending'
                                           CHECK (decision IN ('pending', 'satisfied', 'impossible')),
  decided_at_ms                   bigint,
  PRIMARY KEY (partition_key, flow_id, downstream_eid)
);
COMMENT ON TABLE flowfabric.ff_edge_group IS
  'One row per downstream with a fan-in policy or applied inbound edges. k_target: k for quorum, 1 for any_of, NULL for all_of. decision is taken once (pending -> satisfied|impossible) and never reopened.';
COMMENT ON COLUMN flowfabric.ff_edge_group.decision IS
  'pending until the policy is satisfied or impossible; a decided group never changes its decision and takes no new edges.';

-- The mutation log: one row per successful call that changes a flow or one of its members.
CREATE TABLE flowfabric.ff_flow_event (
  event_id       bigint   GENERATED ALWAYS AS IDENTITY,
  partition_key  smallint NOT NULL,
  flow_id        uuid     NOT NULL,
  graph_revision bigint   NOT NULL,
  operation      text     NOT NULL,
  arguments      jsonb    NOT NULL,
  actor          text     NOT NULL DEFAULT current_user,
  occurred_at_ms bigint   NOT NULL,
  PRIMARY KEY (partition_key, flow_id, event_id)
);
COMMENT ON TABLE flowfabric.ff_flow_event IS
  'Append-only mutation log: flow, graph_revision after the change, operation, the call''s arguments, current_user, time. Written in the caller''s transaction; replays and refusals write nothing.';
