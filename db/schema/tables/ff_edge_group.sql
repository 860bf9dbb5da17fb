-- ff_edge_group: one row per downstream execution with a fan-in policy or applied inbound edges
-- (docs/semantics.md §1, §5, §6). Updated once per resolved edge (fillfactor 80: HOT updates).
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
) WITH (fillfactor = 80);
COMMENT ON TABLE flowfabric.ff_edge_group IS
  'One row per downstream with a fan-in policy or applied inbound edges. k_target: k for quorum, 1 for any_of, NULL for all_of. decision is taken once (pending -> satisfied|impossible) and never reopened.';
COMMENT ON COLUMN flowfabric.ff_edge_group.decision IS
  'pending until the policy is satisfied or impossible; a decided group never changes its decision and takes no new edges.';
