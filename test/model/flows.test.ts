// Model-based test: random call sequences run against a fresh database and against the model
// (test/model/model.ts) must give the same status or error code at every step and the same final
// state; ff_check_invariants() finds nothing after every sequence, and a decided group never
// changes its decision between steps.
//   FLOWSTAGE_MODEL_RUNS=500 npm test -- test/model/flows.test.ts     more sequences
//   FLOWSTAGE_MODEL_SEED=<seed> FLOWSTAGE_MODEL_PATH=<path> ...          replay a failure (fast-check prints both)
import test from 'ava';
import fc from 'fast-check';
import type pg from 'pg';
import { cloneTemplate } from '../helpers/database.js';
import { Model } from './model.js';
import type { Answer, EdgeKind, Outcome, Plan, Policy, Ref } from './model.js';

type IdForm = 'canonical' | 'bare' | 'wrong_partition' | 'malformed';

const RUNS = Number(process.env.FLOWSTAGE_MODEL_RUNS ?? 30);
const SEED = process.env.FLOWSTAGE_MODEL_SEED === undefined ? undefined : Number(process.env.FLOWSTAGE_MODEL_SEED);
const PATH = process.env.FLOWSTAGE_MODEL_PATH;

// Two flows and one that is never created; executions 0-3 live on F's partition, 4 on G's, 5 is never created.
const FLOWS = {
  F: '11111111-1111-1111-1111-111111111111',
  G: '22222222-2222-2222-2222-222222222222',
  H: '33333333-3333-3333-3333-333333333333',
};
const PARTITION = { F: 6, G: 12, H: 10 } as const;
type FlowName = keyof typeof FLOWS;
const EXECUTIONS = [0, 1, 2, 3, 4, 5].map((i) => `0000000${i}-0000-4000-8000-00000000000${i}`);
const HOME: FlowName[] = ['F', 'F', 'F', 'F', 'G', 'F'];
const EDGES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `e000000${i}-0000-4000-8000-00000000000${i}`);
// A step names an edge by a number read against the flow's edges at that point (so most applies
// and replays hit a staged edge): `fresh` takes the first id not staged in the flow yet, else the
// n-th staged edge (n modulo their count), else EDGES[n] when none is staged.
type EdgePick = { n: number; fresh: boolean };

type Step =
  | { op: 'add'; flow: FlowName; execution: number; form: IdForm }
  | {
      op: 'stage';
      flow: FlowName;
      edge: EdgePick;
      up: number;
      down: number;
      upForm: IdForm;
      downForm: IdForm;
      revision: 'current' | 'stale' | 'negative';
      kind: EdgeKind;
    }
  | {
      op: 'stage_batch';
      flow: FlowName;
      edges: Array<{ edge: EdgePick; up: number; down: number }>;
      revision: 'current' | 'stale';
      dryRun: boolean;
    }
  | { op: 'set_policy'; flow: FlowName; down: number; policy: Policy }
  | { op: 'apply'; flow: FlowName; edge: EdgePick }
  | { op: 'complete'; execution: number; form: IdForm; outcome: Outcome }
  | { op: 'resolve'; flow: FlowName; edge: EdgePick; outcome: Outcome | null }
  | { op: 'start'; flow: FlowName }
  | { op: 'cancel'; flow: FlowName; policy: 'cancel_all' | 'cancel_flow_only' }
  | {
      op: 'submit';
      flow: FlowName;
      executions: number[];
      groups: Array<{ down: number; policy: Policy }>;
      edges: Array<{ edge: EdgePick; up: number; down: number }>;
      start: boolean;
    };

