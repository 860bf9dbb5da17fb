// `flowstage cancel <flow_id> [--reason R] [--policy cancel_all|cancel_flow_only]`: the real
// binary (through tsx) over ff_cancel_flow.
import test from 'ava';
import { flowstage } from './bin.js';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { NOW, createFlow } from '../helpers/fixtures.js';
import { addMember, call, completeAndResolve } from '../helpers/read.js';

async function flowWithMembers(t: Parameters<typeof testDatabase>[0]) {
  const db = await testDatabase(t);
  const { flowId } = await createFlow(db, { nowMs: NOW });
  const done = await addMember(db, flowId);
  const open = await addMember(db, flowId);
  await completeAndResolve(db, flowId, done, 'success');
  return { db, flowId, done, open, env: { DATABASE_URL: connectionStringOf(db) } };
}

async function flowState(db: Awaited<ReturnType<typeof testDatabase>>, flowId: string) {
  const [row] = await call<{ public_flow_state: string; raw_fields: Record<string, unknown> }>(
    db,
    'SELECT public_flow_state, raw_fields FROM flowfabric.ff_flow_core WHERE flow_id = $1',
    [flowId],
  );
  return row;
}

test('cancel cancels the flow and its unfinished members (cancel_all), prints each member, exits 0', async (t) => {
  const { db, flowId, done, open, env } = await flowWithMembers(t);
  const run = await flowstage(['cancel', flowId, '--reason', 'wrong input'], env);
  t.is(run.code, 0, run.stderr);
  t.regex(
    run.stdout,
    new RegExp(`^${flowId} cancelled \\(cancel_all\\): 1 member\\(s\\) cancelled, 1 already terminal, 0 left running$`, 'm'),
  );
  t.regex(run.stdout, new RegExp(`^${open.replace(/[{}]/g, '\\$&')} +cancelled +cancelled +cancelled$`, 'm'));
  t.regex(run.stdout, new RegExp(`^${done.replace(/[{}]/g, '\\$&')} +already_terminal +completed +success$`, 'm'));
  t.like(await flowState(db, flowId), {
    public_flow_state: 'cancelled',
    raw_fields: { cancel_reason: 'wrong input', cancellation_policy: 'cancel_all' },
  });
});

test('cancel --policy cancel_flow_only leaves the members running', async (t) => {
  const { db, flowId, open, env } = await flowWithMembers(t);
  const run = await flowstage(['cancel', flowId, '--policy', 'cancel_flow_only', '--json'], env);
  t.is(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  t.like(out, { flow_id: flowId, public_flow_state: 'cancelled', cancellation_policy: 'cancel_flow_only' });
  t.like(
    out.members.find((m: { execution_id: string }) => m.execution_id === open),
    { status: 'left_running' },
  );
  t.like(await flowState(db, flowId), {
    public_flow_state: 'cancelled',
    raw_fields: { cancellation_policy: 'cancel_flow_only' },
  });
});

test('cancel without --reason records the default reason', async (t) => {
  const { db, flowId, env } = await flowWithMembers(t);
  t.is((await flowstage(['cancel', flowId], env)).code, 0);
  t.like(await flowState(db, flowId), { raw_fields: { cancel_reason: 'cancelled with flowstage cancel' } });
});

test("cancelling a flow that is no longer open is the database's flow_already_terminal, exit 1", async (t) => {
  const { flowId, env } = await flowWithMembers(t);
  await flowstage(['cancel', flowId], env);
  const run = await flowstage(['cancel', flowId], env);
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: flow_already_terminal: /);
});

test('an unknown --policy is a usage error (exit 2) and nothing is cancelled', async (t) => {
  const { db, flowId, env } = await flowWithMembers(t);
  const run = await flowstage(['cancel', flowId, '--policy', 'everything'], env);
  t.is(run.code, 2);
  t.regex(
    run.stderr,
    /^error: --policy must be cancel_all or cancel_flow_only \(got everything\)\n\nusage: flowstage cancel <flow_id> \[options\]\n/,
  );
  t.is((await flowState(db, flowId)).public_flow_state, 'open');
});

test('cancel --help describes the command and its options', async (t) => {
  const run = await flowstage(['cancel', '--help'], {});
  t.is(run.code, 0);
  t.regex(run.stdout, /^usage: flowstage cancel <flow_id> \[options\]\n/);
  t.regex(run.stdout, /--reason R /);
  t.regex(run.stdout, /--policy cancel_all\|cancel_flow_only /);
});
