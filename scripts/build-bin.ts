// Last step of `npm run build`: makes every bin of package.json executable (tsc writes files
// without the exec bit, so `npx flowstage` in a clone would answer "Permission denied"; npm sets
// the bit on install, a clone has only what the build leaves). `tsx scripts/build-bin.ts [root]`.
import { chmod, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const { bin } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
for (const file of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) {
  const path = join(root, file);
  await chmod(path, (await stat(path)).mode | 0o111);
}