/** One of the values, each as often as its weight says. */
function weighted<T>(choices: Array<[T, number]>): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));
}
// Mostly calls that can succeed (so sequences get deep: applied edges, decisions, finished flows),
// with every kind of wrong argument now and then.
const flowArb = weighted<FlowName>([
  ['F', 12],
  ['G', 1],
  ['H', 1],
]);
const executionArb = weighted([
  [0, 6],
  [1, 6],
  [2, 6],
  [3, 4],
  [4, 1],
  [5, 1],
]);
const formArb = weighted<IdForm>([
  ['canonical', 20],
  ['bare', 8],
  ['wrong_partition', 1],
  ['malformed', 1],
]);
const stagedEdgeArb = fc.record({
  n: fc.integer({ min: 0, max: EDGES.length - 1 }),
  fresh: weighted([
    [false, 6],
    [true, 1],
  ]),
});
const newEdgeArb = fc.record({
  n: fc.integer({ min: 0, max: EDGES.length - 1 }),
  fresh: weighted([
    [true, 6],
    [false, 1],
  ]),
});
const policyArb: fc.Arbitrary<Policy> = fc.oneof(
  fc.constant<Policy>({ kind: 'all_of' }),
  fc.record({
    kind: fc.constant('any_of' as const),
    onSatisfied: fc.constantFrom('cancel_remaining' as const, 'let_run' as const),
  }),
  fc.record({
    kind: fc.constant('quorum' as const),
    onSatisfied: fc.constantFrom('cancel_remaining' as const, 'let_run' as const),
    k: fc.integer({ min: 1, max: 3 }),
  }),
  fc.constantFrom<Policy>({ kind: 'any_of' }, { kind: 'quorum', onSatisfied: 'let_run', k: 0 }, { kind: 'all_of', k: 1 }), // invalid
);
const validPolicyArb = policyArb.filter((p) =>
  p.kind === 'all_of' ? p.k === undefined : p.onSatisfied !== undefined && (p.kind === 'any_of' || (p.k ?? 0) >= 1),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ op: fc.constant('add' as const), flow: flowArb, execution: executionArb, form: formArb }) },
  {
    weight: 18,
    arbitrary: fc.record({
      op: fc.constant('stage' as const),
      flow: flowArb,
      edge: newEdgeArb,
      up: executionArb,
      down: executionArb,
      upForm: formArb,
      downForm: formArb,
      revision: weighted([
        ['current' as const, 12],
        ['stale' as const, 1],
        ['negative' as const, 1],
      ]),
      kind: weighted([
        ['success_only' as const, 4],
        ['failure_only' as const, 1],
        ['any_outcome' as const, 1],
      ]), // docs/semantics.md §10.1
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('stage_batch' as const),
      flow: flowArb,
      edges: fc.array(fc.record({ edge: newEdgeArb, up: executionArb, down: executionArb }), { minLength: 1, maxLength: 3 }),
      revision: weighted([
        ['current' as const, 6],
        ['stale' as const, 1],
      ]),
      dryRun: weighted([
        [false, 3],
        [true, 1],
      ]),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('set_policy' as const), flow: flowArb, down: executionArb, policy: policyArb }),
  },
  { weight: 18, arbitrary: fc.record({ op: fc.constant('apply' as const), flow: flowArb, edge: stagedEdgeArb }) },
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('complete' as const),
      execution: executionArb,
      form: formArb,
      outcome: weighted<Outcome>([
        ['success', 8],
        ['failed', 2],
        ['skipped', 1],
        ['cancelled', 1],
        ['expired', 1],
      ]),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('resolve' as const),
      flow: flowArb,
      edge: stagedEdgeArb,
      outcome: weighted<Outcome | null>([
        [null, 6],
        ['success', 1],
        ['failed', 1],
        ['skipped', 1],
      ]),
    }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('start' as const), flow: flowArb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('submit' as const),
      flow: flowArb,
      executions: fc.array(executionArb, { maxLength: 3 }),
      groups: fc.array(fc.record({ down: executionArb, policy: validPolicyArb }), { maxLength: 1 }),
      edges: fc.array(fc.record({ edge: newEdgeArb, up: executionArb, down: executionArb }), { maxLength: 3 }),
      start: weighted([
        [false, 3],
        [true, 1],
      ]),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('cancel' as const),
      flow: flowArb,
      policy: fc.constantFrom('cancel_all' as const, 'cancel_flow_only' as const),
    }),
  },
);

function idText(execution: number, form: IdForm): string {
  const uuid = EXECUTIONS[execution]!;
  const partition = PARTITION[HOME[execution]!];
  switch (form) {
    case 'canonical':
      return `{fp:${partition}}:${uuid}`;
    case 'bare':
      return uuid;
    case 'wrong_partition':
      return `{fp:${(partition + 1) % 256}}:${uuid}`;
    case 'malformed':
      return `{fp:x}:${uuid.slice(0, 8)}`;
  }
}

