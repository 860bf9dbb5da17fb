-- ff_edge: one row per staged dependency edge (docs/semantics.md §1, §4.3, §6).
-- An edge is updated when it is applied and when it is resolved; each page keeps room for the new
-- row versions (fillfactor 80) so those updates stay HOT.
CREATE TABLE flowfabric.ff_edge (
  partition_key         smallint NOT NULL,
  flow_id               uuid     NOT NULL,
  edge_id               uuid     NOT NULL,
  upstream_eid          uuid     NOT NULL,
  downstream_eid        uuid     NOT NULL,
  policy_version        int      NOT NULL DEFAULT 1,
  -- Written once, when the edge is staged (issue 21: typed columns, not a jsonb of ~450 bytes).
  staged_at_ms          bigint   NOT NULL,
  staged_graph_revision bigint   NOT NULL,
  dependency_kind       text     NOT NULL,
  data_passing_ref      text     NOT NULL,
  condition             text,
  -- Written at run time, last in the row: an update that changes only these logs only them
  -- (a same-page update's WAL record leaves out the unchanged prefix of the row).
  applied_at_ms         bigint,
  resolved_at_ms        bigint,
  edge_state            text     NOT NULL,
  upstream_outcome      text,
  condition_result      "char",
  PRIMARY KEY (partition_key, flow_id, edge_id)
) WITH (fillfactor = 80);
-- Adjacency both ways, two indexes: out-edges (the cascade, the cycle check's walk) and in-edges
-- (fan-in, the cycle path). The endpoint's uuid leads, because the cycle check probes by it alone
-- (execution uuids are unique and an edge's endpoints are members of its flow, so a node's edges
-- all belong to that flow); partition_key and flow_id follow, so the run path's lookups
-- (partition_key, flow_id, endpoint) match all three columns and the planner prefers these indexes
-- to the primary key's (partition_key, flow_id) prefix even on a table it has never analysed, and
-- a lookup by edge_id, which constrains no leading column here, can only use the key. The other
-- endpoint is included, so walks read the index alone. (On Citus each shard holds one
-- partition_key; the key leads in the primary key, which Citus needs, not here.)
CREATE INDEX ff_edge_walk_out ON flowfabric.ff_edge (upstream_eid, partition_key, flow_id) INCLUDE (downstream_eid);
CREATE INDEX ff_edge_walk_in  ON flowfabric.ff_edge (downstream_eid, partition_key, flow_id) INCLUDE (upstream_eid);
COMMENT ON TABLE flowfabric.ff_edge IS
  'One row per staged dependency edge, its policy as columns: dependency_kind (success_only|failure_only|any_outcome), data_passing_ref ('''' for none), condition (SQL/JSON path, NULL for none), staged_at_ms (also its created_at_ms), staged_graph_revision, applied_at_ms (NULL until applied), resolved_at_ms and upstream_outcome (NULL until resolved, again after a replay), edge_state (pending|applied|satisfied|impossible), condition_result (what the condition gave at its last resolution: t, f, n for null; NULL when never evaluated). The policy jsonb the reads show (_edge_policy) adds satisfaction_condition all_required and created_by engine, the same for every edge.';
