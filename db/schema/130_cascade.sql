-- 0.2.0: the completion cascade runs in the completing transaction (SPEC section 6, issue 8).
--
-- 0.1.0 made every completion write an outbox row and enqueue a flowstage__cascade job that
-- resolved each outgoing edge in a transaction of its own: two jobs per execution that ran, and
-- a commit per edge. Now ff_complete_execution locks the execution and its direct children (uuid
-- order), resolves every outgoing applied edge set-based, and enqueues the children it releases
-- with one graphile_worker.add_jobs call, all in the completing transaction. Only what must not
-- grow that transaction is deferred to a job, through ff_completion_outbox as before (the row and
-- its job commit together, so a crash loses nothing): the outgoing edges of a child the
-- completion skipped (one hop per transaction, so a skip chain is a chain of jobs), of a sibling
-- cancelled by cancel_remaining or an execution failed by ff_recover_jobs, and the rare flow
-- check that could not be decided without waiting for the flow row (see _finish_flow_if_done).
--
-- Dead workers: Graphile Worker 0.17 keeps a job locked by a crashed process for 4 hours. Each
-- flowstage worker (one Graphile Worker pool, whose id is what jobs' locked_by holds) writes a
-- heartbeat row here every few seconds; any live worker calls ff_reap_dead_workers, which
-- unlocks the jobs of every worker silent past its lease (graphile_worker.force_unlock_workers).

-- Signatures that change (CREATE OR REPLACE cannot change a return type, and this makes the
-- intent explicit for the new default of p_upstream_outcome):
DROP FUNCTION IF EXISTS flowfabric.ff_resolve_dependency(uuid, uuid, text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_cascade_step(text, bigint);
DROP FUNCTION IF EXISTS flowfabric.ff_complete_execution(text, text, jsonb, bigint);  -- + public_flow_state
DROP FUNCTION IF EXISTS flowfabric._finish_execution(flowfabric.ff_exec_core, text, jsonb, bigint, boolean);
DROP FUNCTION IF EXISTS flowfabric._finish_flow_if_done(smallint, uuid, bigint);
-- Replaced by the set-based _resolve_edges (one add_jobs call per transaction).
DROP FUNCTION IF EXISTS flowfabric._decide_group(flowfabric.ff_edge_group, text, flowfabric.ff_exec_core, bigint);
-- Replaced by _run_job_spec and _add_jobs (one add_jobs call for every child a transaction releases).
DROP FUNCTION IF EXISTS flowfabric._enqueue_execution(flowfabric.ff_exec_core, flowfabric.ff_flow_core);

COMMENT ON TABLE flowfabric.ff_completion_outbox IS
  'One row per terminal flow member whose outgoing edges are resolved by a later transaction (a flowstage__cascade job, job_key flowstage:cascade:<uuid>, enqueued in the transaction that wrote the row): a child skipped by a cascade, a sibling cancelled by cancel_remaining, an execution failed by ff_recover_jobs, or a completion whose flow check was deferred. A normally completed execution resolves its edges in its own transaction and has no row. cascaded_at_ms is set when the job has resolved every outgoing applied edge and checked the flow; ff_recover_jobs re-enqueues rows without it whose job is gone.';

CREATE TABLE flowfabric.ff_worker_heartbeat (
  worker_id       text   PRIMARY KEY,
  started_at_ms   bigint NOT NULL,
  heartbeat_at_ms bigint NOT NULL,
  lease_ms        bigint NOT NULL CHECK (lease_ms > 0),
  info            jsonb  NOT NULL DEFAULT '{}'
);
-- The reaper's question: whose lease has run out?
CREATE INDEX ff_worker_heartbeat_expiry ON flowfabric.ff_worker_heartbeat ((heartbeat_at_ms + lease_ms));
COMMENT ON TABLE flowfabric.ff_worker_heartbeat IS
  'One row per live flowstage worker: worker_id is its Graphile Worker pool id (the locked_by of the jobs it runs), heartbeat_at_ms its last ff_worker_heartbeat, lease_ms how long it may stay silent before ff_reap_dead_workers declares it dead, deletes the row and unlocks its jobs. info: what the worker reported about itself (host, pid).';

-- Storage for the completion's writes. An update that changes no indexed column (and no column a
-- partial index's predicate reads) and finds room on its page is a HOT update: no index entry
-- is written. Each execution is updated when it is released, when its attempt begins and when
-- it finishes; each edge when it is applied and when it is resolved; each group once per edge.
-- The open-members index now keys on terminal_outcome, which only the terminal transition
-- changes (lifecycle_phase also changes when an attempt begins), and the tables keep room on
-- each page for the new row versions.
DROP INDEX flowfabric.ff_exec_core_open_members;
CREATE INDEX ff_exec_core_open_members ON flowfabric.ff_exec_core (partition_key, flow_id)
  WHERE terminal_outcome = 'none' AND flow_id IS NOT NULL;
COMMENT ON INDEX flowfabric.ff_exec_core_open_members IS
  'The members of each flow that are not terminal yet (terminal_outcome none): the witness probe and the flow-completion check of _finish_flow_if_done.';
ALTER TABLE flowfabric.ff_exec_core SET (fillfactor = 80);
ALTER TABLE flowfabric.ff_edge SET (fillfactor = 80);
ALTER TABLE flowfabric.ff_edge_group SET (fillfactor = 80);
