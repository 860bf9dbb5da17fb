-- ff_migration_checksum: the sha256 of each applied flowstage migration (docs/releasing.md).
-- Released migrations are immutable, and a database must hold the ones the package ships:
-- `flowstage migrate` (src/migrate.ts) and the psql install file record each migration's sha256
-- here in the transaction that applies it, and refuse to go on when a recorded checksum differs
-- from the shipped file's. (0.1.0 predates the table; 0.2.0 recorded 0.1.0's released checksum.)
CREATE TABLE flowfabric.ff_migration_checksum (
  name   text PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE flowfabric.ff_migration_checksum IS
  'sha256 of each applied flowstage migration file, by the name recorded in ff_schema_migrations. Written by the installer (flowstage migrate, dist/flowstage.sql) when it applies a migration; an installer refuses a database whose checksums differ from its shipped files.';
