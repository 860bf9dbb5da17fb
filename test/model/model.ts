// A small model of docs/semantics.md §4-6: the contract restated in code, for the model-based test.
// One step = one call; it answers what the call must return (a status, or the error code of the
// first failing check in the order of docs/semantics.md) and changes the model's state only when it succeeds.
// Only the synchronous part of the cascade is modelled: what the completing transaction does.
// Jobs never run in the test (no worker), so a skipped child's outgoing edges stay applied and
// cancel_remaining only records the siblings, as the database does until its jobs run.

export type Outcome = 'success' | 'failed' | 'cancelled' | 'expired' | 'skipped';
export type Kind = 'all_of' | 'any_of' | 'quorum';
export type Decision = 'pending' | 'satisfied' | 'impossible';
/** An execution id as a call passes it: its uuid and its {fp:N} prefix (null: a bare uuid); null when malformed. */
export type Ref = { uuid: string; prefix: number | null } | null;

export interface Policy {
  kind: Kind;
  onSatisfied?: 'cancel_remaining' | 'let_run';
  k?: number;
}

export interface Plan {
  executions: string[];
  groups: Array<{ down: string; policy: Policy }>;
  edges: Array<{ id: string; up: string; down: string }>;
}

export interface Execution {
  uuid: string;
  partition: number;
  flowId: string | null;
  outcome: Outcome | 'none';
  publicState: string;
  blocked: boolean;
}
export type EdgeKind = 'success_only' | 'failure_only' | 'any_outcome';
export interface Edge {
  id: string;
  up: string;
  down: string;
  state: 'pending' | 'applied' | 'satisfied' | 'impossible';
  stagedRevision: number;
  kind?: EdgeKind;
}

/** docs/semantics.md §10.1: the outcomes that satisfy an edge of each kind. */
export function satisfies(kind: EdgeKind | undefined, outcome: Outcome): boolean {
  if (kind === 'failure_only') return outcome === 'failed' || outcome === 'expired';
  if (kind === 'any_outcome') return true;
  return outcome === 'success';
}
export interface Group {
  policy: Policy;
  success: number;
  fail: number;
  skip: number;
  running: number;
  decision: Decision;
  cancelSiblings: boolean;
}
export interface Flow {
  id: string;
  partition: number;
  revision: number;
  state: 'open' | 'cancelled' | 'completed' | 'failed';
  started: boolean;
  members: string[]; // execution uuids, in the order added
  edges: Map<string, Edge>;
  groups: Map<string, Group>; // by downstream uuid
}

/** What a call answers: a status, or the code of the error it raises (nothing changed). */
export type Answer = { status: string } | { error: string };

class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const refuse = (code: string): never => {
  throw new Refused(code);
};

export class Model {
  flows = new Map<string, Flow>();
  executions = new Map<string, Execution>();
  /** Executions the current call skipped: one hop per transaction, so their edges wait for a job. */
  private skippedByThisCall = new Set<string>();

  /** Runs one call: a refusal (or a dry run) leaves the state as it was (the call is one transaction). */
  call(step: () => string, options: { dryRun?: boolean } = {}): Answer {
    const saved = this.clone();
    this.skippedByThisCall.clear();
    try {
      const status = step();
      if (options.dryRun) {
        this.flows = saved.flows;
        this.executions = saved.executions;
      }
      return { status };
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.flows = saved.flows;
      this.executions = saved.executions;
      return { error: error.code };
    }
  }

  // --- 4.1 - 4.6 -------------------------------------------------------------------------

  createFlow(flowId: string, partition: number): string {
    if (this.flows.has(flowId)) return 'already_satisfied';
    this.flows.set(flowId, {
      id: flowId,
      partition,
      revision: 0,
      state: 'open',
      started: false,
      members: [],
      edges: new Map(),
      groups: new Map(),
    });
    return 'created';
  }

  createExecution(uuid: string, partition: number): string {
    if (this.executions.has(uuid)) return 'already_exists';
    this.executions.set(uuid, { uuid, partition, flowId: null, outcome: 'none', publicState: 'waiting', blocked: false });
    return 'created';
  }