/** What the model sees of an id text. */
function ref(execution: number, form: IdForm): Ref {
  const uuid = EXECUTIONS[execution]!;
  const partition = PARTITION[HOME[execution]!];
  switch (form) {
    case 'canonical':
      return { uuid, prefix: partition };
    case 'bare':
      return { uuid, prefix: null };
    case 'wrong_partition':
      return { uuid, prefix: (partition + 1) % 256 };
    case 'malformed':
      return null;
  }
}

function edgeFor(model: Model, flow: FlowName, pick: EdgePick, taken: string[] = []): string {
  const staged = [...(model.flows.get(FLOWS[flow])?.edges.keys() ?? [])];
  if (pick.fresh) return EDGES.find((id) => !staged.includes(id) && !taken.includes(id)) ?? EDGES[pick.n]!;
  return staged.length > 0 ? staged[pick.n % staged.length]! : EDGES[pick.n]!;
}

function revisionFor(model: Model, flow: FlowName, kind: 'current' | 'stale' | 'negative'): number {
  const current = model.flows.get(FLOWS[flow])?.revision ?? 0;
  return kind === 'current' ? current : kind === 'stale' ? current + 1 : -1;
}

/** What a step's picks mean in the current state: p_expected_graph_revision and the edge ids it passes. */
interface Args {
  revision: number;
  edgeIds: string[];
}

function argsFor(model: Model, step: Step): Args {
  const revision = 'revision' in step ? revisionFor(model, step.flow, step.revision) : 0;
  const edgeIds: string[] = [];
  if (step.op === 'stage' || step.op === 'apply' || step.op === 'resolve') edgeIds.push(edgeFor(model, step.flow, step.edge));
  if (step.op === 'stage_batch' || step.op === 'submit')
    for (const e of step.edges) edgeIds.push(edgeFor(model, step.flow, e.edge, edgeIds));
  return { revision, edgeIds };
}

function planOf(step: Step & { op: 'submit' }, edgeIds: string[]): Plan {
  return {
    executions: step.executions.map((i) => EXECUTIONS[i]!),
    groups: step.groups.map((g) => ({ down: EXECUTIONS[g.down]!, policy: g.policy })),
    edges: step.edges.map((e, i) => ({ id: edgeIds[i]!, up: EXECUTIONS[e.up]!, down: EXECUTIONS[e.down]! })),
  };
}

/** The model's answer to a step. */
function modelAnswer(model: Model, step: Step, { revision, edgeIds }: Args): Answer {
  const flowId = 'flow' in step ? FLOWS[step.flow] : '';
  switch (step.op) {
    case 'add':
      return model.call(() => model.add(flowId, ref(step.execution, step.form)));
    case 'stage': {
      return model.call(() => {
        const r = model.stage(flowId, edgeIds[0]!, ref(step.up, step.upForm), ref(step.down, step.downForm), revision, step.kind);
        return `${r.status}@${r.revision}`;
      });
    }
    case 'stage_batch': {
      const edges = step.edges.map((e, i) => ({ id: edgeIds[i]!, up: EXECUTIONS[e.up]!, down: EXECUTIONS[e.down]! }));
      return model.call(() => model.stageBatch(flowId, revision, edges, step.dryRun), { dryRun: step.dryRun });
    }
    case 'set_policy':
      return model.call(() => model.setPolicy(flowId, ref(step.down, 'canonical')!, step.policy));
    case 'apply':
      return model.call(() => model.apply(flowId, edgeIds[0]!));
    case 'complete':
      return model.call(() => model.complete(ref(step.execution, step.form), step.outcome));
    case 'resolve':
      return model.call(() => model.resolveDependency(flowId, edgeIds[0]!, step.outcome));
    case 'start':
      return model.call(() => model.start(flowId));
    case 'cancel':
      return model.call(() => model.cancel(flowId, step.policy));
    case 'submit':
      return model.call(() => model.submit(flowId, PARTITION[step.flow], planOf(step, edgeIds), step.start));
  }
}

