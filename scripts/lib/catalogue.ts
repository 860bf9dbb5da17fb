// The one reader of flowstage's catalogue: what scripts/generate-client.ts (the typed client),
// scripts/generate-docs.ts (docs/reference/sql.md), scripts/lint-sql.ts (plpgsql_check) and the
// catalogue tests (test/helpers/catalogue.ts: an install's fingerprint) read from a migrated
// database. Queries only; what each output makes of it lives with the output.
import type pg from 'pg';

type Db = pg.ClientBase | pg.Pool;

const SCHEMA = 'flowfabric';

// ---------------------------------------------------------------------------------------------
// Functions and errors (both generators)

/** One row per public function of schema flowfabric (names not starting with `_`), by name and arguments. */
export interface FunctionRow {
  name: string;
  identity: string;
  arguments: string;
  result: string;
  returns_set: boolean;
  return_type: number;
  defaults: number;
  arg_names: string[];
  arg_modes: SqlArgument['mode'][];
  arg_types: number[];
  language: string;
  volatility: string;
  security_definer: boolean;
  executable_by: string[];
  comment: string | null;
}

/** The public functions of schema flowfabric: what the client and the reference are generated from. */
export async function readPublicFunctions(db: Db): Promise<FunctionRow[]> {
  const { rows } = await db.query<FunctionRow>(
    `SELECT p.proname::text AS name,
            pg_get_function_identity_arguments(p.oid) AS identity,
            pg_get_function_arguments(p.oid) AS arguments,
            pg_get_function_result(p.oid) AS result,
            p.proretset AS returns_set,
            p.prorettype::int AS return_type,
            p.pronargdefaults::int AS defaults,
            coalesce(p.proargnames, '{}')::text[] AS arg_names,
            coalesce(p.proargmodes::text[], array_fill('i'::text, ARRAY[p.pronargs::int])) AS arg_modes,
            coalesce(p.proallargtypes, p.proargtypes::oid[])::int[] AS arg_types,
            l.lanname::text AS language,
            p.provolatile::text AS volatility,
            p.prosecdef AS security_definer,
            ARRAY(SELECT DISTINCT a.grantee::regrole::text FROM aclexplode(p.proacl) a
                  WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner ORDER BY 1) AS executable_by,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace
     JOIN pg_language l ON l.oid = p.prolang
     WHERE n.nspname = $1 AND p.prokind = 'f' AND left(p.proname, 1) <> '_'
     ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
    [SCHEMA],
  );
  return rows;
}

export interface SqlError {
  code: string;
  sqlstate: string;
  retryable: boolean;
  description: string;
  hint: string;
}

/** The error catalogue, flowfabric.ff_error, by SQLSTATE. */
export async function readErrors(db: Db): Promise<SqlError[]> {
  const { rows } = await db.query<SqlError>(
    `SELECT code, sqlstate, retryable, description, hint FROM ${SCHEMA}.ff_error ORDER BY sqlstate`,
  );
  return rows;
}

/**
 * Every PL/pgSQL function of schema flowfabric as plpgsql_check checks it: once on its own, and a
 * trigger function once per table it fires on (relid that table, label "<signature> on <table>").
 */
export async function readPlpgsqlFunctions(db: Db): Promise<{ oid: number; relid: number; label: string }[]> {
  const { rows } = await db.query(
    `SELECT p.oid::int AS oid, 0 AS relid, p.oid::regprocedure::text AS label
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.pronamespace = $1::regnamespace AND l.lanname = 'plpgsql' AND p.prorettype <> 'trigger'::regtype
     UNION ALL
     SELECT DISTINCT p.oid::int, t.tgrelid::int, p.oid::regprocedure::text || ' on ' || t.tgrelid::regclass::text
       FROM pg_proc p JOIN pg_trigger t ON t.tgfoid = p.oid
      WHERE p.pronamespace = $1::regnamespace AND NOT t.tgisinternal
     ORDER BY 3`,
    [SCHEMA],
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Types, domains and results of the public functions (the client)

export interface TypeInfo {
  oid: number;
  /** format_type(oid, NULL): what the call casts to, e.g. `bigint`, `text[]`. */
  sqlName: string;
  /** The type's own name, or for a domain the name of the type it is ultimately built on. */
  typname: string;
  category: string;
  elementTypname: string | null;
  typtype: string;
  relid: number;
  /** What a domain declares (through the domains it is built on too); null for any other type. */
  domain: DomainInfo | null;
}

export interface DomainInfo {
  /** The domain's own name, e.g. `ff_public_state`. */
  name: string;
  /** NOT NULL on the domain or on a domain it is built on: a column of this type is never NULL. */
  notNull: boolean;
  /** The values its CHECK (VALUE IN (...)) allows, in declaration order; null without such a CHECK. */
  values: string[] | null;
  /** The domain that declares `values` (itself, or one it is built on). */
  valuesDomain: string | null;
  /** COMMENT ON DOMAIN of valuesDomain. */
  valuesComment: string | null;
}

export interface SqlArgument {
  name: string;
  mode: 'i' | 'o' | 'b' | 'v' | 't';
  type: TypeInfo;
}

export interface SqlFunction {
  name: string;
  identity: string;
  arguments: string;
  result: string;
  returnsSet: boolean;
  returnType: TypeInfo;
  args: SqlArgument[];
  /** How many of the trailing input arguments have a DEFAULT. */
  defaults: number;
  /** Columns of a composite result with no OUT/TABLE arguments (RETURNS ff_edge, SETOF ff_edge). */
  compositeColumns: { name: string; type: TypeInfo }[];
  comment: string | null;
}

export interface Catalogue {
  functions: SqlFunction[];
  errors: SqlError[];
}

// Each type with the chain of types it is built on (a domain over a domain over text: depth 0, 1, 2).
const TYPE_CHAIN = `
  WITH RECURSIVE chain AS (
    SELECT t.oid AS root, t.oid, 0 AS depth FROM pg_type t WHERE t.oid = ANY($1::oid[])
    UNION ALL
    SELECT c.root, d.typbasetype, c.depth + 1 FROM chain c JOIN pg_type d ON d.oid = c.oid WHERE d.typtype = 'd'
  )`;

const TYPE_QUERY = `${TYPE_CHAIN},
  base AS (SELECT DISTINCT ON (root) root, oid FROM chain ORDER BY root, depth DESC)
  SELECT t.oid::int AS oid, format_type(t.oid, NULL) AS sql_name,
         b.typname::text AS typname, b.typcategory::text AS category,
         e.typname::text AS element_typname,
         t.typtype::text AS typtype, t.typrelid::int AS relid
  FROM pg_type t
  JOIN base ON base.root = t.oid
  JOIN pg_type b ON b.oid = base.oid
  LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'`;

// The domains of each chain, outermost first, with their NOT NULL and CHECK constraints.
const DOMAIN_QUERY = `${TYPE_CHAIN}
  SELECT c.root::int AS root, t.typname::text AS name, t.typnotnull AS not_null,
         obj_description(t.oid, 'pg_type') AS comment,
         array(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
               WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks
  FROM chain c JOIN pg_type t ON t.oid = c.oid
  WHERE t.typtype = 'd'
  ORDER BY c.root, c.depth`;

// A value set as pg_get_constraintdef shows CHECK (VALUE IN ('a', 'b')) on a text domain, or
// CHECK (VALUE IN ('a')) (PostgreSQL folds a one-value IN list to an equality).
const VALUE_LIST = /^CHECK \(\(VALUE = ANY \(ARRAY\[('(?:[^']|'')*'::text(?:, '(?:[^']|'')*'::text)*)\]\)\)\)$/;
const ONE_VALUE = /^CHECK \(\(VALUE = ('(?:[^']|'')*'::text)\)\)$/;
// Anything else that compares VALUE with literals for equality is meant as a value set too, in a
// form this generator does not read: it fails rather than guess.
const LOOKS_LIKE_VALUES = /VALUE = ANY|VALUE = '|'::text\]/;

/**
 * The values of a CHECK constraint's definition (pg_get_constraintdef) when it declares a value
 * set; null for another kind of CHECK (a format, a range). Throws on a value set it cannot read.
 */
export function checkValues(definition: string, where: string): string[] | null {
  const match = VALUE_LIST.exec(definition) ?? ONE_VALUE.exec(definition);
  if (!match) {
    if (LOOKS_LIKE_VALUES.test(definition)) {
      throw new Error(
        `${where}: cannot read the value set of ${definition}; declare it as CHECK (VALUE IN ('a', 'b', ...)) on a text domain`,
      );
    }
    return null;
  }
  return [...match[1].matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1].replaceAll("''", "'"));
}

