// Type-level tests of FlowPlan and waitForFlow (checked by `npm run test:types`): the line after each
// ts-expect-error directive must fail to compile.
import pg from 'pg';
import { FlowPlan, run, waitForFlow, type FinishedFlow } from '../../src/index.js';

declare const pool: pg.Pool;
const flowId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';

export async function plans(): Promise<void> {
  const plan = new FlowPlan(flowId, {
    fetch: { task: 'fetch' },
    parse: { task: 'parse', inputs: { page: 'fetch' } },
    index: { task: 'index', after: ['fetch', 'parse'], group: { kind: 'quorum', k: 1, onSatisfied: 'let_run' } },
  });
  const { ids, status } = await plan.submit(pool, { start: true });
  const fetchId: string = ids.fetch;
  // @ts-expect-error no step is called publish
  void ids.publish;
  // @ts-expect-error submitFlow's status union
  void (status === 'submited');
  void fetchId;
  void plan.edgeId('fetch', 'parse');
  // @ts-expect-error edgeId takes step names
  void plan.edgeId('fetch', 'publish');

  void new FlowPlan(flowId, {
    fetch: { task: 'fetch' },
    // @ts-expect-error an upstream that is not a step
    parse: { task: 'parse', after: ['fecth'] },
  });
  void new FlowPlan(flowId, {
    fetch: { task: 'fetch' },
    // @ts-expect-error an input from a step that does not exist
    parse: { task: 'parse', inputs: { page: 'fecth' } },
  });
  void new FlowPlan(flowId, {
    a: {},
    b: {},
    // @ts-expect-error a step in an input list that does not exist
    c: { inputs: { rates: ['a', 'bb'] } },
  });
  void new FlowPlan(flowId, {
    a: {},
    b: {},
    c: { inputs: { rates: ['a', 'b'] }, group: { kind: 'any_of', onSatisfied: 'let_run' } },
  });
  void new FlowPlan(flowId, {
    // @ts-expect-error any_of needs onSatisfied
    join: { group: { kind: 'any_of' } },
  });
}

export async function waits(): Promise<void> {
  const flow: FinishedFlow = await waitForFlow(pool, flowId, { timeoutMs: 1000 });
  // @ts-expect-error a finished flow is never open
  void (flow.public_flow_state === 'open');
  await waitForFlow('postgres://localhost/db', flowId);
}

export async function events(): Promise<void> {
  const worker = await run({ connectionString: 'postgres://localhost/db' });
  worker.events.on('flow:completed', ({ flowId: id, state }) => {
    void id;
    void state;
  });
  worker.events.on('execution:completed', ({ outcome }) => {
    void (outcome === 'success');
  });
  worker.events.on('job:success', ({ job }) => {
    void job.task_identifier;
  });
  worker.events.on('execution:completed', ({ outcome }) => {
    // @ts-expect-error outcome is success | failed | cancelled
    void (outcome === 'skiped');
  });
}
