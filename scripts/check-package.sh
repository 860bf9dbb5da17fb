#!/usr/bin/env bash
# The published package works in a new app. Packs the tarball (npm pack runs prepack: the build),
# checks what it holds, installs it into a scratch app in a temporary directory outside the
# repository (npm install <tarball>: pg, graphile-worker and node-pg-migrate come from the
# registry, the dev tools do not come at all), and there:
#   - a small .mjs imports the package, migrates a fresh database, and runs a three-node flow
#     to completion with run() (and tsc, from the repository, type-checks a .ts use of it);
#   - `npx flowstage --help`, `npx flowstage sql` and `npx flowstage migrate` work;
#   - a .ts task file without tsx, and the embedded server without embedded-postgres, fail with
#     messages that say what to do.
# Needs DATABASE_URL: a PostgreSQL server where a scratch database may be created and dropped.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server where a scratch database may be created}"

work="$(mktemp -d "${TMPDIR:-/tmp}/flowstage-check-package-XXXXXX")"
db="flowstage_check_package_$$"
cleanup() {
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
for migration in "$repo"/db/migrations/*.sql; do
  grep -qx "package/db/migrations/$(basename "$migration")" "$work/contents" || fail "the tarball lacks $migration"
done
if grep -v -e '^package/dist/' -e '^package/db/migrations/' \
  -e '^package/\(package\.json\|LICENSE\|CHANGELOG\.md\|README\.md\)$' "$work/contents"; then
  fail 'the tarball holds the files above, which are not part of the package'
fi
head -n 1 <(tar -xzOf "$tarball" package/dist/cli.js) | grep -qx '#!/usr/bin/env node' || fail 'dist/cli.js has no shebang'
echo "$(wc -l < "$work/contents") files, $(du -k "$tarball" | cut -f1) KiB"

echo "== npm install <tarball> in a new app ($work/app)"
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "flowstage-check-app", "version": "1.0.0", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "$tarball"
for absent in embedded-postgres tsx ava typescript; do
  [ ! -e "node_modules/$absent" ] || fail "installing flowstage installed $absent, a development tool"
done

psql -X -q "$DATABASE_URL" -c "CREATE DATABASE $db"
app_url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = `/${process.argv[2]}`; console.log(u.href)' "$DATABASE_URL" "$db")"

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
for (const task of ['extract', 'transform', 'load']) {
  const [execution] = await createExecution(db, { flowId, taskIdentifier: task, payload: { task } });
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
    extract: async () => { ran.push('extract'); return { rows: 3 }; },
    transform: async (payload) => { ran.push('transform'); return { rows: payload.input.rows * 2 }; },
    load: async (payload) => { ran.push('load'); return { loaded: payload.input.rows }; },
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
cat > check.ts <<'EOF'
import { createPool, describeFlow, FlowstageError, migrate, type RunningServer } from 'flowstage';
const pool = createPool('postgres://localhost/app');
const rows: { flow_id: string | null }[] = await describeFlow(pool, { flowId: '00000000-0000-0000-0000-000000000000' });
const server: RunningServer | undefined = undefined;
export { rows, server, migrate, FlowstageError };
EOF
node "$repo/node_modules/typescript/bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext check.ts

echo "== npx flowstage"
npx --no-install flowstage --help | head -n 1 | grep -qx 'usage: flowstage <command> \[options\]' || fail 'flowstage --help'
npx --no-install flowstage sql | cmp -s - node_modules/flowstage/dist/flowstage.sql || fail 'flowstage sql does not print dist/flowstage.sql'
[ "$(DATABASE_URL="$app_url" npx --no-install flowstage migrate 2>/dev/null)" = 'flowstage is installed and up to date.' ] \
  || fail 'flowstage migrate'
echo 'export const taskList = {};' > tasks.ts
if DATABASE_URL="$app_url" npx --no-install flowstage worker --tasks tasks.ts 2> worker.err; then fail 'worker --tasks tasks.ts without tsx'; fi
grep -q 'needs tsx' worker.err || fail "worker --tasks tasks.ts without tsx said: $(cat worker.err)"
if node -e "import('flowstage').then((f) => f.startEmbeddedPostgres())" 2> embedded.err; then fail 'embedded server without embedded-postgres'; fi
grep -q 'DATABASE_URL' embedded.err || fail "the embedded server without embedded-postgres said: $(cat embedded.err)"
echo "check-package: the packed package works in a new app"