interface DomainRow {
  root: number;
  name: string;
  not_null: boolean;
  comment: string | null;
  checks: string[];
}

/** What a domain chain (outermost first) declares. */
export function domainInfo(chain: readonly DomainRow[]): DomainInfo {
  const info: DomainInfo = { name: chain[0].name, notNull: false, values: null, valuesDomain: null, valuesComment: null };
  for (const domain of chain) {
    const where = `domain flowfabric.${domain.name}`;
    if (domain.name.endsWith('_or_null') && domain.not_null) {
      throw new Error(`${where} is NOT NULL: a domain named *_or_null takes NULL`);
    }
    info.notNull ||= domain.not_null;
    for (const check of domain.checks) {
      const values = checkValues(check, where);
      if (!values) continue;
      if (info.values) {
        throw new Error(`flowfabric.${chain[0].name}: two value sets (${info.valuesDomain} and ${domain.name}); declare one`);
      }
      info.values = values;
      info.valuesDomain = domain.name;
      info.valuesComment = domain.comment;
    }
  }
  return info;
}

/** Reads the public functions of schema flowfabric and the ff_error table. */
export async function readCatalogue(db: Db): Promise<Catalogue> {
  const procs = await readPublicFunctions(db);
  const typeOids = new Set<number>();
  for (const proc of procs) {
    typeOids.add(proc.return_type);
    for (const oid of proc.arg_types) typeOids.add(oid);
  }
  const types = new Map<number, TypeInfo>();
  const loadTypes = async (oids: number[]) => {
    const { rows } = await db.query(TYPE_QUERY, [oids]);
    const { rows: domainRows } = await db.query<DomainRow>(DOMAIN_QUERY, [oids]);
    for (const row of rows) {
      const chain = domainRows.filter((d) => d.root === row.oid);
      types.set(row.oid, {
        oid: row.oid,
        sqlName: row.sql_name,
        typname: row.typname,
        category: row.category,
        elementTypname: row.element_typname,
        typtype: row.typtype,
        relid: row.relid,
        domain: chain.length > 0 ? domainInfo(chain) : null,
      });
    }
  };
  await loadTypes([...typeOids]);

  const functions: SqlFunction[] = [];
  for (const proc of procs) {
    const args: SqlArgument[] = proc.arg_types.map((oid: number, i: number) => ({
      name: proc.arg_names[i] ?? '',
      mode: proc.arg_modes[i],
      type: types.get(oid)!,
    }));
    const returnType = types.get(proc.return_type)!;
    let compositeColumns: SqlFunction['compositeColumns'] = [];
    const hasOutputArgs = args.some((a) => a.mode === 'o' || a.mode === 'b' || a.mode === 't');
    if (!hasOutputArgs && returnType.typtype === 'c') {
      const { rows } = await db.query(
        `SELECT attname::text AS name, atttypid::int AS type FROM pg_attribute
         WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [returnType.relid],
      );
      await loadTypes(rows.map((r) => r.type).filter((oid) => !types.has(oid)));
      compositeColumns = rows.map((r) => ({ name: r.name, type: types.get(r.type)! }));
    }
    functions.push({
      name: proc.name,
      identity: proc.identity,
      arguments: proc.arguments,
      result: proc.result,
      returnsSet: proc.returns_set,
      returnType,
      args,
      defaults: proc.defaults,
      compositeColumns,
      comment: proc.comment,
    });
  }
  const errors = await readErrors(db);
  return { functions, errors };
}

// ---------------------------------------------------------------------------------------------
// Functions, domains and tables as the reference shows them (the docs)

export interface DocFunction {
  name: string;
  identity: string;
  arguments: string;
  result: string;
  language: string;
  /** i, s or v (pg_proc.provolatile). */
  volatility: string;
  securityDefiner: boolean;
  /** The roles granted EXECUTE, the owner aside (db/privileges/030_function_access.sql). */
  executableBy: string[];
  comment: string | null;
}

export interface DocColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** DEFAULT expression, `GENERATED ... AS IDENTITY` or `GENERATED ALWAYS AS (...) STORED`; null when none. */
  default: string | null;
  comment: string | null;
}

export interface DocTable {
  name: string;
  comment: string | null;
  columns: DocColumn[];
  constraints: { name: string; definition: string }[];
  indexes: { name: string; definition: string }[];
  triggers: { name: string; definition: string }[];
}

export type DocError = SqlError;

export interface DocDomain {
  name: string;
  /** The type it is built on, as format_type shows it (a flowfabric domain is schema-qualified). */
  base: string;
  notNull: boolean;
  /** pg_get_constraintdef of each CHECK, by constraint name. */
  checks: string[];
  comment: string | null;
}

export interface DocCatalogue {
  functions: DocFunction[];
  domains: DocDomain[];
  tables: DocTable[];
  errors: DocError[];
}

/** Reads the public functions and the tables of schema flowfabric, and ff_error. */
export async function readDocCatalogue(db: Db): Promise<DocCatalogue> {
  const procs = await readPublicFunctions(db);
  const functions: DocFunction[] = procs.map((p) => ({
    name: p.name,
    identity: p.identity,
    arguments: p.arguments,
    result: p.result,
    language: p.language,
    volatility: p.volatility,
    securityDefiner: p.security_definer,
    executableBy: p.executable_by,
    comment: p.comment,
  }));

  const { rows: domains } = await db.query(
    `SELECT t.typname::text AS name, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull AS not_null,
            array(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
                  WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname) AS checks,
            obj_description(t.oid, 'pg_type') AS comment
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 AND t.typtype = 'd'
     ORDER BY t.typname`,
    [SCHEMA],
  );

  const { rows: relations } = await db.query(
    `SELECT c.oid::int AS oid, c.relname::text AS name, obj_description(c.oid, 'pg_class') AS comment
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
     ORDER BY c.relname`,
    [SCHEMA],
  );
  const tables: DocTable[] = [];
  for (const relation of relations) {
    const { rows: columns } = await db.query(
      `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              CASE WHEN a.attidentity = 'a' THEN 'GENERATED ALWAYS AS IDENTITY'
                   WHEN a.attidentity = 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY'
                   WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                   ELSE pg_get_expr(d.adbin, d.adrelid) END AS "default",
              col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [relation.oid],
    );
    // NOT NULL constraints (pg_constraint rows since PostgreSQL 18) show as the columns' "null".
    const { rows: constraints } = await db.query(
      `SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY conname`,
      [relation.oid],
    );
    // Indexes that back a constraint (primary key, unique) show as the constraint only.
    const { rows: indexes } = await db.query(
      `SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
       ORDER BY c.relname`,
      [relation.oid],
    );
    const { rows: triggers } = await db.query(
      `SELECT tgname::text AS name, pg_get_triggerdef(oid) AS definition FROM pg_trigger
       WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname`,
      [relation.oid],
    );
    tables.push({
      name: relation.name,
      comment: relation.comment,
      columns: columns.map((c) => ({ name: c.name, type: c.type, notNull: c.not_null, default: c.default, comment: c.comment })),
      constraints,
      indexes,
      triggers,
    });
  }
  const errors = await readErrors(db);
  return {
    functions,
    domains: domains.map((d) => ({ name: d.name, base: d.base, notNull: d.not_null, checks: d.checks, comment: d.comment })),
    tables,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Everything an install leaves in a database (the catalogue tests)

/** Every schema but PostgreSQL's own. */
const MINE = `NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'`;

/**
 * The installed catalogue, object by object, for comparing two installs (migrate() against the
 * psql file, an upgrade against a fresh install): schemas, tables and views with their columns, indexes, constraints,
 * triggers, policies, sequences and types; functions with their definitions, settings and
 * comments; every owner, grant (ACL) and comment; the roles flowstage creates; the seeded and
 * bookkeeping rows.
 */
export async function readFingerprint(db: Db) {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    schemas:
      await q(`SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl, obj_description(oid, 'pg_namespace') AS comment
      FROM pg_namespace WHERE nspname ${MINE} ORDER BY 1`),
    relations: await q(`SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.reloptions,
        pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, obj_description(c.oid, 'pg_class') AS comment
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname ${MINE} ORDER BY 1, 2`),
    // A column's position among the live ones, not its attnum: an upgrade that drops a column
    // (0.3.0: ff_edge.policy) leaves a gap in attnum that a fresh table does not have.
    columns: await q(`SELECT n.nspname, c.relname,
        row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
        a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity, a.attgenerated,
        co.collname, a.attacl::text AS acl, col_description(c.oid, a.attnum) AS comment
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
      WHERE n.nspname ${MINE} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2, 3`),
    indexes: await q(`SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname IN (SELECT nspname FROM pg_namespace WHERE nspname ${MINE}) ORDER BY 1, 2, 3`),
    constraints:
      await q(`SELECT n.nspname, c.conrelid::regclass::text AS rel, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def
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
    defaultPrivileges:
      await q(`SELECT defaclrole::regrole::text, defaclnamespace::regnamespace::text, defaclobjtype, defaclacl::text
      FROM pg_default_acl ORDER BY 1, 2, 3`),
    // (not their members: roles belong to the server, and other tests add logins to them meanwhile)
    roles: await q(`SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolinherit, shobj_description(r.oid, 'pg_authid') AS comment
      FROM pg_roles r WHERE r.rolname LIKE 'flowstage\\_%' ORDER BY 1`),
    errors: await q(`SELECT * FROM flowfabric.ff_error ORDER BY code`),
    // (an install by the migrations only: the desired state built from db/ has no such table)
    migrations: (await q(`SELECT to_regclass('flowfabric.ff_schema_migrations') IS NOT NULL AS present`))[0].present
      ? await q(`SELECT name FROM flowfabric.ff_schema_migrations ORDER BY id`)
      : [],
    checksums: await q(`SELECT name, sha256 FROM flowfabric.ff_migration_checksum ORDER BY name`),
    workerMigrations: await q(`SELECT id, breaking FROM graphile_worker.migrations ORDER BY id`),
  };
}

export type Fingerprint = Awaited<ReturnType<typeof readFingerprint>>;