/** The database's answer to a step: the first row's status, or the error's code name (its MESSAGE). */
async function databaseAnswer(db: pg.Pool, step: Step, { revision, edgeIds }: Args): Promise<Answer> {
  const flowId = 'flow' in step ? FLOWS[step.flow] : null;
  const call = async (): Promise<string> => {
    switch (step.op) {
      case 'add':
        return first(
          await db.query(`SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)`, [
            flowId,
            idText(step.execution, step.form),
          ]),
        );
      case 'stage': {
        const { rows } = await db.query(
          `SELECT * FROM flowfabric.ff_stage_dependency_edge(p_flow_id => $1, p_edge_id => $2, p_upstream_execution_id => $3,
             p_downstream_execution_id => $4, p_expected_graph_revision => $5, p_dependency_kind => $6)`,
          [flowId, edgeIds[0], idText(step.up, step.upForm), idText(step.down, step.downForm), revision, step.kind],
        );
        return `${rows[0].status}@${rows[0].graph_revision}`;
      }
      case 'stage_batch': {
        const edges = step.edges.map((e, i) => ({
          edge_id: edgeIds[i],
          upstream_execution_id: EXECUTIONS[e.up],
          downstream_execution_id: EXECUTIONS[e.down],
        }));
        return first(
          await db.query(
            `SELECT * FROM flowfabric.ff_stage_dependency_edges(p_flow_id => $1, p_expected_graph_revision => $2, p_edges => $3, p_dry_run => $4)`,
            [flowId, revision, JSON.stringify(edges), step.dryRun],
          ),
        );
      }
      case 'set_policy':
        return first(
          await db.query(
            `SELECT * FROM flowfabric.ff_set_edge_group_policy(p_flow_id => $1, p_downstream_execution_id => $2, p_kind => $3, p_on_satisfied => $4, p_k => $5)`,
            [flowId, idText(step.down, 'canonical'), step.policy.kind, step.policy.onSatisfied ?? null, step.policy.k ?? null],
          ),
        );
      case 'apply':
        return first(
          await db.query(`SELECT * FROM flowfabric.ff_apply_dependency_to_child(p_flow_id => $1, p_edge_id => $2)`, [
            flowId,
            edgeIds[0],
          ]),
        );
      case 'complete':
        return first(
          await db.query(`SELECT * FROM flowfabric.ff_complete_execution(p_execution_id => $1, p_outcome => $2)`, [
            idText(step.execution, step.form),
            step.outcome,
          ]),
        );
      case 'resolve':
        return first(
          await db.query(
            `SELECT * FROM flowfabric.ff_resolve_dependency(p_flow_id => $1, p_edge_id => $2, p_upstream_outcome => $3)`,
            [flowId, edgeIds[0], step.outcome],
          ),
        );
      case 'start':
        return first(await db.query(`SELECT * FROM flowfabric.ff_start_flow(p_flow_id => $1)`, [flowId]));
      case 'submit': {
        const plan = planOf(step, edgeIds);
        const json = {
          executions: plan.executions.map((execution_id) => ({ execution_id })),
          groups: plan.groups.map((g) => ({
            downstream_execution_id: g.down,
            kind: g.policy.kind,
            on_satisfied: g.policy.onSatisfied,
            k: g.policy.k,
          })),
          edges: plan.edges.map((e) => ({ edge_id: e.id, upstream_execution_id: e.up, downstream_execution_id: e.down })),
        };
        return first(
          await db.query(`SELECT * FROM flowfabric.ff_submit_flow(p_flow_id => $1, p_plan => $2, p_start => $3)`, [
            flowId,
            JSON.stringify(json),
            step.start,
          ]),
        );
      }
      case 'cancel': {
        await db.query(
          `SELECT * FROM flowfabric.ff_cancel_flow(p_flow_id => $1, p_reason => 'model', p_cancellation_policy => $2)`,
          [flowId, step.policy],
        );
        return 'cancelled'; // (one row per member, statuses per member: compared through the final state)
      }
    }
  };
  try {
    return { status: await call() };
  } catch (error) {
    const e = error as pg.DatabaseError;
    if (e.code?.startsWith('FF')) return { error: e.message };
    throw error; // anything else is a bug of its own: a raw error where docs/semantics.md wants a code
  }
}

function first(result: pg.QueryResult): string {
  return result.rows[0].status;
}

