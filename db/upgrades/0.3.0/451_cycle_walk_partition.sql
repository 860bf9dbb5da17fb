-- 451 (issue 22): the cycle walk filters ff_edge on the flow's partition_key (one shard on
-- Citus; a uuid is unique only within a partition of ff_exec_core's key): its three functions
-- take p_partition_key first. The old signatures go, or CREATE OR REPLACE would add overloads.
DROP FUNCTION IF EXISTS flowfabric._find_cycle(uuid, uuid);
DROP FUNCTION IF EXISTS flowfabric._cycle_path(uuid[], uuid, uuid);
DROP FUNCTION IF EXISTS flowfabric._first_cycle_closing_edge(bigint, uuid[], uuid[], boolean);
