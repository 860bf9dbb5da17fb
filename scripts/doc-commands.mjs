// Prints, as one bash script, the commands a page of docs/ tells a user to run: every ```sh block
// that follows a `<!-- check-package: run -->` line, in order. scripts/check-package.sh runs them in
// a scratch directory, with these substitutions (each marked so the page stays what a user types):
//   npm install flowstage       -> npm install "$FLOWSTAGE_TARBALL"   (the packed package)
//   npm pack flowstage@X.Y.Z    -> cp "$FLOWSTAGE_TARBALL" flowstage-X.Y.Z.tgz (X.Y.Z must be
//                                   $FLOWSTAGE_VERSION, package.json's: a stale page fails)
//   export DATABASE_URL=...     -> export DATABASE_URL="$FLOWSTAGE_APP_URL" (the scratch database)
// A page's programs are its generated regions example-ts, example-sql and quickstart-ts: they are
// written to <saved>/quickstart.mts, quickstart.sql and quickstart-calls.mts (and their outputs,
// <region>-output, to <saved>/<region>.out), and copied into the working directory after the
// page's first block (step 1 makes the app they are saved in). Usage: node scripts/doc-commands.mjs <page.md> <saved-dir>
import { readFileSync, writeFileSync } from 'node:fs';

const [page, saved] = process.argv.slice(2);
const version = process.env.FLOWSTAGE_VERSION;
const lines = readFileSync(page, 'utf8').split('\n');
const fail = (message) => {
  console.error(`${page}: ${message}`);
  process.exit(1);
};

const files = {
  'example-ts': 'quickstart.mts',
  'example-sql': 'quickstart.sql',
  'quickstart-ts': 'quickstart-calls.mts',
  'example-ts-output': 'example-ts.out',
  'example-sql-output': 'example-sql.out',
  'quickstart-ts-output': 'quickstart-ts.out',
};
const programs = [];
for (const [region, file] of Object.entries(files)) {
  const begin = lines.findIndex((l) => l.startsWith(`<!-- BEGIN GENERATED ${region} `));
  if (begin < 0) continue;
  const end = lines.indexOf(`<!-- END GENERATED ${region} -->`, begin);
  writeFileSync(`${saved}/${file}`, `${lines.slice(begin + 2, end - 1).join('\n')}\n`); // inside the fence
  if (file.startsWith('quickstart')) programs.push(`"${saved}/${file}"`);
}

const out = ['set -euo pipefail'];
let blocks = 0;
for (let i = 0; i < lines.length; i++) {
  if (lines[i] !== '<!-- check-package: run -->') continue;
  if (lines[i + 1] !== '```sh') fail(`line ${i + 2}: a check-package block must be a \`\`\`sh block`);
  for (let j = i + 2; lines[j] !== '```'; j++) {
    let line = lines[j];
    const pack = /^npm pack flowstage@(\S+)$/.exec(line);
    if (/^npm install flowstage(\s|$)/.test(line)) line = line.replace('flowstage', '"$FLOWSTAGE_TARBALL"');
    else if (/^export DATABASE_URL=/.test(line)) line = 'export DATABASE_URL="$FLOWSTAGE_APP_URL"';
    else if (pack) {
      if (pack[1] !== version) fail(`line ${j + 1}: npm pack flowstage@${pack[1]}, but package.json says ${version}`);
      line = `cp "$FLOWSTAGE_TARBALL" flowstage-${version}.tgz`;
    }
    out.push(line);
  }
  if (blocks++ === 0 && programs.length) out.push(`cp ${programs.join(' ')} .`);
}
if (blocks === 0) fail('no <!-- check-package: run --> block');
console.log(out.join('\n'));
