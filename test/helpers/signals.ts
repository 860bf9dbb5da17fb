// Fixtures for the suspension and signal tests (docs/semantics.md §10.2): an active execution of a
// started flow, and the calls with named arguments.
import { member, startFlow } from './cascade.js';
import { createFlow, type Db, type Flow as TestFlow } from './fixtures.js';

/** A started flow with one task member whose attempt has begun (active); returns both. */
export async function activeMember(
  db: Db,
  options: { others?: number; policy?: Record<string, unknown> } = {},
): Promise<{ flow: TestFlow; id: string }> {
  const flow = await createFlow(db);
  const id = await member(flow, { task: 'approve', policy: options.policy });
  for (let i = 0; i < (options.others ?? 0); i++) await member(flow);
  await startFlow(flow);
  await db.query('SELECT * FROM flowfabric.ff_begin_attempt(p_execution_id => $1)', [id]);
  // as if a worker had taken its run job: the job is gone from the queue
  await db.query(`SELECT graphile_worker.remove_job('flowstage:run:' || right($1, 36))`, [id]);
  return { flow, id };
}

export interface WaitOptions {
  names?: string[];
  when?: string;
  timeoutAt?: number | null;
  behavior?: string;
  now?: number;
  attempt?: number | null;
}

export async function suspend(db: Db, id: string, o: WaitOptions = {}) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_suspend_execution(p_execution_id => $1, p_signal_names => $2, p_resume_when => $3,
       p_timeout_at_ms => $4, p_timeout_behavior => $5, p_attempt => $7, p_now_ms => $6)`,
    [id, o.names ?? ['approved'], o.when ?? 'any', o.timeoutAt ?? null, o.behavior ?? 'fail', o.now ?? null, o.attempt ?? null],
  );
  return rows[0] as { status: string; execution_id: string; waitpoint_id: string; token: string | null };
}

export async function createWaitpoint(db: Db, id: string, o: WaitOptions = {}) {
  const { rows } = await db.query(
    `SELECT * FROM flowfabric.ff_create_waitpoint(p_execution_id => $1, p_signal_names => $2, p_resume_when => $3,
       p_timeout_at_ms => $4, p_timeout_behavior => $5)`,
    [id, o.names ?? ['approved'], o.when ?? 'any', o.timeoutAt ?? null, o.behavior ?? 'fail'],
  );
  return rows[0] as { status: string; execution_id: string; waitpoint_id: string; token: string };
}

export interface Delivery {
  payload?: unknown;
  key?: string | null;
  token?: string | null;
  now?: number;
}

export function deliver(db: Db, waitpointId: string, name: string, d: Delivery = {}) {
  return db.query(
    `SELECT * FROM flowfabric.ff_deliver_signal(p_waitpoint_id => $1, p_signal_name => $2, p_payload => $3,
       p_idempotency_key => $4, p_token => $5, p_now_ms => $6)`,
    [
      waitpointId,
      name,
      d.payload === undefined ? null : JSON.stringify(d.payload),
      d.key ?? null,
      d.token ?? null,
      d.now ?? null,
    ],
  );
}
