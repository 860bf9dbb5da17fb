// The repository carries its own contract: nothing in it may point at a file a clone does not
// contain (the project's semantics are docs/semantics.md, its conventions docs/conventions.md).
// db/migrations is exempt: a released migration is immutable (docs/releasing.md), so its comments
// stay as they were released, and the unreleased one is built from the sources checked here.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** How a reference to the steering documents outside the repository reads. */
const OUTSIDE = /\bSPEC(\.md\b| §| sections? \d| \d)|\bSTYLE(\.md\b| \d)|\.\.\/shared\/|\bshared\/(SPEC|STYLE|reference)/;

test('no tracked file refers to a document outside the repository (migrations aside)', async (t) => {
  const { stdout } = await promisify(execFile)('git', ['ls-files'], { cwd: root, maxBuffer: 1 << 24 });
  const offending: string[] = [];
  for (const file of stdout.split('\n').filter((f) => f && !f.startsWith('db/migrations/') && !/\.(png|jpg|ico|woff2?)$|package-lock\.json$/.test(f))) {
    if (file === 'test/docs/references.test.ts') continue;  // this file states the pattern
    const lines = (await readFile(`${root}/${file}`, 'utf8')).split('\n');
    lines.forEach((line, i) => { if (OUTSIDE.test(line)) offending.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`); });
  }
  t.deepEqual(offending, []);
});