/** The observable state, in one shape for both sides. */
function modelState(model: Model) {
  const flows = [...model.flows.values()].map((f) => ({
    flow: f.id,
    state: f.state,
    revision: f.revision,
    nodeCount: f.members.length,
    edgeCount: f.edges.size,
    started: f.started,
    members: [...f.members].sort(),
  }));
  const edges = [...model.flows.values()].flatMap((f) =>
    [...f.edges.values()].map((e) => ({
      flow: f.id,
      edge: e.id,
      up: e.up,
      down: e.down,
      state: e.state,
      stagedRevision: e.stagedRevision,
    })),
  );
  const groups = [...model.flows.values()].flatMap((f) =>
    [...f.groups.entries()].map(([down, g]) => ({
      flow: f.id,
      down,
      kind: g.policy.kind,
      k: g.policy.k ?? null,
      onSatisfied: g.policy.onSatisfied ?? null,
      counters: [g.success, g.fail, g.skip, g.running],
      decision: g.decision,
      cancelSiblings: g.cancelSiblings,
    })),
  );
  const executions = [...model.executions.values()].map((x) => ({
    execution: x.uuid,
    flow: x.flowId,
    outcome: x.outcome,
    publicState: x.publicState,
  }));
  return sortAll({ flows, edges, groups, executions });
}

async function databaseState(db: pg.Pool) {
  const flows = (
    await db.query(`
    SELECT flow_id AS flow, public_flow_state AS state, graph_revision::int AS revision, (raw_fields->>'node_count')::int AS "nodeCount",
           (raw_fields->>'edge_count')::int AS "edgeCount", raw_fields ? 'started_at_ms' AS started,
           ARRAY(SELECT e.execution_id::text FROM flowfabric.ff_exec_core e WHERE e.flow_id = f.flow_id ORDER BY 1) AS members
    FROM flowfabric.ff_flow_core f`)
  ).rows;
  const edges = (
    await db.query(`
    SELECT flow_id AS flow, edge_id AS edge, upstream_eid AS up, downstream_eid AS down, edge_state AS state,
           staged_graph_revision::int AS "stagedRevision"
    FROM flowfabric.ff_edge`)
  ).rows;
  const groups = (
    await db.query(`
    SELECT flow_id AS flow, downstream_eid AS down, policy->>'kind' AS kind, (policy->>'k')::int AS k, policy->>'on_satisfied' AS "onSatisfied",
           ARRAY[success_count, fail_count, skip_count, running_count] AS counters, decision, cancel_siblings_pending_flag AS "cancelSiblings"
    FROM flowfabric.ff_edge_group`)
  ).rows;
  const executions = (
    await db.query(`
    SELECT execution_id AS execution, flow_id AS flow, terminal_outcome AS outcome, public_state AS "publicState" FROM flowfabric.ff_exec_core`)
  ).rows;
  return sortAll({ flows, edges, groups, executions });
}

function sortAll<T extends Record<string, unknown[]>>(state: T): T {
  for (const rows of Object.values(state)) rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return state;
}

async function decisions(db: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await db.query(`SELECT flow_id || '/' || downstream_eid AS key, decision FROM flowfabric.ff_edge_group`);
  return new Map(rows.map((r) => [r.key, r.decision]));
}

/** Both sides start with flows F and G and executions 0-4 created on their home flow's partition, 0-2 members of F. */
async function setUp(db: pg.Pool, model: Model): Promise<void> {
  for (const name of ['F', 'G'] as const) {
    await db.query(`SELECT * FROM flowfabric.ff_create_flow(p_flow_id => $1)`, [FLOWS[name]]);
    model.createFlow(FLOWS[name], PARTITION[name]);
  }
  for (let i = 0; i <= 4; i++) {
    await db.query(`SELECT * FROM flowfabric.ff_create_execution(p_execution_id => $1, p_flow_id => $2)`, [
      EXECUTIONS[i],
      FLOWS[HOME[i]!],
    ]);
    model.createExecution(EXECUTIONS[i]!, PARTITION[HOME[i]!]);
  }
  for (let i = 0; i <= 2; i++) {
    await db.query(`SELECT * FROM flowfabric.ff_add_execution_to_flow(p_flow_id => $1, p_execution_id => $2)`, [
      FLOWS.F,
      EXECUTIONS[i],
    ]);
    model.add(FLOWS.F, ref(i, 'bare'));
  }
}

