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
