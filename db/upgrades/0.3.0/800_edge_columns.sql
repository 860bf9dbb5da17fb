-- 800: ff_edge's policy jsonb becomes typed columns (issue 21: fewer bytes per edge). A 0.2.0 row
-- held ~450 bytes of jsonb, most of it the same keys in every row, and each apply and resolution
-- wrote a whole new jsonb. The columns are added in the desired order (db/schema/tables/ff_edge.sql;
-- the dropped policy column leaves no visible gap), filled from each row's policy in one UPDATE
-- that also empties policy (so the new row versions carry no jsonb), checked, then policy goes.
-- The keys every 0.2.0 writer stores with one value (satisfaction_condition all_required,
-- created_by engine, created_at_ms = staged_at_ms) are not stored: the reads rebuild them, and the
-- check below refuses the upgrade rather than lose a row whose policy the columns cannot rebuild.
ALTER TABLE flowfabric.ff_edge
  ADD COLUMN staged_at_ms          bigint,
  ADD COLUMN staged_graph_revision bigint,
  ADD COLUMN dependency_kind       text,
  ADD COLUMN data_passing_ref      text,
  ADD COLUMN condition             text,
  ADD COLUMN applied_at_ms         bigint,
  ADD COLUMN resolved_at_ms        bigint,
  ADD COLUMN edge_state            text,
  ADD COLUMN upstream_outcome      text,
  ADD COLUMN condition_result      "char",
  ALTER COLUMN policy DROP NOT NULL;

DO $$
DECLARE
  v_bad record;
BEGIN
  -- Every row's policy must be exactly what the columns give back (_edge_policy's rebuild).
  SELECT e.flow_id, e.edge_id, e.policy INTO v_bad
  FROM flowfabric.ff_edge e
  WHERE e.policy IS DISTINCT FROM
        jsonb_build_object(
          'dependency_kind', e.policy->>'dependency_kind',
          'satisfaction_condition', 'all_required',
          'data_passing_ref', e.policy->>'data_passing_ref',
          'edge_state', e.policy->>'edge_state',
          'created_at_ms', (e.policy->>'staged_at_ms')::bigint,
          'created_by', 'engine',
          'staged_at_ms', (e.policy->>'staged_at_ms')::bigint,
          'staged_graph_revision', (e.policy->>'staged_graph_revision')::bigint,
          'applied_at_ms', (e.policy->>'applied_at_ms')::bigint)
        || CASE WHEN e.policy->>'condition' IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object('condition', e.policy->>'condition') END
        || CASE WHEN e.policy->>'resolved_at_ms' IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object('resolved_at_ms', (e.policy->>'resolved_at_ms')::bigint,
                                        'upstream_outcome', e.policy->>'upstream_outcome') END
        || CASE WHEN e.policy ? 'condition_result' AND jsonb_typeof(e.policy->'condition_result') IN ('boolean', 'null')
                THEN jsonb_build_object('condition_result', (e.policy->>'condition_result')::boolean)
                ELSE '{}'::jsonb END
     OR e.policy->>'dependency_kind' IS NULL OR e.policy->>'data_passing_ref' IS NULL
     OR e.policy->>'edge_state' IS NULL OR e.policy->>'staged_at_ms' IS NULL
     OR e.policy->>'staged_graph_revision' IS NULL OR jsonb_typeof(e.policy->'upstream_outcome') = 'null'
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'flowstage 0.3.0: ff_edge row flow_id=% edge_id=% has a policy the edge columns cannot hold: %',
      v_bad.flow_id, v_bad.edge_id, v_bad.policy;
  END IF;
END;
$$;

UPDATE flowfabric.ff_edge e
SET staged_at_ms          = (e.policy->>'staged_at_ms')::bigint,
    staged_graph_revision = (e.policy->>'staged_graph_revision')::bigint,
    dependency_kind       = e.policy->>'dependency_kind',
    data_passing_ref      = e.policy->>'data_passing_ref',
    condition             = e.policy->>'condition',
    applied_at_ms         = (e.policy->>'applied_at_ms')::bigint,
    resolved_at_ms        = (e.policy->>'resolved_at_ms')::bigint,
    edge_state            = e.policy->>'edge_state',
    upstream_outcome      = e.policy->>'upstream_outcome',
    condition_result      = CASE WHEN e.policy ? 'condition_result'
                                 THEN coalesce(e.policy->>'condition_result', 'n')::"char" END,
    policy                = NULL;

ALTER TABLE flowfabric.ff_edge
  ALTER COLUMN staged_at_ms SET NOT NULL,
  ALTER COLUMN staged_graph_revision SET NOT NULL,
  ALTER COLUMN dependency_kind SET NOT NULL,
  ALTER COLUMN data_passing_ref SET NOT NULL,
  ALTER COLUMN edge_state SET NOT NULL,
  DROP COLUMN policy;

COMMENT ON TABLE flowfabric.ff_edge IS
  'One row per staged dependency edge, its policy as columns: dependency_kind (success_only|failure_only|any_outcome), data_passing_ref ('''' for none), condition (SQL/JSON path, NULL for none), staged_at_ms (also its created_at_ms), staged_graph_revision, applied_at_ms (NULL until applied), resolved_at_ms and upstream_outcome (NULL until resolved, again after a replay), edge_state (pending|applied|satisfied|impossible), condition_result (what the condition gave at its last resolution: t, f, n for null; NULL when never evaluated). The policy jsonb the reads show (_edge_policy) adds satisfaction_condition all_required and created_by engine, the same for every edge.';

DROP FUNCTION IF EXISTS flowfabric._edge_label(jsonb);  -- now (edge_state, dependency_kind, condition)
