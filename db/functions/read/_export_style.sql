-- _export_style: the class and colours the Mermaid and DOT exports give a node state or an edge state.
CREATE OR REPLACE FUNCTION flowfabric._export_style(
  p_what  text,
  p_state text,
  OUT style_class text,
  OUT fill        text,
  OUT stroke      text)
LANGUAGE sql IMMUTABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT coalesce(s.style_class, 'other'),
         coalesce(s.fill, CASE WHEN p_what = 'node' THEN '#ffffff' END),
         coalesce(s.stroke, '#000000')
  FROM (SELECT 1) one
  LEFT JOIN (VALUES
    ('node', 'waiting',          'waiting',          '#f5f5f5', '#9e9e9e'),
    ('node', 'waiting_children', 'waiting_children', '#fff8e1', '#ffa000'),
    ('node', 'delayed',          'delayed',          '#ede7f6', '#7e57c2'),
    ('node', 'running',          'running',          '#e3f2fd', '#1e88e5'),
    ('node', 'active',           'running',          '#e3f2fd', '#1e88e5'),
    ('node', 'completed',        'completed',        '#e8f5e9', '#43a047'),
    ('node', 'failed',           'failed',           '#ffebee', '#e53935'),
    ('node', 'cancelled',        'cancelled',        '#eceff1', '#546e7a'),
    ('node', 'expired',          'expired',          '#fce4ec', '#d81b60'),
    ('node', 'skipped',          'skipped',          '#fafafa', '#bdbdbd'),
    ('edge', 'pending',          'pending',          NULL,      '#9e9e9e'),
    ('edge', 'applied',          'applied',          NULL,      '#ffa000'),
    ('edge', 'satisfied',        'satisfied',        NULL,      '#43a047'),
    ('edge', 'impossible',       'impossible',       NULL,      '#e53935')
  ) AS s(what, state, style_class, fill, stroke) ON s.what = p_what AND s.state = p_state
$$;

COMMENT ON FUNCTION flowfabric._export_style(text, text) IS
  'Private. Style of a node (p_what node, p_state = public_state) or an edge (p_what edge, p_state = edge_state) in ff_flow_to_mermaid and ff_flow_to_dot: style_class (the state; active shows as running; delayed, a retry''s backoff or a delay, in violet; an unknown state as other), fill (nodes only) and stroke colours.';
