// Everything an install leaves in a database, object by object, for comparing two installs
// (migrate() against the psql file, an upgrade against a fresh install).
import pg from 'pg';

/** Every schema but PostgreSQL's own. */
const MINE = `NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'`;

/**
 * The installed catalogue: schemas, tables and views with their columns, indexes, constraints,
 * triggers, policies, sequences and types; functions with their definitions, settings and
 * comments; every owner, grant (ACL) and comment; the roles flowstage creates; the seeded and
 * bookkeeping rows.
 */
export async function fingerprint(connectionString: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    return {
      schemas: await q(`SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl, obj_description(oid, 'pg_namespace') AS comment
        FROM pg_namespace WHERE nspname ${MINE} ORDER BY 1`),
      relations: await q(`SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.reloptions,
          pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, obj_description(c.oid, 'pg_class') AS comment
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname ${MINE} ORDER BY 1, 2`),
      columns: await q(`SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
          a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity, a.attgenerated,
          co.collname, a.attacl::text AS acl, col_description(c.oid, a.attnum) AS comment
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
        WHERE n.nspname ${MINE} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2, 3`),
      indexes: await q(`SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname ${MINE}) ORDER BY 1, 2, 3`),
      constraints: await q(`SELECT n.nspname, c.conrelid::regclass::text AS rel, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname ${MINE} ORDER BY 1, 2, 3`),
      triggers: await q(`SELECT t.tgrelid::regclass::text AS rel, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS def
        FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1, 2`),
      policies: await q(`SELECT schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
        FROM pg_policies ORDER BY 1, 2, 3`),
      views: await q(`SELECT schemaname, viewname, definition FROM pg_views
        WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname ${MINE}) ORDER BY 1, 2`),
      sequences: await q(`SELECT schemaname, sequencename, data_type::text, start_value, increment_by, max_value, cycle
        FROM pg_sequences WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname ${MINE}) ORDER BY 1, 2`),
      types: await q(`SELECT n.nspname, t.typname, t.typtype, pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base,
          (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)::text AS labels,
          pg_get_userbyid(t.typowner) AS owner, t.typacl::text AS acl, obj_description(t.oid, 'pg_type') AS comment
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname ${MINE} AND t.typtype IN ('e', 'd', 'c') AND (t.typrelid = 0 OR
          (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') ORDER BY 1, 2`),
      functions: await q(`SELECT p.oid::regprocedure::text AS signature, p.prokind, pg_get_functiondef(p.oid) AS def,
          p.proconfig, p.prosecdef, p.provolatile, p.proparallel, pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl,
          obj_description(p.oid, 'pg_proc') AS comment
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname ${MINE} AND p.prokind <> 'a' ORDER BY 1`),
      defaultPrivileges: await q(`SELECT defaclrole::regrole::text, defaclnamespace::regnamespace::text, defaclobjtype, defaclacl::text
        FROM pg_default_acl ORDER BY 1, 2, 3`),
      // (not their members: roles belong to the server, and other tests add logins to them meanwhile)
      roles: await q(`SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolinherit, shobj_description(r.oid, 'pg_authid') AS comment
        FROM pg_roles r WHERE r.rolname LIKE 'flowstage\\_%' ORDER BY 1`),
      errors: await q(`SELECT * FROM flowfabric.ff_error ORDER BY code`),
      // (an install by the migrations only: the desired state built from db/ has no such table)
      migrations: (await q(`SELECT to_regclass('flowfabric.ff_schema_migrations') IS NOT NULL AS present`))[0].present
        ? await q(`SELECT name FROM flowfabric.ff_schema_migrations ORDER BY id`) : [],
      checksums: await q(`SELECT name, sha256 FROM flowfabric.ff_migration_checksum ORDER BY name`),
      workerMigrations: await q(`SELECT id, breaking FROM graphile_worker.migrations ORDER BY id`),
    };
  } finally {
    await client.end();
  }
}

export type Fingerprint = Awaited<ReturnType<typeof fingerprint>>;