/** Runs one sequence on a fresh database and on the model; throws at the first difference. */
async function runSequence(steps: Step[], count: (what: string) => void = () => {}): Promise<void> {
  const { pool: db, drop } = await cloneTemplate();
  try {
    const model = new Model();
    await setUp(db, model);
    let decided = await decisions(db);
    for (const [index, step] of steps.entries()) {
      const args = argsFor(model, step);
      const expected = modelAnswer(model, step, args);
      const actual = await databaseAnswer(db, step, args);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(
          `step ${index} ${JSON.stringify(step)}: database ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`,
        );
      }
      const now = await decisions(db);
      for (const [key, decision] of decided) {
        if (decision !== 'pending' && now.get(key) !== decision) {
          throw new Error(`step ${index} ${JSON.stringify(step)}: group ${key} went from ${decision} to ${now.get(key)}`);
        }
      }
      decided = now;
      count(`${step.op}: ${'status' in actual ? actual.status.replace(/@.*/, '') : actual.error}`);
    }
    for (const flow of model.flows.values()) {
      count(`end: flow ${flow.state}`);
      for (const group of flow.groups.values()) count(`end: ${group.policy.kind} group ${group.decision}`);
    }
    const [actualState, expectedState] = [await databaseState(db), modelState(model)];
    if (JSON.stringify(actualState) !== JSON.stringify(expectedState)) {
      throw new Error(`final state differs:\ndatabase ${JSON.stringify(actualState)}\nmodel    ${JSON.stringify(expectedState)}`);
    }
    const { rows } = await db.query(`SELECT * FROM flowfabric.ff_check_invariants()`);
    if (rows.length > 0) throw new Error(`ff_check_invariants: ${JSON.stringify(rows)}`);
  } finally {
    await drop();
  }
}

test('random call sequences: the database answers and ends as the model does, with no broken invariant', async (t) => {
  t.timeout(10 * 60_000);
  const seen = new Map<string, number>(); // what the sequences reached, for the log: answers and end states
  const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  // On failure fc.assert's error carries the seed, the path and the shrunk sequence.
  await t.notThrowsAsync(
    fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'max' }), (steps) => runSequence(steps, count)),
      { numRuns: RUNS, seed: SEED, path: PATH, includeErrorInReport: true },
    ),
  );
  t.log(
    [...seen]
      .sort()
      .map(([what, n]) => `${what}: ${n}`)
      .join('\n'),
  );
});

// Shrunk sequences that once told the model and the database apart, kept as named cases.

test("a plan edge out of an execution the same plan skipped waits for that execution's cascade job (one hop per transaction)", async (t) => {
  await t.notThrowsAsync(
    runSequence([
      { op: 'complete', execution: 1, form: 'canonical', outcome: 'skipped' },
      {
        op: 'submit',
        flow: 'F',
        executions: [],
        groups: [],
        start: false,
        edges: [
          { edge: { n: 0, fresh: true }, up: 1, down: 2 }, // late edge: 2 is skipped by this plan
          { edge: { n: 0, fresh: true }, up: 2, down: 0 }, // out of 2: left applied for 2's job
        ],
      },
    ]),
  );
});

test("a plan's late edges resolve after its last apply: a second edge into the child they skip is applied, not refused", async (t) => {
  await t.notThrowsAsync(
    runSequence([
      { op: 'complete', execution: 0, form: 'canonical', outcome: 'failed' },
      {
        op: 'submit',
        flow: 'F',
        executions: [],
        groups: [],
        start: false,
        edges: [
          { edge: { n: 0, fresh: true }, up: 0, down: 2 }, // late edge: its resolution will skip 2 ...
          { edge: { n: 0, fresh: true }, up: 1, down: 2 }, // ... but only after this edge is applied too
        ],
      },
    ]),
  );
});

test('a plan that changes nothing but starts the flow answers already_submitted (its started column says the flow started)', async (t) => {
  await t.notThrowsAsync(runSequence([{ op: 'submit', flow: 'F', executions: [], groups: [], edges: [], start: true }]));
});
