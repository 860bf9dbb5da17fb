-- 450 (issue 22): the uniqueness of an execution uuid across partitions moves from the unique
-- index ff_exec_core_execution_id (which Citus cannot distribute: it lacks partition_key) to the
-- table ff_execution_home (uuid -> partition; a reference table on Citus), filled from the
-- executions that exist.
CREATE TABLE flowfabric.ff_execution_home (
  execution_id   uuid     PRIMARY KEY,
  home_partition smallint NOT NULL
);
COMMENT ON TABLE flowfabric.ff_execution_home IS
  'One row per execution: its uuid (unique across partitions: the insert that conflicts here is the one that loses) and home_partition, the partition_key of its ff_exec_core row. How a bare uuid finds its partition; a reference table on Citus.';
INSERT INTO flowfabric.ff_execution_home (execution_id, home_partition)
SELECT execution_id, partition_key FROM flowfabric.ff_exec_core;
DROP INDEX flowfabric.ff_exec_core_execution_id;
