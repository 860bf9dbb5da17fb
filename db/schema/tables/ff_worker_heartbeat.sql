-- ff_worker_heartbeat: one row per live flowstage worker (docs/semantics.md §6, docs/operations.md).
-- Graphile Worker 0.17 keeps a job locked by a crashed process for 4 hours. Each flowstage worker
-- (one Graphile Worker pool, whose id is what jobs' locked_by holds) writes its heartbeat here
-- every few seconds; any live worker calls ff_reap_dead_workers, which unlocks the jobs of every
-- worker silent past its lease (graphile_worker.force_unlock_workers).
CREATE TABLE flowfabric.ff_worker_heartbeat (
  worker_id       text   PRIMARY KEY,
  started_at_ms   bigint NOT NULL,
  heartbeat_at_ms bigint NOT NULL,
  lease_ms        bigint NOT NULL CHECK (lease_ms > 0),
  info            jsonb  NOT NULL DEFAULT '{}',
  secret_sha256   bytea
);
COMMENT ON TABLE flowfabric.ff_worker_heartbeat IS
  'One row per live flowstage worker: worker_id is its Graphile Worker pool id (the locked_by of the jobs it runs), heartbeat_at_ms its last ff_worker_heartbeat, lease_ms how long it may stay silent before ff_reap_dead_workers declares it dead, deletes the row and unlocks its jobs. info: what the worker reported about itself (host, pid).';

COMMENT ON COLUMN flowfabric.ff_worker_heartbeat.secret_sha256 IS
  'sha256 of the secret the worker registered with; every later ff_worker_heartbeat of this worker_id must present the same secret. NULL: a row from before 0.3.0, which nobody can renew.';

-- The reaper's question: whose lease has run out?
CREATE INDEX ff_worker_heartbeat_expiry ON flowfabric.ff_worker_heartbeat ((heartbeat_at_ms + lease_ms));
