-- 400: ff_edge keeps two adjacency indexes instead of four (issue 21): ff_edge_outbound /
-- ff_edge_inbound (partition_key, flow_id, endpoint) duplicated ff_edge_walk_out / ff_edge_walk_in
-- (endpoint) INCLUDE (other endpoint). The walk indexes now carry partition_key and flow_id after
-- the endpoint, so they answer both the cycle check's probes by uuid alone and the run path's
-- lookups by (partition_key, flow_id, endpoint), and every edge written updates three indexes, not five.
DROP INDEX flowfabric.ff_edge_outbound;
DROP INDEX flowfabric.ff_edge_inbound;
DROP INDEX flowfabric.ff_edge_walk_out;
DROP INDEX flowfabric.ff_edge_walk_in;
CREATE INDEX ff_edge_walk_out ON flowfabric.ff_edge (upstream_eid, partition_key, flow_id) INCLUDE (downstream_eid);
CREATE INDEX ff_edge_walk_in  ON flowfabric.ff_edge (downstream_eid, partition_key, flow_id) INCLUDE (upstream_eid);
