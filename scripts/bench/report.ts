// The goals (issues 12 and 8), the environment a run happened in, the stdout table and bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { bound, formatValue, type Figure, type Goal, type GoalOutcome, type Results } from './results.js';
import type { Sizes } from './context.js';

export function goals(sizes: Sizes): Goal[] {
  const list: Goal[] = [
    {
      section: 'A',
      name: 'ff_submit_flow / pg-boss flow()',
      numerator: 'A.submit',
      denominator: 'A.pgboss',
      kind: 'max',
      target: 1.0,
      stretch: 0.5,
      unit: 'x',
    },
    {
      section: 'A',
      name: 'ff_submit_flow / floor',
      numerator: 'A.submit',
      denominator: 'A.floor',
      kind: 'max',
      target: 1.5,
      unit: 'x',
    },
    {
      section: 'A',
      name: 'ff_submit_flow / the floor with one log row per plan',
      numerator: 'A.submit',
      denominator: 'A.floorPlanLog',
      kind: 'info',
      target: 0,
      unit: 'x',
    },
  ];
  const high = sizes.staging.connections[sizes.staging.connections.length - 1];
  list.push(
    {
      section: 'B',
      name: `staging rate at ${high} connections / at 4`,
      numerator: `B.stage.${high}`,
      denominator: 'B.stage.4',
      kind: 'min',
      target: 1.0,
      unit: 'x',
    },
    {
      section: 'B',
      name: `staging rate / one-row INSERT rate, ${high} connections`,
      numerator: `B.stage.${high}`,
      denominator: `B.insert.${high}`,
      kind: 'min',
      target: 0.25,
      unit: 'x',
    },
  );
  for (const key of ['createFlow', 'stageDependencyEdge']) {
    list.push({
      section: 'C',
      name: `${key} replay: generated / raw named prepared statement (medians)`,
      numerator: `C.${key}.generated.median`,
      denominator: `C.${key}.raw.median`,
      kind: 'max',
      target: 1.1,
      unit: 'x',
    });
  }
  for (const c of sizes.run.concurrencies) {
    list.push({
      section: 'D',
      name: `flowstage DAG / bare Graphile Worker, concurrency ${c} (wall time)`,
      numerator: `D.flowstage.${c}`,
      denominator: `D.graphile.${c}`,
      kind: 'max',
      target: 2.0,
      stretch: 1.5,
      unit: 'x',
    });
  }
  for (const c of sizes.run.concurrencies) {
    list.push({
      section: 'D',
      name: `flowstage DAG / pg-boss DAG, concurrency ${c} (wall time; ahead = below 1)`,
      numerator: `D.flowstage.${c}`,
      denominator: `D.pgboss.${c}`,
      kind: 'below',
      target: 1.0,
      unit: 'x',
    });
  }
  for (const c of sizes.run.concurrencies) {
    // issue 21: WAL per executed node at most twice a bare job's
    list.push({
      section: 'D',
      name: `WAL per executed node: flowstage DAG / bare Graphile Worker job, concurrency ${c}`,
      numerator: `D.flowstage.${c}.wal`,
      denominator: `D.graphile.${c}.wal`,
      kind: 'max',
      target: 2.0,
      unit: 'x',
    });
  }
  for (const c of sizes.run.concurrencies) {
    // issue 18: a condition costs at most 10%
    list.push({
      section: 'D',
      name: `flowstage DAG with a true condition on every edge / without, concurrency ${c} (wall time)`,
      numerator: `D.condition.${c}`,
      denominator: `D.flowstage.${c}`,
      kind: 'max',
      target: 1.1,
      unit: 'x',
    });
  }
  list.push(
    { section: 'E', name: 'chain hop, median', numerator: 'E.hop.median', kind: 'max', target: 4, unit: ' ms' },
    { section: 'E', name: 'chain hop, p95', numerator: 'E.hop.p95', kind: 'max', target: 20, unit: ' ms' },
    {
      section: 'F',
      name: 'dashboard page of the section A flow usable (drawn, a node explained)',
      numerator: 'F.usable',
      kind: 'max',
      target: 5000,
      unit: ' ms',
    },
    // issue 23: retention reaches its candidates by index (docs/operations.md promises about 1 s for 500)
    {
      section: 'G',
      name: 'ff_prune_flows of the finished flows beside the big one',
      numerator: 'G.prune',
      kind: 'max',
      target: 1000,
      unit: ' ms',
    },
    // issue 23: a batch on never-analysed tables keeps its plans
    {
      section: 'H',
      name: 'chain batch on never-analysed tables / analysed',
      numerator: 'H.fresh',
      denominator: 'H.analysed',
      kind: 'max',
      target: 2.0,
      unit: 'x',
    },
  );
  return list;
}

