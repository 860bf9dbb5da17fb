// Every code block of README.md and docs/*.md (docs/reference/ aside, all generated) is checked by
// something, so none can drift from the code:
//   - inside a `<!-- BEGIN GENERATED ... -->` region: written by scripts/generate-docs.ts from what it
//     runs or from files tests run (CI runs `npm run generate:docs -- --check`);
//   - after a `<!-- check-package: run -->` line: run by scripts/check-package.sh in a scratch app
//     (through scripts/doc-commands.mjs), which must name the page;
//   - ```ts: type-checked here, each block as a module of its own against the package's source
//     (names a snippet uses without declaring them are declared once, in GLOBALS below);
//   - ```sql: run here on a freshly migrated database, each block in a transaction rolled back;
//   - anything else, or a block of those kinds that cannot run: listed in ALLOWED with the reason.
// An ALLOWED entry that no longer matches a block fails too, so the list stays short and true.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { testDatabase } from '../helpers/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Blocks nothing runs: page, the block's first line, and why. */
const ALLOWED: { page: string; first: string; reason: string }[] = [
  {
    page: 'README.md',
    first: 'npm install',
    reason: "a clone's commands: .ci/run runs npm ci, npm run demo is the demo, npm test is CI itself",
  },
  {
    page: 'README.md',
    first: 'npm install flowstage',
    reason: "run by check-package as docs/quickstart.md step 1; the migrate line by check-package's `npx flowstage migrate`",
  },
  { page: 'README.md', first: 'db/schema/', reason: 'a directory listing, not a command' },
  {
    page: 'docs/failures.md',
    first: 'retry_scheduled: attempt 1 failed',
    reason:
      'the output of scripts/failures-example.ts, which test/client/failures-example.test.ts runs and compares with this block',
  },
  { page: 'docs/benchmarks.md', first: 'npm run bench', reason: 'the benchmark itself (.ci/run runs npm run bench -- --quick)' },
  {
    page: 'docs/cli.md',
    first: '$ flowstage describe',
    reason: 'an excerpt of the generated cli-session output, shortened to show its shape',
  },
  { page: 'docs/cli.md', first: '{', reason: 'a plan file; test/cli/submit.test.ts submits the same shape' },
  {
    page: 'docs/cli.md',
    first: 'flowstage submit plan.json',
    reason: 'needs a running worker and a plan file; test/cli/submit.test.ts runs submit --start and wait',
  },
  {
    page: 'docs/client.md',
    first: 'export function stageDependencyEdge',
    reason: 'a declaration of the generated client, shown for its shape (src/generated/functions.ts is the real one)',
  },
  {
    page: 'docs/dashboard.md',
    first: '# TYPE flowstage_flows gauge',
    reason: 'a /metrics sample; test/dashboard/docs.test.ts checks each line is what /metrics prints for the same data',
  },
  { page: 'docs/design.md', first: 'npm test -- test/functions/', reason: 'test commands: CI runs the suite' },
  {
    page: 'docs/design.md',
    first: 'FLOWSTAGE_MODEL_RUNS=1000',
    reason: 'a long model run; CI runs test/model with the default count',
  },
  {
    page: 'docs/operations.md',
    first: 'npm install flowstage',
    reason: 'run by check-package (docs/quickstart.md step 1 and `npx flowstage migrate`)',
  },
  {
    page: 'docs/operations.md',
    first: 'npx flowstage sql > flowstage.sql',
    reason: 'run by check-package (docs/quickstart.md, psql alone)',
  },
  {
    page: 'docs/operations.md',
    first: '-- Once per server, as a superuser',
    reason:
      'creates the three roles, which every migrated database already has; test/functions/migrate-privileges.test.ts installs as such a deployer',
  },
  {
    page: 'docs/operations.md',
    first: 'error: flowstage migrate: permission denied',
    reason: 'an error message; test/functions/migrate-privileges.test.ts checks the text',
  },
  { page: 'docs/operations.md', first: '-- Every night at 03:10', reason: 'needs the pg_cron extension' },
  {
    page: 'docs/operations.md',
    first: '-- deferred cascade hops not finished yet',
    reason: 'its last statement has <flow_id> placeholders; the others are plain SELECTs of tables in the reference',
  },
  {
    page: 'docs/releasing.md',
    first: 'npx flowstage sql > flowstage.sql',
    reason: 'run by check-package (docs/quickstart.md, psql alone)',
  },
  { page: 'docs/running-flows.md', first: 'ff_complete_execution ──►', reason: 'a diagram' },
];

/** Declarations of the names the ts snippets use without declaring them. */
const GLOBALS = `declare const flowId: string;
declare const edgeId: string;
declare const upstreamExecutionId: string;
declare const downstreamExecutionId: string;
declare const url: string;
declare const connectionString: string;
declare const signal: AbortSignal;
declare const pool: import('pg').Pool;
declare const taskList: import('flowstage').TaskList;
declare const run: typeof import('flowstage').run;
declare function alert(message: string): void;
`;

