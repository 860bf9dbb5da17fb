// npm run lint:sql: every PL/pgSQL function of a fresh install, checked by plpgsql_check (the
// standard PL/pgSQL linter) with its other, extra and security warnings on. Any error or warning fails.
//
// Runs against $DATABASE_URL's server (the extension must be installed there: Debian's
// postgresql-NN-plpgsql-check; the embedded server has no extensions) in a scratch database that
// it drops again. Trigger functions are checked against the table of each of their triggers.
import pg from 'pg';
import { withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error('lint:sql needs DATABASE_URL: a server with plpgsql_check installed ' +
    '(e.g. apt-get install postgresql-15-plpgsql-check; DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)');
  process.exit(2);
}

// Each row: one finding of one function (for a trigger function, as fired on one table).
const FINDINGS_SQL = `
  WITH checked AS (
    SELECT p.oid, p.oid::regprocedure::text AS function_name, 0::oid AS relid
      FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'flowfabric'::regnamespace AND l.lanname = 'plpgsql'
       AND p.prorettype <> 'trigger'::regtype
    UNION ALL
    SELECT DISTINCT p.oid, p.oid::regprocedure::text || ' on ' || t.tgrelid::regclass::text, t.tgrelid
      FROM pg_proc p JOIN pg_trigger t ON t.tgfoid = p.oid
     WHERE p.pronamespace = 'flowfabric'::regnamespace AND NOT t.tgisinternal
  )
  SELECT c.function_name, f.level, f.lineno, f.sqlstate, f.message, f.detail, f.hint
    FROM checked c
   CROSS JOIN LATERAL plpgsql_check_function_tb(c.oid, c.relid,
           fatal_errors => false, other_warnings => true, extra_warnings => true,
           security_warnings => true) f
   ORDER BY c.function_name, f.lineno`;

const database = `flowstage_lint_${process.pid}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
let findings: Array<Record<string, string | number | null>> = [];
try {
  await admin.query(`CREATE DATABASE ${database}`);
  const url = withDatabaseName(serverUrl, database);
  await migrate(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'plpgsql_check'");
    if (available.rowCount === 0) {
      console.error('plpgsql_check is not installed on this server (Debian: apt-get install postgresql-15-plpgsql-check)');
      process.exitCode = 2;
    } else {
      await db.query('CREATE EXTENSION plpgsql_check');
      const checked = await db.query(`SELECT count(*)::int AS n FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'flowfabric'::regnamespace AND l.lanname = 'plpgsql'`);
      findings = (await db.query(FINDINGS_SQL)).rows;
      for (const f of findings) {
        console.log(`${f.function_name}:${f.lineno ?? '-'}: ${f.level} ${f.sqlstate}: ${f.message}` +
          (f.detail ? `\n    detail: ${f.detail}` : '') + (f.hint ? `\n    hint: ${f.hint}` : ''));
      }
      console.log(`plpgsql_check: ${checked.rows[0].n} PL/pgSQL functions, ${findings.length} findings`);
      if (findings.length > 0) process.exitCode = 1;
    }
  } finally {
    await db.end();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
  await admin.end();
}
