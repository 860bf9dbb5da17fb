// npm run generate:docs: writes docs/reference/sql.md from the catalogue of a freshly migrated
// database — every public function of schema flowfabric (names not starting with `_`) with its
// signature, volatility, security and COMMENT ON FUNCTION text verbatim, grouped; the domains its
// result columns have (NOT NULL, value set or format CHECK, COMMENT ON DOMAIN); every table with
// its COMMENT ON TABLE / COLUMN texts, columns, constraints, indexes and triggers; the error
// catalogue ff_error — and refreshes the generated regions of the hand-written pages (README.md,
// docs/*.md), which show examples this script runs on that database: a psql session, the `flowstage`
// command's output, the TypeScript quickstart and the output its test checks. So the docs cannot
// drift from the code: CI runs `--check`.
//
//   tsx scripts/generate-docs.ts           write docs/reference/sql.md and the generated regions
//   tsx scripts/generate-docs.ts --check   exit 1, with a diff, when a committed page differs
//
// A generated region of a page:
//   <!-- BEGIN GENERATED name (scripts/generate-docs.ts; do not edit) -->
//   ...
//   <!-- END GENERATED name -->
// The names are the keys of the map `renderRegions` returns; an unknown name is an error.
//
// The database is a scratch one on $DATABASE_URL's server (created, migrated, dropped), else on a
// throwaway embedded PostgreSQL, as for scripts/generate-client.ts. Examples pin ids and the clock
// (p_now_ms) where their output shows them, so two runs are byte-identical. The parts:
// scripts/lib/catalogue.ts reads the catalogue, scripts/docs/reference.ts renders the reference,
// scripts/docs/examples.ts runs the examples and fills the regions; scripts/lib/scratch.ts makes the databases.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readDocCatalogue, type DocCatalogue } from './lib/catalogue.js';
import { withScratchDatabase } from './lib/scratch.js';
import { runIfMain } from './lib/main.js';
import { BEGIN, applyRegions, renderRegions } from './docs/examples.js';
import { SQL_REFERENCE, compare, renderSqlReference } from './docs/reference.js';

export * from './lib/catalogue.js';
export * from './docs/reference.js';
export * from './docs/examples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** README.md and every Markdown page under docs/ but the generated reference, as repository paths. */
async function pages(): Promise<string[]> {
  const found = ['README.md'];
  const walk = async (dir: string) => {
    for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true }).catch(() => [])) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.md') && path !== SQL_REFERENCE) found.push(path);
    }
  };
  await walk('docs');
  return found.sort(compare);
}

/** Every generated file's content by repository path: the reference and each page with regions. */
export async function renderDocs(transcriptUrl: string, cliUrl: string): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: transcriptUrl });
  await db.connect();
  let catalogue: DocCatalogue;
  try {
    catalogue = await readDocCatalogue(db);
  } finally {
    await db.end();
  }
  const files = new Map<string, string>([[SQL_REFERENCE, renderSqlReference(catalogue)]]);
  const regions = await renderRegions(transcriptUrl, cliUrl);
  for (const path of await pages()) {
    const text = await readFile(join(ROOT, path), 'utf8');
    if (text.split('\n').some((l) => BEGIN.test(l))) files.set(path, applyRegions(text, regions, path));
  }
  return files;
}

/** Migrates a scratch database and a clone of it ($DATABASE_URL's server, else embedded), renders, drops them. */
export async function renderDocsFromScratchDatabase(): Promise<Map<string, string>> {
  return withScratchDatabase({ prefix: 'flowstage_docs', clone: true }, ([transcriptUrl, cliUrl]) =>
    renderDocs(transcriptUrl, cliUrl),
  );
}

/** Paths whose committed content differs from the rendered one (missing included). */
export async function docsDrift(files: ReadonlyMap<string, string>, root = ROOT): Promise<string[]> {
  const drift: string[] = [];
  for (const [path, content] of files) {
    if ((await readFile(join(root, path), 'utf8').catch(() => undefined)) !== content) drift.push(path);
  }
  return drift.sort(compare);
}

async function main(argv: string[]): Promise<number> {
  const files = await renderDocsFromScratchDatabase();
  if (argv.includes('--check')) {
    const drift = await docsDrift(files);
    if (drift.length === 0) {
      console.log(`docs are up to date (${files.size} generated files)`);
      return 0;
    }
    const temp = await mkdtemp(join(tmpdir(), 'flowstage-docs-'));
    try {
      for (const path of drift) {
        await mkdir(dirname(join(temp, path)), { recursive: true });
        await writeFile(join(temp, path), files.get(path)!);
        spawnSync('diff', ['-u', join(ROOT, path), join(temp, path)], { stdio: 'inherit' });
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    console.error(`generated docs differ from the code (${drift.join(', ')}): run npm run generate:docs and commit`);
    return 1;
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(ROOT, path)), { recursive: true });
    await writeFile(join(ROOT, path), content);
  }
  console.log(`wrote ${[...files.keys()].map((p) => relative(process.cwd(), join(ROOT, p))).join(', ')}`);
  return 0;
}

await runIfMain(import.meta.url, main);