  add(flowId: string, ref: Ref): string {
    if (ref === null) return refuse('invalid_input');
    const flow = this.openFlow(flowId);
    const execution = this.lookUp(flow, ref);
    const uuid = ref.uuid;
    if (!execution) return refuse('execution_not_found');
    if (execution.flowId === flowId) return 'already_member';
    if (execution.flowId !== null) refuse('already_member_of_different_flow');
    execution.flowId = flowId;
    flow.members.push(uuid);
    flow.revision += 1;
    this.finishIfDone(flow);
    return 'added';
  }

  stage(
    flowId: string,
    edgeId: string,
    up: Ref,
    down: Ref,
    expected: number,
    kind: EdgeKind = 'success_only',
  ): { status: string; revision: number } {
    if (up === null || down === null || expected < 0) return refuse('invalid_input');
    if (up.uuid === down.uuid) refuse('self_referencing_edge');
    const flow = this.openFlow(flowId);
    const existing = flow.edges.get(edgeId);
    if (existing && existing.up === up.uuid && existing.down === down.uuid && (existing.kind ?? 'success_only') === kind) {
      return { status: 'already_staged', revision: existing.stagedRevision };
    }
    if (flow.revision !== expected) refuse('stale_graph_revision');
    for (const ref of [up, down]) {
      if (this.lookUp(flow, ref)?.flowId !== flowId) refuse('execution_not_in_flow');
    }
    if (reaches(flow, down.uuid, up.uuid)) refuse('cycle_detected');
    if (existing) refuse('dependency_already_exists');
    flow.revision += 1;
    flow.edges.set(edgeId, { id: edgeId, up: up.uuid, down: down.uuid, state: 'pending', stagedRevision: flow.revision, kind });
    return { status: 'staged', revision: flow.revision };
  }

  /**
   * 4.5: the checks of 4.3 for every edge, one check at a time across the batch (self edges, the
   * flow, an exact replay of the whole batch, the one revision check, members), then cycle and
   * duplicate id edge by edge against the flow and the batch's earlier edges.
   */
  stageBatch(flowId: string, expected: number, edges: Array<{ id: string; up: string; down: string }>, dryRun: boolean): string {
    if (edges.length === 0 || expected < 0) refuse('invalid_input');
    if (edges.some((edge) => edge.up === edge.down)) refuse('self_referencing_edge');
    const flow = this.openFlow(flowId);
    const sameAsStaged = (edge: { id: string; up: string; down: string }) => {
      const staged = flow.edges.get(edge.id);
      return (
        staged !== undefined &&
        staged.up === edge.up &&
        staged.down === edge.down &&
        (staged.kind ?? 'success_only') === 'success_only'
      );
    };
    if (edges.every(sameAsStaged)) return 'already_staged';
    if (flow.revision !== expected) refuse('stale_graph_revision');
    for (const uuid of edges.flatMap((edge) => [edge.up, edge.down])) {
      if (this.lookUp(flow, { uuid, prefix: null })?.flowId !== flowId) refuse('execution_not_in_flow');
    }
    for (const edge of edges) {
      if (reaches(flow, edge.down, edge.up)) refuse('cycle_detected');
      if (flow.edges.has(edge.id)) refuse('dependency_already_exists');
      flow.revision += 1;
      flow.edges.set(edge.id, { ...edge, state: 'pending', stagedRevision: flow.revision });
    }
    return dryRun ? 'would_stage' : 'staged'; // (a dry run: the caller drops the state, see call)
  }

