// ff_metrics: the samples behind the dashboard's /metrics.
import test from 'ava';
import { testDatabase } from '../helpers/database.js';
import { FIXED, buildFixedDag, call } from '../helpers/read.js';

type Sample = { metric: string; labels: Record<string, string>; value: number };
const samples = async (db: Awaited<ReturnType<typeof testDatabase>>) =>
  new Map(
    (await call<Sample>(db, 'SELECT * FROM flowfabric.ff_metrics()')).map((s) => [
      `${s.metric}${JSON.stringify(s.labels)}`,
      Number(s.value),
    ]),
  );

test('counts flows and executions per state and outcomes, every state listed', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  await db.query(`SELECT * FROM flowfabric.ff_cancel_flow($1, 'done')`, [FIXED.flowId]);
  const m = await samples(db);
  t.is(m.get('flowstage_flows{"state":"cancelled"}'), 1);
  t.is(m.get('flowstage_flows{"state":"open"}'), 0);
  t.is(m.get('flowstage_executions{"state":"cancelled"}'), 1);
  t.is(m.get('flowstage_executions{"state":"active"}'), 0);
  t.is(m.get('flowstage_executions_completed_total{"outcome":"success"}'), 1);
  t.is(m.get('flowstage_executions_completed_total{"outcome":"failed"}'), 1);
  t.is(m.get('flowstage_executions_completed_total{"outcome":"skipped"}'), 1);
  const {
    rows: [{ queued }],
  } = await db.query(
    `SELECT count(*)::int AS queued FROM graphile_worker.jobs WHERE locked_at IS NULL AND attempts < max_attempts`,
  );
  t.is(m.get('flowstage_jobs{"state":"queued"}'), queued);
  t.is(m.get('flowstage_jobs{"state":"running"}'), 0);
});

test('the run latency histogram is cumulative over the executions that ran', async (t) => {
  const db = await testDatabase(t);
  await buildFixedDag(db);
  await db.query(
    `UPDATE flowfabric.ff_exec_core SET raw_fields = raw_fields || jsonb_build_object('last_attempt_started_at_ms', terminal_at_ms - 300)
                  WHERE execution_id = $1::uuid`,
    [FIXED.fetch.slice(-36)],
  );
  const m = await samples(db);
  t.is(m.get('flowstage_run_latency_seconds_bucket{"le":"0.25"}'), 0);
  t.is(m.get('flowstage_run_latency_seconds_bucket{"le":"0.5"}'), 1);
  t.is(m.get('flowstage_run_latency_seconds_bucket{"le":"+Inf"}'), 1);
  t.is(m.get('flowstage_run_latency_seconds_count{}'), 1);
  t.is(m.get('flowstage_run_latency_seconds_sum{}'), 0.3);
});
