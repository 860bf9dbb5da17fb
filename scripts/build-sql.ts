// Writes dist/flowstage.sql, the psql install file (src/install-sql.ts): run by `npm run build`
// (and so by prepack). `--check` fails when the file differs from a fresh build.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildInstallSql } from '../src/install-sql.js';

const target = fileURLToPath(new URL('../dist/flowstage.sql', import.meta.url));
const sql = await buildInstallSql();
if (process.argv.includes('--check')) {
  if ((await readFile(target, 'utf8').catch(() => '')) !== sql) {
    console.error('dist/flowstage.sql is out of date: run npm run build');
    process.exit(1);
  }
} else {
  await mkdir(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true });
  await writeFile(target, sql);
  console.log(`wrote dist/flowstage.sql (${Math.round(sql.length / 1024)} KiB)`);
}
