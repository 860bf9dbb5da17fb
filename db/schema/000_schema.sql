-- The flowfabric schema holds everything flowstage installs: uninstall = DROP SCHEMA flowfabric CASCADE.
CREATE SCHEMA IF NOT EXISTS flowfabric;

COMMENT ON SCHEMA flowfabric IS
  'flowstage: workflow DAGs staged and run inside PostgreSQL. Call the ff_* functions; tables are written only by them. Semantics: docs/semantics.md in the flowstage package.';