  setPolicy(flowId: string, down: Ref & object, policy: Policy): string {
    const { kind, onSatisfied, k } = policy;
    if (kind === 'all_of' && (onSatisfied !== undefined || k !== undefined)) refuse('invalid_input');
    if (kind === 'any_of' && (onSatisfied === undefined || k !== undefined)) refuse('invalid_input');
    if (kind === 'quorum' && (onSatisfied === undefined || k === undefined || k < 1)) refuse('invalid_input');
    const flow = this.openFlow(flowId);
    if (this.lookUp(flow, down)?.flowId !== flowId) refuse('execution_not_in_flow');
    const group = flow.groups.get(down.uuid);
    if (group && samePolicy(group.policy, policy)) return 'already_set';
    if (group && group.success + group.fail + group.skip + group.running > 0) refuse('edge_group_policy_already_fixed');
    flow.groups.set(down.uuid, { ...newGroup(), ...group, policy });
    return 'set';
  }

  /** 4.4; a late edge resolves at once, or joins `late` when the caller (a plan) resolves them after its last apply. */
  apply(flowId: string, edgeId: string, late?: Edge[]): string {
    const flow = this.openFlow(flowId);
    const edge = flow.edges.get(edgeId) ?? refuse('edge_not_found');
    if (edge.state !== 'pending') return 'already_applied';
    const group = flow.groups.get(edge.down) ?? newGroup();
    flow.groups.set(edge.down, group);
    if (group.decision !== 'pending') refuse('invalid_input'); // group_already_decided
    edge.state = 'applied';
    group.running += 1;
    const child = this.executions.get(edge.down)!;
    if (child.outcome === 'none') block(child);
    const upstream = this.executions.get(edge.up)!;
    // A late edge resolves at once, unless this very call skipped its upstream (a plan whose
    // edges skip a chain): that execution's own job resolves it, one hop per transaction (docs/semantics.md §6).
    if (upstream.outcome !== 'none' && !this.skippedByThisCall.has(upstream.uuid)) {
      if (late) late.push(edge);
      else this.resolve(flow, upstream.outcome, [edge]);
    }
    return 'applied';
  }

  complete(ref: Ref, outcome: Outcome): string {
    if (ref === null) return refuse('invalid_input');
    const uuid = ref.uuid;
    const execution = this.executions.get(uuid);
    if (execution && ref.prefix !== null && ref.prefix !== execution.partition) refuse('invalid_input');
    if (!execution) return refuse('execution_not_found');
    if (execution.outcome !== 'none') return 'already_terminal';
    finish(execution, outcome);
    const flow = execution.flowId === null ? undefined : this.flows.get(execution.flowId)!;
    if (flow) {
      const edges = [...flow.edges.values()].filter((e) => e.up === uuid && e.state === 'applied');
      const skipped = this.resolve(flow, outcome, edges);
      if (!skipped) this.finishIfDone(flow); // a skipped child's own job checks the flow later
    }
    return 'completed';
  }

  /** 6: one edge resolved on its own (what the deferred cascade job does), idempotent; the outcome is the upstream's. */
  resolveDependency(flowId: string, edgeId: string, claimed: Outcome | null): string {
    const flow = this.flows.get(flowId) ?? refuse('flow_not_found');
    const edge = flow.edges.get(edgeId) ?? refuse('edge_not_found');
    if (edge.state === 'pending') refuse('invalid_dependency');
    const upstream = this.executions.get(edge.up)!;
    if (upstream.outcome === 'none') return refuse('invalid_input'); // upstream_not_terminal
    if (claimed !== null && claimed !== upstream.outcome) refuse('invalid_input'); // outcome_mismatch
    if (edge.state !== 'applied') return 'already_resolved';
    this.resolve(flow, upstream.outcome, [edge]);
    return 'resolved';
  }

  start(flowId: string): string {
    const flow = this.flows.get(flowId) ?? refuse('flow_not_found');
    if (flow.started) return 'already_started';
    if (flow.state !== 'open') refuse('flow_already_terminal');
    for (const group of flow.groups.values()) {
      const total = group.success + group.fail + group.skip + group.running;
      if (group.policy.kind === 'quorum' && group.policy.k! > total) refuse('invalid_input');
    }
    flow.started = true;
    this.finishIfDone(flow);
    return 'started';
  }

