-- The schema's comment points at the semantics reference the package ships (it named a file
-- outside the repository).
COMMENT ON SCHEMA flowfabric IS
  'flowstage: workflow DAGs staged and run inside PostgreSQL. Call the ff_* functions; tables are written only by them. Semantics: docs/semantics.md in the flowstage package.';