export const SECTIONS: Record<string, string> = {
  A: 'A. Building a layered DAG in one call',
  B: 'B. Concurrent single-edge staging',
  C: 'C. Per-call latency: generated client vs a raw named prepared statement',
  D: 'D. Running a DAG to completion',
  E: "E. A chain through flowstage's runner",
  F: "F. The dashboard's page of a big flow in headless Chromium",
  G: 'G. Retention beside a big open flow',
  H: 'H. A batch on never-analysed tables',
};

export interface Environment {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: string;
  loadStart: string;
  loadEnd?: string;
  server: string;
  postgres: string;
  settings: Record<string, string>;
  versions: Record<string, string>;
  command: string;
}

function describeSizes(sizes: Sizes): string {
  const { submit, staging, latency, run, chain } = sizes;
  return [
    `${sizes.rounds} round(s)`,
    `A ${submit.layers} x ${submit.width} DAG, fan-in ${submit.fanIn}`,
    `B ${staging.windowMs / 1000} s windows at ${staging.connections.join(' / ')} connections`,
    `C ${latency.calls.toLocaleString('en-US')} calls of each form`,
    `D ${run.layers} x ${run.width} DAG, fan-in ${run.fanIn}, concurrency ${run.concurrencies.join(' / ')}`,
    `E ${chain.length}-node chain, concurrency ${chain.concurrency}`,
  ].join('; ');
}

function packageVersion(path: string): string {
  return JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')).version;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

export async function environment(db: pg.Client, server: string, command: string): Promise<Environment> {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const { rows } = await db.query(`
    SELECT current_setting('server_version') AS version, name, current_setting(name) AS setting
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'wal_level')`);
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return {
    date: new Date().toISOString(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    loadStart: loadAverage(),
    server,
    postgres: rows[0]?.version ?? 'unknown',
    settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])),
    versions: {
      flowstage: `${packageVersion('package.json')} (${commit || 'no git'}${dirty})`,
      'pg-boss': packageVersion('node_modules/pg-boss/package.json'),
      'graphile-worker': packageVersion('node_modules/graphile-worker/package.json'),
      pg: packageVersion('node_modules/pg/package.json'),
      node: process.version,
    },
    command,
  };
}

/** The rounds' range, min..max. */
function spread(f: Figure): string {
  return `${formatValue(Math.min(...f.values), f.digits)}..${formatValue(Math.max(...f.values), f.digits)}`;
}

