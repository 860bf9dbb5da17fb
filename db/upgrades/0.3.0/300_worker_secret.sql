-- 300: a worker's heartbeat can only be renewed by the process that registered it
-- (docs/operations.md#trust-model): ff_worker_heartbeat takes the worker's secret and the row
-- keeps its sha256. A row left by a 0.2.0 worker has none and cannot be renewed: it is reaped
-- when its lease runs out (that worker's old ff_worker_heartbeat call no longer exists).
ALTER TABLE flowfabric.ff_worker_heartbeat ADD COLUMN secret_sha256 bytea;
COMMENT ON COLUMN flowfabric.ff_worker_heartbeat.secret_sha256 IS
  'sha256 of the secret the worker registered with; every later ff_worker_heartbeat of this worker_id must present the same secret. NULL: a row from before 0.3.0, which nobody can renew.';
DROP FUNCTION IF EXISTS flowfabric.ff_worker_heartbeat(text, bigint, jsonb, bigint);
