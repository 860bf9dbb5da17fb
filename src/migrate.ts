// Installs flowstage into a database: Graphile Worker's schema (its own migrator), then
// flowstage's migrations (node-pg-migrate, db/migrations). Safe to run twice and concurrently.
//
// Migrations are immutable once released, and a database must hold exactly the ones this
// package ships. Each applied migration's sha256 (of its whole file) is recorded in
// flowfabric.ff_migration_checksum, in the transaction that applies it; before anything runs,
// checksumGuardSql() refuses a database whose record disagrees with the shipped files (a
// migration changed after it was applied, an unknown or out-of-order one). 0.1.0 predates the
// table: 0.2.0 creates it and records 0.1.0's released checksum (db/schema/140_*). The psql
// install file (src/install-sql.ts) runs the same guard and records the same rows.
//
// The installing role needs rights a login of an application should not have (docs/operations.md,
// roles and privileges). When PostgreSQL refuses one (SQLSTATE 42501), migrate() looks at what the
// role lacks and throws MigratePermissionError, whose message lists it and the GRANTs that fix it.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, runMigrations as runGraphileWorkerMigrations } from 'graphile-worker';
import { runner, type MigrationBuilder } from 'node-pg-migrate';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../db/migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'ff_schema_migrations';
/**
 * One session-level advisory lock serialises concurrent installers of a database (migrate() and the
 * psql file). It must exist before flowstage's schema does, so it cannot be a row only the owner
 * may lock: any login that can connect could hold it. migrate() therefore never waits for it
 * blindly: it tries for `lockTimeoutMs` and then fails naming the session that holds it
 * (docs/operations.md#trust-model).
 */
export const MIGRATE_LOCK_SQL = "SELECT pg_advisory_lock(hashtext('flowstage.migrate'))";
const MIGRATE_TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('flowstage.migrate')) AS locked";
/** Who holds the install lock: the key pg_advisory_lock(bigint) splits into classid (high 32 bits) and objid (low 32 bits). */
const MIGRATE_LOCK_HOLDERS_SQL = `
  SELECT l.pid, a.usename, a.application_name, a.client_addr::text AS client_addr, a.backend_start
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext('flowstage.migrate')::bigint
  ORDER BY l.pid`;
/** Released before checksums were recorded: accepted without one (0.2.0 backfills its known checksum). */
const RECORDED_WITHOUT_CHECKSUM = ['1764115200000_flowstage-core'];
/** SQLSTATE of the installer's refusal: the database's recorded migrations are not the shipped ones. */
export const MIGRATION_MISMATCH = 'FFM01';
const silentGraphileLogger = new Logger(() => () => {});

export interface ShippedMigration {
  /** The name node-pg-migrate records: the file name without .sql. */
  name: string;
  path: string;
  /** sha256 of the whole file, hex. */
  sha256: string;
  /** The Up section, exactly as node-pg-migrate runs it. */
  up: string;
}

/** The Up section of a node-pg-migrate SQL migration: node-pg-migrate's own rule (sqlMigration.js). */
export function upSection(content: string): string {
  const start = content.search(/^\s*--[\s-]*up\s+migration/im);
  const downStart = content.search(/^\s*--[\s-]*down\s+migration/im);
  if (start < 0) return content;
  return content.slice(start, downStart < start ? undefined : downStart);
}

/** The migrations this package ships, in the order they apply. */
export async function shippedMigrations(dir = MIGRATIONS_DIR): Promise<ShippedMigration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql') && !f.startsWith('.')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8');
      return {
        name: basename(file, '.sql'),
        path: join(dir, file),
        sha256: createHash('sha256').update(text).digest('hex'),
        up: upSection(text),
      };
    }),
  );
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Records a migration's checksum, inside the transaction that applies it (skipped before the table exists: 0.1.0). */
export function recordChecksumSql(migration: ShippedMigration): string {
  return `DO $flowstage_checksum$
BEGIN
  IF to_regclass('flowfabric.ff_migration_checksum') IS NOT NULL THEN
    INSERT INTO flowfabric.ff_migration_checksum (name, sha256) VALUES (${literal(migration.name)}, ${literal(migration.sha256)});
  END IF;
END
$flowstage_checksum$;`;
}

/**
 * A statement that raises unless the database's recorded flowstage migrations are a prefix of
 * `shipped`, each with the shipped checksum. Run before anything is applied.
 */
