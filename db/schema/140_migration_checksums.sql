-- 0.2.0: released migrations are immutable, and a database must hold the ones the package ships.
-- `flowstage migrate` (src/migrate.ts) and the psql install file record each migration's sha256
-- here in the transaction that applies it, and refuse to go on when a recorded migration's
-- checksum differs from the shipped file's. 0.1.0 predates this table: its released checksum
-- is recorded here (db/migrations/1764115200000_flowstage-core.sql, never edited since).
CREATE TABLE flowfabric.ff_migration_checksum (
  name   text PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE flowfabric.ff_migration_checksum IS
  'sha256 of each applied flowstage migration file, by the name recorded in ff_schema_migrations. Written by the installer (flowstage migrate, dist/flowstage.sql) when it applies a migration; an installer refuses a database whose checksums differ from its shipped files.';

INSERT INTO flowfabric.ff_migration_checksum (name, sha256)
SELECT name, '800c6f5863305c4e0c62712610c3be44845df271fd85002b221f545d347f4387'
FROM flowfabric.ff_schema_migrations
WHERE name = '1764115200000_flowstage-core';