interface Block {
  page: string;
  line: number;
  lang: string;
  first: string;
  text: string;
  generated: boolean;
  checkPackage: boolean;
}

async function pages(): Promise<string[]> {
  const found = ['README.md'];
  for (const entry of await readdir(join(root, 'docs'), { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.md')) found.push(`docs/${entry.name}`);
  }
  return found.sort();
}

async function blocks(): Promise<Block[]> {
  const found: Block[] = [];
  for (const page of await pages()) {
    const lines = (await readFile(join(root, page), 'utf8')).split('\n');
    let generated = false;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].startsWith('<!-- BEGIN GENERATED ')) generated = true;
      if (lines[i].startsWith('<!-- END GENERATED ')) generated = false;
      const open = /^```(\S*)\s*$/.exec(lines[i]);
      if (!open) continue;
      const end = lines.indexOf('```', i + 1);
      if (end < 0) throw new Error(`${page}:${i + 1}: unterminated code block`);
      const text = lines.slice(i + 1, end).join('\n');
      found.push({
        page,
        line: i + 1,
        lang: open[1],
        first: lines[i + 1] ?? '',
        text,
        generated,
        checkPackage: lines[i - 1] === '<!-- check-package: run -->',
      });
      i = end;
    }
  }
  return found;
}

/** The ALLOWED entry of a block: the longest `first` its first line starts with, on its page. */
const allowed = (b: Block) =>
  ALLOWED.filter((a) => a.page === b.page && b.first.startsWith(a.first)).sort((x, y) => y.first.length - x.first.length)[0];
const where = (b: Block) => `${b.page}:${b.line} (\`\`\`${b.lang} ${b.first.slice(0, 50)})`;
const all = blocks();

test('every code block of README.md and docs/ is generated, run by check-package, type-checked, run, or allowed with a reason', async (t) => {
  const unchecked = (await all).filter(
    (b) => !b.generated && !b.checkPackage && b.lang !== 'ts' && b.lang !== 'sql' && !allowed(b),
  );
  t.deepEqual(unchecked.map(where), []);
});

test('every allowed block still exists, and each is allowed once', async (t) => {
  const found = await all;
  for (const entry of ALLOWED) {
    t.is(found.filter((b) => allowed(b) === entry).length, 1, `${entry.page}: ${entry.first}`);
  }
});

test('check-package runs every page that has check-package blocks', async (t) => {
  const script = await readFile(join(root, 'scripts/check-package.sh'), 'utf8');
  const marked = [...new Set((await all).filter((b) => b.checkPackage).map((b) => b.page))];
  t.true(marked.length >= 2);
  for (const page of marked) t.regex(script, new RegExp(`doc-commands\\.mjs" "\\$repo/${page.replace('.', '\\.')}"`), page);
  t.deepEqual((await all).filter((b) => b.checkPackage && b.lang !== 'sh').map(where), []);
});

test('every ts block of README.md and docs/ type-checks against the package (tsc --strict)', async (t) => {
  const snippets = (await all).filter((b) => b.lang === 'ts' && !b.generated && !allowed(b));
  t.true(snippets.length >= 5);
  // Inside the repository, so that 'flowstage' resolves to this package (its source, under the
  // flowstage-source condition of tsconfig.json).
  const dir = await mkdtemp(join(root, '.docs-blocks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const names = snippets.map((b) => `${b.page.replace(/[/.]/g, '_')}_${b.line}.mts`);
  await Promise.all(snippets.map((b, i) => writeFile(join(dir, names[i]), `// ${where(b)}\n${b.text}\nexport {};\n`)));
  await writeFile(join(dir, 'globals.d.ts'), GLOBALS);
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..', noUnusedLocals: false, noUnusedParameters: false },
      include: ['./*.mts', './globals.d.ts'],
    }),
  );
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: root }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );
  // Point each error at the page and line it comes from.
  const errors = result.replace(
    /[^\s]*?([A-Za-z_]+_md)_(\d+)\.mts\((\d+),\d+\)/g,
    (_, page: string, line: string, at: string) =>
      `${page.replace(/_md$/, '.md').replace(/^docs_/, 'docs/')}:${Number(line) + Number(at) - 1}`,
  );
  t.is(errors, '');
});

test('every sql block of README.md and docs/ runs on a freshly migrated database (each in a transaction, rolled back)', async (t) => {
  const statements = (await all).filter((b) => b.lang === 'sql' && !b.generated && !allowed(b));
  t.true(statements.length >= 4);
  const db = await testDatabase(t);
  const client = await db.connect();
  t.teardown(() => client.release());
  const failures: string[] = [];
  for (const b of statements) {
    await client.query('BEGIN');
    try {
      await client.query(b.text);
    } catch (error) {
      failures.push(`${where(b)}: ${(error as Error).message}`);
    } finally {
      await client.query('ROLLBACK');
    }
  }
  t.deepEqual(failures, []);
});