function pad(text: string, width: number, right = false) {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function printTable(results: Results, outcomes: GoalOutcome[], log: (line: string) => void): void {
  for (const [section, title] of Object.entries(SECTIONS)) {
    const figures = [...results.figures.values()].filter((f) => f.section === section);
    if (!figures.length) continue;
    log(`\n${title}`);
    for (const f of figures) {
      const rounds = f.values.length > 1 ? `   ${spread(f)}  [${f.values.map((v) => formatValue(v, f.digits)).join(', ')}]` : '';
      log(`  ${pad(f.label, 100)} ${pad(formatValue(results.median(f.key), f.digits), 10, true)} ${f.unit}${rounds}`);
    }
  }
  log('\nGoals (ratios of medians)');
  for (const o of outcomes) {
    log(
      `  ${o.goal.section} ${pad(o.goal.name, 86)} ${pad(o.value === undefined ? 'n/a' : `${o.value.toFixed(2)}${o.goal.unit}`, 9, true)}  ` +
        (o.goal.kind === 'info' ? o.text : `goal ${bound(o.goal, o.goal.target)}: ${o.text}`),
    );
  }
  for (const note of results.notes) log(`note: ${note}`);
}

export function markdown(env: Environment, sizes: Sizes, results: Results, outcomes: GoalOutcome[], userNote?: string): string {
  const lines: string[] = [];
  lines.push('# flowstage benchmark results', '');
  lines.push(
    'Written by `npm run bench` (scripts/bench.ts, scripts/bench/). Every contender runs on the same PostgreSQL',
    `server in the same run, on a fresh database cloned from a migrated template, in ${sizes.rounds} alternating rounds`,
    "(A1 B1 C1 D1 E1 A2 B2 ..., the contenders' order rotating by round); each figure is the median of its rounds,",
    'with their spread (min..max) and the rounds. **Only ratios between figures of one run count**: absolute figures',
    'depend on the machine and on whatever else it was doing. WAL bytes (the server-wide `pg_current_wal_lsn()`',
    'difference around the timed window) and transactions per node hold from run to run; wall-time ratios drift',
    'with the load, recorded below per round.',
    '',
  );
  if (userNote) lines.push(`> ${userNote}`, '');
  lines.push('## Environment', '');
  lines.push(`- date: ${env.date}`);
  lines.push(
    `- machine: ${env.cores} cores (${env.cpu}), ${env.memoryGiB} GiB memory; load average (1/5/15 min) ${env.loadStart} at the start, ${env.loadEnd ?? '?'} at the end`,
  );
  lines.push(
    `- PostgreSQL ${env.postgres} (${env.server}); ${Object.entries(env.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  lines.push(
    `- packages: ${Object.entries(env.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(`- command: \`${env.command}\`; sizes: ${describeSizes(sizes)}`, '');
  lines.push('## Figures', '');
  for (const [section, title] of Object.entries(SECTIONS)) {
    const figures = [...results.figures.values()].filter((f) => f.section === section);
    if (!figures.length) continue;
    lines.push(
      `### ${title}`,
      '',
      METHOD[section],
      '',
      '| measurement | median | spread (min..max) | unit | rounds |',
      '|---|---:|---:|---|---|',
    );
    for (const f of figures) {
      lines.push(
        `| ${f.label} | ${formatValue(results.median(f.key), f.digits)} | ${spread(f)} | ${f.unit} | ${f.values.map((v) => formatValue(v, f.digits)).join(', ')} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Goals', '', '| | goal | ratio / value | bound | outcome |', '|---|---|---:|---|---|');
  for (const o of outcomes) {
    lines.push(
      `| ${o.goal.section} | ${o.goal.name} | ${o.value === undefined ? 'n/a' : `${o.value.toFixed(2)}${o.goal.unit}`} | ` +
        `${bound(o.goal, o.goal.target)}${o.goal.stretch !== undefined ? ` (stretch ${bound(o.goal, o.goal.stretch)})` : ''} | ${o.text} |`,
    );
  }
  lines.push('');
  if (results.notes.length) {
    lines.push('## Notes', '');
    for (const note of results.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  // Why the goals missed, from measurements that hold between runs (WAL, statements, transactions
  // per node): kept in bench/ANALYSIS.md, so that every run's RESULTS.md carries it.
  const analysis = new URL('../../bench/ANALYSIS.md', import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trimEnd(), '');
  return lines.join('\n');
}

const METHOD: Record<string, string> = {
  A:
    'One call builds a layered DAG (each node below the first layer depends on 3 distinct random nodes of the layer ' +
    'above; a seeded PRNG, so every contender builds the same graph): flowstage `ff_submit_flow(p_flow_id, p_plan)` ' +
    '(executions with task_identifier and payload, edges; created, added, staged and applied), pg-boss 12 `flow()` ' +
    'with `dependsOn` (queue created beforehand), and the floor: one `INSERT ... SELECT` statement writing the rows ' +
    "a submitted plan leaves in flowstage's tables (flow, executions, applied edges, edge groups, and one log row per " +
    'item as the single calls write them: 1 + executions + edges rows), unpacked from the same jsonb, with no checks. ' +
    'ff_submit_flow itself logs a plan as one submit_flow row (expanded by ff_describe_flow_at), so a second floor ' +
    'writes the log that way, for reference (no goal). Timed: the call, including serialising the plan. Each ' +
    'contender makes one small untimed call first on the same connection. WAL per submitted node: the WAL ' +
    'written during the timed call (`pg_current_wal_lsn()` before and after) / executions.',
  B:
    'Each connection stages edges into its own flow (separate flows, so connections do not contend on one flow ' +
    "row), one `ff_stage_dependency_edge` call per transaction through the generated client, with the flow's " +
    'current revision; each edge is new and its cycle check has nothing to walk. Next to it, a one-row `INSERT` ' +
    '(uuid primary key, named prepared statement, autocommit) on a fresh database. All connections run for the ' +
    'same wall-clock window after a few warm-up calls; the figure is calls per second over all connections.',
  C:
    'One connection, the two forms interleaved call by call (which goes first alternates). Generated: the ' +
    '`src/generated` function as this branch generates it. Raw: `client.query({ name, text, values })` with the ' +
    'same SQL text. Both are replays (answered from an unlocked read, nothing written).',
  D:
    'flowstage: the DAG built untimed (`ff_submit_flow`, or the single calls where it is not installed), a ' +
    '`run()` worker with a no-op task at the given concurrency, timed from `ff_start_flow` until the flow is ' +
    '`completed`. Bare Graphile Worker: its own `run()` with a no-op task (a pg pool of concurrency + 2 connections, as ' +
    "flowstage's runner uses), timed from one `add_jobs` of as many independent jobs until none is left. pg-boss " +
    '12: the same DAG inserted with `flow()` (untimed), then one worker with at most `concurrency` jobs in flight ' +
    '(`batchSize` = concurrency, `burstWhenBatchFull`), `pollingIntervalSeconds` 0.5 and `flowIntervalSeconds` 1 ' +
    '(both their minimums), timed from `work()` until every job is completed. Completion is seen by a poll every ' +
    '20 ms; executions/s = nodes / wall time. WAL per executed node: the WAL written between the start and the ' +
    "end of the timed window / nodes. Committed transactions per executed node: the database's `xact_commit` " +
    "(pg_stat_database, read once every session has ended) less the bench's own polls, / nodes (the untimed " +
    'build adds a few). HOT share: `n_tup_hot_upd / n_tup_upd` of the table over the run (pg_stat_user_tables).',
  E:
    "A chain (node i depends on node i - 1) through flowstage's runner; hop = the child's " +
    "`raw_fields.last_attempt_started_at_ms` minus the parent's `terminal_at_ms` (millisecond timestamps), over " +
    "every edge of the chain; the figures are the median of the rounds' medians and of their p95s.",
  G:
    'Retention: 500 flows of 10 members each, built with `ff_submit_flow` and cancelled, beside an open ' +
    '100,000-member flow; the tables analysed; then one `ff_prune_flows(p_finished_before_ms, p_limit => 500)` ' +
    'call timed, checked to delete the 500 flows and their 5,000 executions.',
  H:
    'One `ff_stage_dependency_edges` batch of a 20,000-edge chain over 20,001 members added untimed, on a ' +
    'database whose flow tables were never analysed (autovacuum off on them) and on one analysed after the ' +
    'members were added; the batch is timed.',
};
