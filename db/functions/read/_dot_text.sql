-- _dot_text: text made safe inside a double-quoted DOT string.
CREATE OR REPLACE FUNCTION flowfabric._dot_text(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
  SELECT replace(replace(replace(p_text, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n')
$$;

COMMENT ON FUNCTION flowfabric._dot_text(text) IS
  'Private. Escapes backslash, double quote and newline so user text (a task identifier) stays inside a quoted DOT label.';
