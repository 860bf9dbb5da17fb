-- ff_execution_home: each execution's uuid, unique across partitions, and the partition it lives on.
--
-- The uuid's global uniqueness lives here, not in a unique index of ff_exec_core: once
-- ff_exec_core is distributed by partition_key (docs/scale-out.md), every unique index on it must
-- include partition_key, so no index there can see the same uuid on two partitions. This table
-- holds no partition_key column: on Citus it is a reference table (a copy on every node), so a
-- bare uuid is routed to its one shard by a local read. Written with the execution, in the same
-- transaction, before it (ff_create_execution, ff_submit_flow); deleted with it (ff_prune_flows).
CREATE TABLE flowfabric.ff_execution_home (
  execution_id   uuid     PRIMARY KEY,
  home_partition smallint NOT NULL
);
COMMENT ON TABLE flowfabric.ff_execution_home IS
  'One row per execution: its uuid (unique across partitions: the insert that conflicts here is the one that loses) and home_partition, the partition_key of its ff_exec_core row. How a bare uuid finds its partition; a reference table on Citus.';