export function checksumGuardSql(shipped: ShippedMigration[]): string {
  const names = `ARRAY[${shipped.map((m) => literal(m.name)).join(', ')}]::text[]`;
  const sums = `ARRAY[${shipped.map((m) => literal(m.sha256)).join(', ')}]::text[]`;
  const legacy = `ARRAY[${RECORDED_WITHOUT_CHECKSUM.map(literal).join(', ')}]::text[]`;
  return `DO $flowstage_guard$
DECLARE
  v_names    text[] := ${names};
  v_sums     text[] := ${sums};
  v_legacy   text[] := ${legacy};
  v_recorded text[];
  v_sha256   text;
  v_has_sums boolean := to_regclass('flowfabric.ff_migration_checksum') IS NOT NULL;
BEGIN
  IF to_regclass('flowfabric.${MIGRATIONS_TABLE}') IS NULL THEN
    RETURN;  -- a fresh database
  END IF;
  v_recorded := ARRAY(SELECT name FROM flowfabric.${MIGRATIONS_TABLE} ORDER BY run_on, id);
  FOR i IN 1 .. coalesce(cardinality(v_recorded), 0) LOOP
    IF NOT v_recorded[i] = ANY (v_names) THEN
      RAISE EXCEPTION USING ERRCODE = '${MIGRATION_MISMATCH}',
        MESSAGE = format('flowstage migration %s is recorded in this database but is not one this flowstage ships', v_recorded[i]),
        DETAIL = format('The last migration shipped is %s: the database was installed by a newer or a different build of flowstage.', v_names[cardinality(v_names)]),
        HINT = 'Migrate it with the flowstage version that installed it, or a newer one.';
    END IF;
    IF i > cardinality(v_names) OR v_recorded[i] <> v_names[i] THEN
      RAISE EXCEPTION USING ERRCODE = '${MIGRATION_MISMATCH}',
        MESSAGE = format('flowstage migration %s is recorded in this database out of order', v_recorded[i]),
        DETAIL = format('Position %s should hold %s: the database was installed by a different build of flowstage.', i, v_names[i]),
        HINT = 'Recreate the database (DROP SCHEMA flowfabric CASCADE, then migrate again).';
    END IF;
    v_sha256 := NULL;
    IF v_has_sums THEN
      EXECUTE 'SELECT sha256 FROM flowfabric.ff_migration_checksum WHERE name = $1' INTO v_sha256 USING v_recorded[i];
    END IF;
    IF v_sha256 IS NULL AND v_recorded[i] = ANY (v_legacy) THEN
      CONTINUE;  -- released before checksums were recorded
    END IF;
    IF v_sha256 IS DISTINCT FROM v_sums[i] THEN
      RAISE EXCEPTION USING ERRCODE = '${MIGRATION_MISMATCH}',
        MESSAGE = format('flowstage migration %s in this database differs from the one this flowstage ships', v_recorded[i]),
        DETAIL = format('Recorded sha256 %s, shipped %s: it was applied from an unreleased build (released migrations never change), so its functions and tables may not be the ones this flowstage expects.',
          coalesce(v_sha256, '(none)'), v_sums[i]),
        HINT = 'Recreate the database (DROP SCHEMA flowfabric CASCADE, then migrate again), or migrate it with the flowstage build that installed it.';
    END IF;
  END LOOP;
END
$flowstage_guard$;`;
}

/**
 * migrate() was refused a privilege (SQLSTATE 42501). `missing` says what the installing role
 * lacks, `fix` the statements (for a superuser to run) or the change of role that gives it.
 */
export class MigratePermissionError extends Error {
  readonly code = '42501';
  constructor(
    readonly role: string,
    readonly missing: string[],
    readonly fix: string[],
    cause: Error,
  ) {
    super(
      `flowstage migrate: ${cause.message} (SQLSTATE 42501). Role ${role} cannot install flowstage here:\n` +
        missing.map((line) => `- ${line}\n`).join('') +
        `Fix:\n${fix.map((line) => `  ${line}\n`).join('')}` +
        'See docs/operations.md#the-installing-role.',
      { cause },
    );
    this.name = 'MigratePermissionError';
  }
}

interface InstallRights {
  role: string;
  database: string;
  superuser: boolean;
  createrole: boolean;
  server_version_num: number;
  create_on_database: boolean;
  schemas: { name: string; owner: string | null; owner_is_superuser: boolean; acts_as_owner: boolean }[];
  /** member: has the role's rights and may hand it objects (USAGE, and SET from PostgreSQL 16). */
  roles: { name: string; exists: boolean; member: boolean; admin: boolean }[];
}

const FLOWSTAGE_ROLES = ['flowstage_owner', 'flowstage_reader', 'flowstage_writer'];
/** `name` as an SQL identifier, quoted only when it must be. */
const ident = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : pg.Client.prototype.escapeIdentifier(name));

