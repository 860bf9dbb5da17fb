-- _mermaid_text: text made safe inside a quoted Mermaid label.
CREATE OR REPLACE FUNCTION flowfabric._mermaid_text(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT replace(replace(replace(replace(p_text, '#', '#35;'), '"', '#quot;'), '<', '#lt;'), '>', '#gt;')
$$;

COMMENT ON FUNCTION flowfabric._mermaid_text(text) IS
  'Private. Escapes # " < > as Mermaid entity codes so user text (a task identifier) cannot break a quoted label.';
