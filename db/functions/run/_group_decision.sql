-- _group_decision: evaluate a fan-in policy on its counters (docs/semantics.md §6 table).
CREATE OR REPLACE FUNCTION flowfabric._group_decision(p_group flowfabric.ff_edge_group)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  v_total  int := p_group.success_count + p_group.fail_count + p_group.skip_count + p_group.running_count;
  v_failed int := p_group.fail_count + p_group.skip_count;
  v_k      int := coalesce(p_group.k_target, (p_group.policy->>'k')::int);
BEGIN
  RETURN CASE p_group.policy->>'kind'
    WHEN 'all_of' THEN
      CASE WHEN v_failed > 0 THEN 'impossible'
           WHEN p_group.success_count = v_total THEN 'satisfied' ELSE 'pending' END
    WHEN 'any_of' THEN
      CASE WHEN p_group.success_count >= 1 THEN 'satisfied'
           WHEN v_failed = v_total THEN 'impossible' ELSE 'pending' END
    WHEN 'quorum' THEN
      CASE WHEN p_group.success_count >= v_k THEN 'satisfied'
           WHEN v_total - v_failed < v_k THEN 'impossible' ELSE 'pending' END
    END;
END;
$$;

COMMENT ON FUNCTION flowfabric._group_decision(flowfabric.ff_edge_group) IS
  'Private. pending | satisfied | impossible for a group''s policy and counters, total = success + fail + skip + running: all_of satisfied when success = total, impossible on any fail or skip; any_of satisfied when success >= 1, impossible when fail + skip = total; quorum k (k_target, else policy.k) satisfied when success >= k, impossible when total - (fail + skip) < k. Only called after a resolution, so total >= 1. NULL for an unknown kind (the caller treats it as a bug).';