/** What the connected role may do that installing flowstage needs (read from the catalogue). */
async function installRights(client: pg.Client): Promise<InstallRights> {
  const {
    rows: [row],
  } = await client.query(
    `
    SELECT current_user AS role, current_database() AS database, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
           current_setting('server_version_num')::int AS server_version_num,
           has_database_privilege(current_database(), 'CREATE') AS create_on_database,
           (SELECT json_agg(json_build_object(
                     'name', s.name, 'owner', o.rolname, 'owner_is_superuser', coalesce(o.rolsuper, false),
                     'acts_as_owner', coalesce(pg_has_role(current_user, n.nspowner, 'USAGE'), false)) ORDER BY s.name)
              FROM unnest(ARRAY['flowfabric', 'graphile_worker']) AS s (name)
              LEFT JOIN pg_namespace n ON n.nspname = s.name
              LEFT JOIN pg_roles o ON o.oid = n.nspowner) AS schemas,
           (SELECT json_agg(json_build_object(
                     'name', x.name, 'exists', g.oid IS NOT NULL,
                     'member', g.oid IS NOT NULL AND pg_has_role(current_user, g.oid, 'USAGE')
                               AND (current_setting('server_version_num')::int < 160000 OR pg_has_role(current_user, g.oid, 'SET')),
                     'admin', g.oid IS NOT NULL AND pg_has_role(current_user, g.oid, 'MEMBER WITH ADMIN OPTION')) ORDER BY x.name)
              FROM unnest($1::text[]) AS x (name) LEFT JOIN pg_roles g ON g.rolname = x.name) AS roles
    FROM pg_roles r WHERE r.rolname = current_user`,
    [FLOWSTAGE_ROLES],
  );
  return row as InstallRights;
}

/** What `rights` lacks for an install, and the statements that give it (empty when nothing is seen missing). */
function missingInstallRights(rights: InstallRights): { missing: string[]; fix: string[] } {
  const missing: string[] = [];
  const fix: string[] = [];
  if (rights.superuser) return { missing, fix };
  const role = ident(rights.role);
  const toCreate = rights.schemas.filter((schema) => schema.owner === null);
  if (toCreate.length > 0 && !rights.create_on_database) {
    missing.push(
      `the right to create ${toCreate.length > 1 ? 'schemas' : 'schema'} ${toCreate.map((schema) => schema.name).join(' and ')} in database ` +
        `${rights.database} (CREATE on the database)`,
    );
    fix.push(`GRANT CREATE ON DATABASE ${ident(rights.database)} TO ${role};`);
  }
  // An install changes the tables and functions of both schemas: it must act as their owner.
  const foreign = rights.schemas.filter((schema) => schema.owner !== null && !schema.acts_as_owner);
  for (const owner of new Set(foreign.map((schema) => schema.owner!))) {
    const owned = foreign.filter((schema) => schema.owner === owner);
    const names = `${owned.length > 1 ? 'schemas' : 'schema'} ${owned.map((schema) => schema.name).join(' and ')}`;
    missing.push(`the rights of role ${owner}, which owns ${names}`);
    fix.push(
      owned[0].owner_is_superuser
        ? `run flowstage migrate as ${owner} (a superuser owns ${names})`
        : `GRANT ${ident(owner)} TO ${role};  -- or run flowstage migrate as ${owner}`,
    );
  }
  const absent = rights.roles.filter((r) => !r.exists);
  if (absent.length > 0 && !rights.createrole) {
    missing.push(`role(s) ${absent.map((r) => r.name).join(', ')}, which it may not create (no CREATEROLE)`);
    fix.push(...absent.map((r) => `CREATE ROLE ${r.name} NOLOGIN;`));
  }
  // Handing objects to flowstage_owner takes membership in it; a CREATEROLE role grants it to
  // itself, on PostgreSQL 16 and later only when it holds ADMIN on the role (it created it).
  const owner = rights.roles.find((r) => r.name === 'flowstage_owner')!;
  const selfGrant = rights.createrole && (!owner.exists || rights.server_version_num < 160000 || owner.admin);
  if (!owner.member && !selfGrant) {
    missing.push('membership in flowstage_owner (it hands every table and function of flowfabric to that role)');
    fix.push(`GRANT flowstage_owner TO ${role};`);
  }
  return { missing, fix };
}

