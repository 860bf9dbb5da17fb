// npm run lint:sql: every PL/pgSQL function of a fresh install, checked by plpgsql_check (the
// standard PL/pgSQL linter) with its other, extra and security warnings on. Any error or warning fails.
//
// Runs against $DATABASE_URL's server (the extension must be installed there: Debian's
// postgresql-NN-plpgsql-check; the embedded server has no extensions) in a scratch database that
// it drops again. Trigger functions are checked against the table of each of their triggers.
import pg from 'pg';
import { readPlpgsqlFunctions } from './lib/catalogue.js';
import { withScratchDatabase } from './lib/scratch.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error(
    'lint:sql needs DATABASE_URL: a server with plpgsql_check installed ' +
      '(e.g. apt-get install postgresql-15-plpgsql-check; DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)',
  );
  process.exit(2);
}

// Each row: one finding of one function (for a trigger function, as fired on one table).
const FINDINGS_SQL = `
  SELECT c.label AS function_name, f.level, f.lineno, f.sqlstate, f.message, f.detail, f.hint
    FROM unnest($1::oid[], $2::oid[], $3::text[]) AS c(oid, relid, label)
   CROSS JOIN LATERAL plpgsql_check_function_tb(c.oid, c.relid,
           fatal_errors => false, other_warnings => true, extra_warnings => true,
           security_warnings => true) f
   ORDER BY c.label, f.lineno`;

await withScratchDatabase({ prefix: 'flowstage_lint', serverUrl }, async ([url]) => {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'plpgsql_check'");
    if (available.rowCount === 0) {
      console.error('plpgsql_check is not installed on this server (Debian: apt-get install postgresql-15-plpgsql-check)');
      process.exitCode = 2;
      return;
    }
    await db.query('CREATE EXTENSION plpgsql_check');
    const checked = await readPlpgsqlFunctions(db);
    const { rows: findings } = await db.query(FINDINGS_SQL, [
      checked.map((c) => c.oid),
      checked.map((c) => c.relid),
      checked.map((c) => c.label),
    ]);
    for (const f of findings) {
      console.log(
        `${f.function_name}:${f.lineno ?? '-'}: ${f.level} ${f.sqlstate}: ${f.message}` +
          (f.detail ? `\n    detail: ${f.detail}` : '') +
          (f.hint ? `\n    hint: ${f.hint}` : ''),
      );
    }
    console.log(`plpgsql_check: ${new Set(checked.map((c) => c.oid)).size} PL/pgSQL functions, ${findings.length} findings`);
    if (findings.length > 0) process.exitCode = 1;
  } finally {
    await db.end();
  }
});
