// npm run generate: writes src/generated/ (the typed client and error classes) from the catalogue
// of a freshly migrated database — every public function of schema flowfabric (names not starting
// with `_`): arguments, defaults, modes and types, result columns and COMMENT ON FUNCTION text;
// the domains its result columns have (NOT NULL or not, and the value set of a CHECK (VALUE IN
// (...)), which becomes a TypeScript union) — and the ff_error table.
//
//   tsx scripts/generate-client.ts            regenerate src/generated/
//   tsx scripts/generate-client.ts --out DIR  write elsewhere
//   tsx scripts/generate-client.ts --check    regenerate into a temp dir; exit 1 if src/generated/ differs
//
// The database is a scratch one on $DATABASE_URL's server (created, migrated, dropped), else on a
// throwaway embedded PostgreSQL (scripts/lib/scratch.ts). The output depends only on the catalogue:
// two runs are byte-identical. The parts: scripts/lib/catalogue.ts reads the catalogue,
// scripts/client/typescript.ts maps SQL to TypeScript, scripts/client/render.ts writes the files.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { readCatalogue } from './lib/catalogue.js';
import { withScratchDatabase } from './lib/scratch.js';
import { runIfMain } from './lib/main.js';
import { GENERATED_DIR, driftFrom, renderClient, writeClient } from './client/render.js';

export * from './lib/catalogue.js';
export * from './client/typescript.js';
export * from './client/render.js';

/** Reads the catalogue of an already migrated database and renders the client. */
export async function generateFromDatabase(connectionString: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return renderClient(await readCatalogue(client));
  } finally {
    await client.end();
  }
}

/** Migrates a scratch database ($DATABASE_URL's server, else embedded), renders the client, drops it. */
export async function generateFromScratchDatabase(): Promise<Map<string, string>> {
  return withScratchDatabase({ prefix: 'flowstage_generate' }, ([url]) => generateFromDatabase(url));
}

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const files = await generateFromScratchDatabase();
  if (argv.includes('--check')) {
    const temp = await mkdtemp(join(tmpdir(), 'flowstage-generated-'));
    try {
      await writeClient(files, temp);
      const drift = await driftFrom(files, GENERATED_DIR);
      if (drift.length === 0) {
        console.log('src/generated/ is up to date');
        return 0;
      }
      spawnSync('diff', ['-ru', GENERATED_DIR, temp], { stdio: 'inherit' });
      console.error(`src/generated/ differs from the catalogue (${drift.join(', ')}): run npm run generate and commit`);
      return 1;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  const dir = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? '') : GENERATED_DIR;
  await writeClient(files, dir);
  const functions = (files.get('functions.ts')!.match(/^export function /gm) ?? []).length;
  const errors = (files.get('errors.ts')!.match(/^export class /gm) ?? []).length;
  console.log(`wrote ${relative(process.cwd(), dir) || '.'}: ${functions} functions, ${errors} error classes`);
  return 0;
}

await runIfMain(import.meta.url, main);
