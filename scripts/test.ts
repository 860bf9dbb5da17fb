// npm test: runs the ava suite against a real PostgreSQL — $DATABASE_URL's server when set,
// else a throwaway embedded one. Migrates a template database once; every test clones it.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { resolveServer, withDatabaseName } from '../src/database.js';
import { migrate } from '../src/migrate.js';

const server = await resolveServer();
const template = `flowstage_template_${process.pid}`;
const admin = new pg.Client({ connectionString: server.connectionString });
let exitCode = 1;
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await migrate(withDatabaseName(server.connectionString, template));
  exitCode = await new Promise<number>((resolve) => {
    const ava = spawn(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, FLOWSTAGE_TEST_SERVER_URL: server.connectionString, FLOWSTAGE_TEST_TEMPLATE: template },
    });
    ava.on('exit', (code) => resolve(code ?? 1));
  });
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
  await server.stop();
}
process.exit(exitCode);
