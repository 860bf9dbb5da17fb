// scripts/build-bin.ts, the last step of `npm run build`: the package's bin is executable after a
// build, so `npx flowstage` works in a clone (tsc alone writes it without the exec bit).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm run build ends by making the bin executable', async (t) => {
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  t.regex(scripts.build, /&& tsx scripts\/build-bin\.ts$/);
});

test('build-bin sets the exec bit of every bin in package.json and leaves the rest of the mode', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowstage-build-bin-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { bin } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ bin }));
  const files = typeof bin === 'string' ? [bin] : Object.values(bin as Record<string, string>);
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), '#!/usr/bin/env node\n', { mode: 0o644 });
  }
  await promisify(execFile)(process.execPath, ['--import=tsx', join(root, 'scripts/build-bin.ts'), dir], { cwd: root });
  for (const file of files) t.is((await stat(join(dir, file))).mode & 0o777, 0o755, file);
});