/** `error` as a MigratePermissionError naming what the role lacks; other errors unchanged. */
async function explainPermissionError(connectionString: string, error: unknown): Promise<unknown> {
  if ((error as { code?: string } | null)?.code !== '42501' || error instanceof MigratePermissionError) return error;
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    const rights = await installRights(client);
    const { missing, fix } = missingInstallRights(rights);
    if (missing.length === 0) {
      missing.push("a privilege flowstage does not check for itself (PostgreSQL's message above names it)");
      fix.push('run flowstage migrate as a superuser, or as the role that installed flowstage and Graphile Worker here');
    } else {
      fix.push('or run flowstage migrate as a superuser');
    }
    return new MigratePermissionError(rights.role, missing, fix, error as Error);
  } catch {
    return error; // the diagnosis failed too: the original error says more
  } finally {
    await client.end().catch(() => {});
  }
}

export interface MigrateOptions {
  /** Receives progress lines; silent when omitted. */
  log?: (message: string) => void;
  /** @internal Apply at most this many pending flowstage migrations (upgrade tests install an old release). */
  count?: number;
  /**
   * Milliseconds to wait for the install lock another installer (or any session) holds before
   * failing with an error that names the holder; default 60000.
   */
  lockTimeoutMs?: number;
}

/** Takes the install lock, polling, or fails after `timeoutMs` naming who holds it. */
async function takeInstallLock(client: pg.Client, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    if ((await client.query(MIGRATE_TRY_LOCK_SQL)).rows[0].locked) return;
    const { rows } = await client.query(MIGRATE_LOCK_HOLDERS_SQL);
    const holders = rows
      .map(
        (r) =>
          `pid ${r.pid} (user ${r.usename ?? '?'}, application ${JSON.stringify(r.application_name ?? '')}` +
          `${r.client_addr ? `, from ${r.client_addr}` : ''}, connected since ${r.backend_start ? new Date(r.backend_start).toISOString() : '?'})`,
      )
      .join('; ');
    if (Date.now() >= deadline) {
      throw new Error(
        `migrate: another session has held flowstage's install lock (pg_advisory_lock(hashtext('flowstage.migrate'))) ` +
          `for more than ${timeoutMs} ms: ${holders || 'it was just released'}. If it is not another installer, end it with ` +
          'pg_terminate_backend(<pid>) and migrate again.',
      );
    }
    if (!said) log(`waiting for flowstage's install lock, held by ${holders || 'another session'}`);
    said = true;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
  }
}

/** Installs or upgrades flowstage; returns the names of the flowstage migrations it applied (none: up to date). */
export async function migrate(connectionString: string, options: MigrateOptions = {}): Promise<string[]> {
  try {
    return await migrateUnexplained(connectionString, options);
  } catch (error) {
    throw await explainPermissionError(connectionString, error);
  }
}

async function migrateUnexplained(connectionString: string, options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => {});
  const shipped = await shippedMigrations();
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await takeInstallLock(client, options.lockTimeoutMs ?? 60_000, log);
    await client.query(checksumGuardSql(shipped)).catch((error: pg.DatabaseError) => {
      if (error.code !== MIGRATION_MISMATCH) throw error;
      throw Object.assign(new Error(`${error.message}. ${error.detail}\nhint: ${error.hint}`, { cause: error }), {
        code: error.code,
      });
    });
    // Our own pool, ended and awaited here: given a connection string, Graphile Worker 0.17 ends
    // the pool it makes without waiting, so a connection could still be closing after migrate()
    // returned (and a caller dropping the database at once then met an unhandled error).
    const workerPool = new pg.Pool({ connectionString, max: 1 });
    const ignore = () => {}; // an idle connection's error: the migration's own queries still throw
    workerPool.on('error', ignore);
    workerPool.on('connect', (connection) => connection.on('error', ignore));
    try {
      await runGraphileWorkerMigrations({ pgPool: workerPool, logger: silentGraphileLogger });
    } finally {
      await workerPool.end();
    }
    const byFile = new Map(shipped.map((m) => [basename(m.path), m]));
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      count: options.count,
      migrationsTable: MIGRATIONS_TABLE,
      migrationsSchema: 'flowfabric',
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      // Our install lock already serialises flowstage's installers: node-pg-migrate's own advisory
      // lock (a fixed, public key) would only let any login block every migrate.
      noLock: true,
      // Each migration is its Up section, then its checksum row (node-pg-migrate then records its name).
      migrationLoaderStrategies: [
        {
          extensions: ['.sql'],
          loader: async (paths) =>
            paths.map((path) => {
              const migration = byFile.get(basename(path));
              if (!migration) throw new Error(`${path} appeared while migrating`);
              return {
                id: path,
                filePaths: [path],
                actions: {
                  up: (pgm: MigrationBuilder) => {
                    pgm.sql(migration.up);
                    pgm.sql(recordChecksumSql(migration));
                  },
                  down: false,
                },
              };
            }),
        },
      ],
      log,
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end(); // ending the session releases the advisory lock
  }
}
