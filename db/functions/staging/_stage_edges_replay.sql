-- _stage_edges_replay: is a staging batch an exact replay? Its revision if so, else NULL.
CREATE OR REPLACE FUNCTION flowfabric._stage_edges_replay(
  p_partition_key smallint,
  p_flow_id       uuid,
  p_edge_ids      uuid[],
  p_upstream_eids uuid[],
  p_downstream_eids uuid[],
  p_kinds         jsonb[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not LANGUAGE sql, and the row passed as ROW(e.*)::ff_edge: Citus plans neither an
  -- inlined SQL function over a distributed table nor a bare alias (docs/conventions.md 17).
  RETURN (
    SELECT CASE
      WHEN count(*) = cardinality(p_edge_ids) AND count(DISTINCT batch.edge_id) = cardinality(p_edge_ids)
      THEN max(e.staged_graph_revision)
      END
    FROM unnest(p_edge_ids, p_upstream_eids, p_downstream_eids) WITH ORDINALITY AS batch(edge_id, upstream_eid, downstream_eid, ord)
    JOIN ff_edge e
      ON e.partition_key = p_partition_key AND e.flow_id = p_flow_id AND e.edge_id = batch.edge_id
    WHERE _is_same_edge(ROW(e.*)::ff_edge, batch.upstream_eid, batch.downstream_eid,
                        coalesce(p_kinds[batch.ord]->>'dependency_kind', 'success_only'), p_kinds[batch.ord]->>'condition'));
END;
$$;

COMMENT ON FUNCTION flowfabric._stage_edges_replay(smallint, uuid, uuid[], uuid[], uuid[], jsonb[]) IS
  'Private (ff_stage_dependency_edges). The highest staged_graph_revision among the batch''s edges when every entry (edge_id, upstream, downstream, kind and condition: p_kinds[i] {dependency_kind?, condition?}, success_only and none when absent) is already staged exactly in the flow and no edge_id repeats within the batch; NULL otherwise (some entry new or different, or a repeated edge_id). One primary-key probe per entry; takes no locks.';
