-- 0.2.0: ff_flow_core's counters (graph_revision, node_count, edge_count) are rewritten by every
-- structural change. The namespace index was an expression over raw_fields, so every such update
-- changed an indexed column and could not be HOT: each one added index entries, and inside one
-- transaction every later lookup of the flow walked all of them (10,000 adds in one transaction:
-- 0.47 s for the first thousand, 1.3 s for the third). The namespace never changes after
-- creation: it gets a stored generated column, indexed instead, so counter updates stay HOT.
ALTER TABLE flowfabric.ff_flow_core
  ADD COLUMN namespace text GENERATED ALWAYS AS (raw_fields->>'namespace') STORED;
DROP INDEX flowfabric.ff_flow_core_by_namespace;
CREATE INDEX ff_flow_core_by_namespace ON flowfabric.ff_flow_core (namespace, flow_id);
COMMENT ON COLUMN flowfabric.ff_flow_core.namespace IS
  'raw_fields->>''namespace'', stored for the namespace index (so updates of raw_fields'' counters stay HOT).';
