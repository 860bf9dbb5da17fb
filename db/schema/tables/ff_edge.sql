-- ff_edge: one row per staged dependency edge (docs/semantics.md §1, §4.3, §6).
-- An edge is updated when it is applied and when it is resolved; each page keeps room for the new
-- row versions (fillfactor 80) so those updates stay HOT.
CREATE TABLE flowfabric.ff_edge (
  partition_key  smallint NOT NULL,
  flow_id        uuid     NOT NULL,
  edge_id        uuid     NOT NULL,
  upstream_eid   uuid     NOT NULL,
  downstream_eid uuid     NOT NULL,
  policy_version int      NOT NULL DEFAULT 1,
  policy         jsonb    NOT NULL,
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
  'One row per staged dependency edge. policy: dependency_kind, satisfaction_condition, data_passing_ref, edge_state (pending|applied|satisfied|impossible), created_at_ms, created_by, staged_at_ms, staged_graph_revision, applied_at_ms, resolved_at_ms, upstream_outcome.';
