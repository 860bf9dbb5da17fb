// npm run lint:citus: the distribution rules (docs/conventions.md 17, docs/scale-out.md) over a
// fresh install, on plain PostgreSQL: every statement Citus would refuse or fan out to every shard
// once the flow-scoped tables are distributed by partition_key. Any finding fails.
//
// Runs in a scratch database on $DATABASE_URL's server (else on a throwaway embedded one) that it
// drops again; needs no extension.
import pg from 'pg';
import { citusFindings } from './lib/citus-rules.js';
import { withScratchDatabase } from './lib/scratch.js';

await withScratchDatabase({ prefix: 'flowstage_lint_citus', serverUrl: process.env.DATABASE_URL }, async ([url]) => {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const findings = await citusFindings(db);
    for (const f of findings) console.log(`${f.object}: ${f.rule}: ${f.message}`);
    console.log(`lint:citus: ${findings.length} findings`);
    if (findings.length > 0) process.exitCode = 1;
  } finally {
    await db.end();
  }
});
