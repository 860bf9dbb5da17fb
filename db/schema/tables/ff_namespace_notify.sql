-- ff_namespace_notify: the namespaces whose changes are announced with pg_notify (docs/semantics.md §5).
-- Notifications are opt-in per namespace. PostgreSQL serialises every
-- notifying commit on one cluster-wide lock, so a pg_notify on every call capped concurrent
-- writers: a namespace listed here gets at most one notification per transaction, and the
-- others none. The mutation log (ff_flow_event) stays the source of truth either way.
CREATE TABLE flowfabric.ff_namespace_notify (
  namespace     text   PRIMARY KEY,
  enabled_at_ms bigint NOT NULL
);
COMMENT ON TABLE flowfabric.ff_namespace_notify IS
  'Namespaces whose changes are announced with pg_notify on channel "flowstage:<namespace>" (at most one notification per transaction; payload {"namespace": ...}). Written by ff_set_namespace_notify; absent = off (the default).';