  cancel(flowId: string, policy: 'cancel_all' | 'cancel_flow_only'): string {
    const flow = this.openFlow(flowId);
    flow.state = 'cancelled';
    if (policy === 'cancel_all') {
      for (const uuid of flow.members) {
        const member = this.executions.get(uuid)!;
        if (member.outcome === 'none') finish(member, 'cancelled'); // no cascade: the flow is over
      }
    }
    return 'cancelled';
  }

  /**
   * 4.7: the plan checked as if its items were called one by one (executions: created if missing
   * and added; groups; edges: staged and applied), then p_start; all or nothing (see call).
   * Creates the flow if missing. Items already present identically are no-ops.
   * Not modelled: p_expected_graph_revision, p_dry_run, payloads (the generator passes none).
   */
  submit(flowId: string, partition: number, plan: Plan, start: boolean): string {
    const existing = this.flows.get(flowId);
    if (existing && existing.state !== 'open') {
      // A plan that would change nothing is a replay even on a finished flow (docs/semantics.md
      // §4.7): already_submitted; any other plan is flow_already_terminal.
      if (!this.changesNothing(flowId, partition, plan)) refuse('flow_already_terminal');
      if (start) this.start(flowId);
      return 'already_submitted';
    }
    let changed = this.createFlow(flowId, partition) === 'created';
    const flow = this.openFlow(flowId);
    for (const uuid of plan.executions) {
      if (!this.executions.has(uuid)) changed = this.createExecution(uuid, flow.partition) === 'created' || changed;
      changed = this.add(flowId, { uuid, prefix: null }) === 'added' || changed;
    }
    for (const group of plan.groups) {
      changed = this.setPolicy(flowId, { uuid: group.down, prefix: null }, group.policy) === 'set' || changed;
    }
    const late: Edge[] = [];
    for (const edge of plan.edges) {
      changed =
        this.stage(flowId, edge.id, { uuid: edge.up, prefix: null }, { uuid: edge.down, prefix: null }, flow.revision).status ===
          'staged' || changed;
      changed = this.apply(flowId, edge.id, late) === 'applied' || changed;
    }
    // Late edges resolve after the plan's last apply, in plan order, so a child's group counts
    // every edge the plan brings it before it decides (ff_submit_flow's documented order: one by
    // one, a late edge deciding first would get the plan's later edges into that child refused).
    for (const edge of late) this.resolve(flow, this.executions.get(edge.up)!.outcome as Outcome, [edge]);
    // The status speaks of the plan: a plan already present answers already_submitted even when
    // p_start starts the flow (ff_submit_flow's documented decision; its `started` column says so).
    if (start) this.start(flowId);
    return changed ? 'submitted' : 'already_submitted';
  }

  // --- 6: the completion cascade, one hop --------------------------------------------------

  /** Resolves edges out of a terminal upstream; returns whether a child was skipped. */
  private resolve(flow: Flow, outcome: Outcome, edges: Edge[]): boolean {
    let skipped = false;
    const children = [...new Set(edges.map((e) => e.down))];
    for (const down of children) {
      const group = flow.groups.get(down)!;
      for (const edge of edges.filter((e) => e.down === down)) {
        // docs/semantics.md §10.1: the edge decides by its kind; counting follows the edge
        edge.state = satisfies(edge.kind, outcome) ? 'satisfied' : 'impossible';
        group.running -= 1;
        if (edge.state === 'satisfied') group.success += 1;
        else if (outcome === 'skipped' && edge.kind !== 'any_outcome') group.skip += 1;
        else group.fail += 1;
      }
      if (group.decision !== 'pending') continue; // decided once
      group.decision = decide(group);
      const child = this.executions.get(down)!;
      if (group.decision === 'satisfied') {
        if (child.outcome === 'none') release(child);
        const unresolved = [...flow.edges.values()].some((e) => e.down === down && e.state === 'applied');
        group.cancelSiblings = group.policy.onSatisfied === 'cancel_remaining' && unresolved;
      } else if (group.decision === 'impossible' && child.outcome === 'none') {
        finish(child, 'skipped'); // its own outgoing edges: a later job
        this.skippedByThisCall.add(child.uuid);
        skipped = true;
      }
    }
    return skipped;
  }

  private finishIfDone(flow: Flow): void {
    if (flow.state !== 'open' || !flow.started || flow.members.length === 0) return;
    const members = flow.members.map((uuid) => this.executions.get(uuid)!);
    if (members.some((m) => m.outcome === 'none')) return;
    // a failure is handled when a failure_only edge out of it led to a child that succeeded
    const handled = (m: Execution) =>
      [...flow.edges.values()].some(
        (e) => e.up === m.uuid && e.kind === 'failure_only' && this.executions.get(e.down)!.outcome === 'success',
      );
    flow.state = members.some((m) => ['failed', 'cancelled', 'expired'].includes(m.outcome) && !handled(m))
      ? 'failed'
      : 'completed';
  }

  // --- lookups -----------------------------------------------------------------------------

  private openFlow(flowId: string): Flow {
    const flow = this.flows.get(flowId) ?? refuse('flow_not_found');
    if (flow.state !== 'open') refuse('flow_already_terminal');
    return flow;
  }

  /** docs/semantics.md §2: an id with another partition's prefix than the flow's, or an execution stored elsewhere, is invalid_input. */
  private lookUp(flow: Flow, ref: Ref & object): Execution | undefined {
    if (ref.prefix !== null && ref.prefix !== flow.partition) refuse('invalid_input');
    const execution = this.executions.get(ref.uuid);
    if (execution && execution.partition !== flow.partition) refuse('invalid_input');
    return execution;
  }

  /** Would `plan` change nothing, were flowId open? The state is left as it was. */
  private changesNothing(flowId: string, partition: number, plan: Plan): boolean {
    const saved = this.clone();
    const skipped = new Set(this.skippedByThisCall);
    try {
      this.flows.get(flowId)!.state = 'open';
      return this.submit(flowId, partition, plan, false) === 'already_submitted';
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      return false;
    } finally {
      this.flows = saved.flows;
      this.executions = saved.executions;
      this.skippedByThisCall = skipped;
    }
  }

  private clone(): { flows: Map<string, Flow>; executions: Map<string, Execution> } {
    return structuredClone({ flows: this.flows, executions: this.executions });
  }
}

/** docs/semantics.md §6 table, total = success + fail + skip + running. */
export function decide(g: Group): Decision {
  const total = g.success + g.fail + g.skip + g.running;
  const failed = g.fail + g.skip;
  switch (g.policy.kind) {
    case 'all_of':
      return failed > 0 ? 'impossible' : g.success === total ? 'satisfied' : 'pending';
    case 'any_of':
      return g.success >= 1 ? 'satisfied' : failed === total ? 'impossible' : 'pending';
    case 'quorum':
      return g.success >= g.policy.k! ? 'satisfied' : total - failed < g.policy.k! ? 'impossible' : 'pending';
  }
}

function newGroup(): Group {
  return { policy: { kind: 'all_of' }, success: 0, fail: 0, skip: 0, running: 0, decision: 'pending', cancelSiblings: false };
}

function samePolicy(a: Policy, b: Policy): boolean {
  return a.kind === b.kind && a.k === b.k && a.onSatisfied === b.onSatisfied;
}

/** Is `to` reachable from `from` along staged edges (any state)? */
function reaches(flow: Flow, from: string, to: string): boolean {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    const node = todo.pop()!;
    if (node === to) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const edge of flow.edges.values()) if (edge.up === node) todo.push(edge.down);
  }
  return false;
}

function finish(execution: Execution, outcome: Outcome): void {
  execution.outcome = outcome;
  execution.publicState = outcome === 'success' ? 'completed' : outcome;
  execution.blocked = false;
}
function block(execution: Execution): void {
  execution.blocked = true;
  execution.publicState = 'waiting_children';
}
function release(execution: Execution): void {
  execution.blocked = false;
  execution.publicState = 'waiting';
}
