// FlowPlan: a flow written as named steps, submitted with one ff_submit_flow call. It only builds the
// plan JSON that ff_submit_flow takes (docs/semantics.md §4.7) and derives the ids: every rule (cycles, policies,
// limits) stays in SQL, which refuses a bad plan with the item's place in DETAIL (edges[3]: ...).
//
// Ids are deterministic, so submitting the same plan again is a replay (already_submitted), and a
// step's id is known before anything is written: UUID version 5 (RFC 9562) in the flow id's
// namespace, of the name `execution:<step>` for a step's execution and `edge:["<up>","<down>"]`
// (the JSON array of the two step names) for an edge.
import { createHash } from 'node:crypto';
import { flowPartition, submitFlow, type SubmitFlowRow } from '../generated/functions.js';
import type { Queryable } from './queryable.js';

/** A fan-in policy: how many of a step's upstreams must succeed (ff_set_edge_group_policy). */
export type GroupPolicy =
  | { kind: 'all_of' }
  | { kind: 'any_of'; onSatisfied: 'cancel_remaining' | 'let_run' }
  | { kind: 'quorum'; k: number; onSatisfied: 'cancel_remaining' | 'let_run' };

/**
 * A run policy (docs/semantics.md §9.1), as ff_create_execution's p_policy takes it: every key
 * optional; a step's keys win over the plan's default, which wins over the defaults.
 */
export interface RunPolicy {
  /** Retries after the first attempt, 0..1000; default 0 (a failing step fails at once). */
  max_retries?: number;
  /** Default exponential, 1000 ms doubling up to 60000 ms. */
  backoff?:
    | { type: 'exponential'; initial_delay_ms?: number; max_delay_ms?: number; multiplier?: number }
    | { type: 'fixed'; delay_ms?: number };
  /** Longest one attempt may run (its task's signal aborts then, and the attempt fails). */
  attempt_timeout_ms?: number;
  /** Longest from the flow's start until terminal; then the execution expires. */
  execution_deadline_ms?: number;
  /** How often ff_replay_execution may replay it; default 10. */
  max_replays?: number;
}

/** One step: an execution of the flow and the edges into it. `Name` is the plan's step names. */
export interface PlanStep<Name extends string = string> {
  /** The task that runs it (Graphile Worker task identifier); a step without one is never run by a worker. */
  task?: string;
  /** Its payload, a JSON object. */
  payload?: { [key: string]: unknown };
  priority?: number;
  lane?: string;
  /** Steps that must finish first (edges without data passing). */
  after?: readonly Name[];
  /**
   * Steps that must finish first and whose results are merged into this step's payload under the key
   * (the edge's data_passing_ref). Several steps under one key (with an any_of group): the first
   * success is what arrives.
   */
  inputs?: { readonly [key: string]: Name | readonly Name[] };
  /** How its upstreams decide it; default all_of. */
  group?: GroupPolicy;
  /** Its run policy: retries, backoff, timeouts (over the plan's `defaultPolicy` / `maxRetries`). */
  policy?: RunPolicy;
  /** Not before this time (ms since the epoch): delayed until then once it would run. */
  delayUntilMs?: number;
}

/** Every step's `after` and `inputs` name steps of the same plan (checked by the compiler for literal plans). */
export type PlanSteps<S> = { [K in keyof S]: PlanStep<Extract<keyof S, string>> };

/** The JSON ff_submit_flow takes as p_plan. */
export interface SubmitPlanJson {
  executions: {
    execution_id: string;
    task_identifier?: string;
    payload?: object;
    priority?: number;
    lane_id?: string;
    policy?: RunPolicy;
    delay_until_ms?: number;
  }[];
  groups: { downstream_execution_id: string; kind: string; on_satisfied?: string; k?: number }[];
  edges: { edge_id: string; upstream_execution_id: string; downstream_execution_id: string; data_passing_ref?: string }[];
  default_policy?: RunPolicy;
}

export interface SubmitPlanOptions {
  /** Start the flow in the same transaction (ff_start_flow). */
  start?: boolean;
  /** Check and count, write nothing (status would_submit). */
  dryRun?: boolean;
  /** Refuse with stale_graph_revision unless the flow is at this revision (0 for a new flow). */
  expectedGraphRevision?: string | number | bigint;
  /** For a new flow; default 'default'. */
  namespace?: string;
  /** For a new flow; default 'dag'. */
  flowKind?: string;
  nowMs?: string | number | bigint;
  /** Retries for every step whose own policy does not say (the plan's default_policy.max_retries). */
  maxRetries?: number;
  /** The plan's default_policy: every step's run policy where its own does not set a key. */
  defaultPolicy?: RunPolicy;
}

/** ff_submit_flow's row, and each step's execution id in canonical `{fp:N}:<uuid>` form. */
export type SubmittedPlan<Name extends string> = SubmitFlowRow & { ids: Record<Name, string> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** UUID version 5 (SHA-1, RFC 9562 section 5.5) of `name` (UTF-8) in the namespace uuid `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  if (!UUID.test(namespace)) throw new Error(`uuidV5: namespace must be a uuid (got ${namespace})`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A flow as named steps. `new FlowPlan(flowId, { fetch: { task: 'fetch' }, parse: { task: 'parse',
 * inputs: { page: 'fetch' } } })`, then `await plan.submit(db, { start: true })`. A step name in
 * `after` or `inputs` that the plan does not define is a compile error for a literal plan, and an
 * Error here for any other.
 */
export class FlowPlan<const S extends PlanSteps<S>> {
  /** Each step's execution id, a bare uuid (known before submission). */
  readonly executionIds: Record<Extract<keyof S, string>, string>;

  constructor(
    readonly flowId: string,
    readonly steps: S,
  ) {
    if (!UUID.test(flowId)) throw new Error(`FlowPlan: flowId must be a uuid (got ${flowId})`);
    this.flowId = flowId.toLowerCase();
    const names = Object.keys(steps) as Extract<keyof S, string>[];
    const ids = {} as Record<Extract<keyof S, string>, string>;
    for (const name of names) ids[name] = uuidV5(this.flowId, `execution:${name}`);
    this.executionIds = ids;
    for (const name of names) {
      const step = steps[name] as PlanStep;
      const seen = new Set<string>();
      for (const [where, up] of upstreams(step)) {
        if (!Object.hasOwn(steps, up)) {
          throw new Error(
            `FlowPlan: step ${name}: ${where} names ${JSON.stringify(up)}, which is not a step of this plan (steps: ${names.join(', ')})`,
          );
        }
        if (seen.has(up))
          throw new Error(`FlowPlan: step ${name}: ${up} is named twice in after/inputs (one edge per pair of steps)`);
        seen.add(up);
      }
    }
  }

  /** The id of the edge from step `up` to step `down` (a bare uuid). */
  edgeId(up: Extract<keyof S, string>, down: Extract<keyof S, string>): string {
    return uuidV5(this.flowId, `edge:${JSON.stringify([up, down])}`);
  }

  /** The p_plan JSON: executions in step order, then the groups, then each step's edges (after, then inputs). */
  toJSON(): SubmitPlanJson {
    const plan: SubmitPlanJson = { executions: [], groups: [], edges: [] };
    for (const [name, value] of Object.entries(this.steps) as [Extract<keyof S, string>, PlanStep][]) {
      const id = this.executionIds[name];
      plan.executions.push({
        execution_id: id,
        ...(value.task !== undefined && { task_identifier: value.task }),
        ...(value.payload !== undefined && { payload: value.payload }),
        ...(value.priority !== undefined && { priority: value.priority }),
        ...(value.lane !== undefined && { lane_id: value.lane }),
        ...(value.policy !== undefined && { policy: value.policy }),
        ...(value.delayUntilMs !== undefined && { delay_until_ms: value.delayUntilMs }),
      });
      const group = value.group;
      if (group) {
        plan.groups.push({
          downstream_execution_id: id,
          kind: group.kind,
          ...(group.kind !== 'all_of' && { on_satisfied: group.onSatisfied }),
          ...(group.kind === 'quorum' && { k: group.k }),
        });
      }
      for (const [, up, ref] of upstreams(value)) {
        plan.edges.push({
          edge_id: this.edgeId(up as Extract<keyof S, string>, name),
          upstream_execution_id: this.executionIds[up as Extract<keyof S, string>],
          downstream_execution_id: id,
          ...(ref !== undefined && { data_passing_ref: ref }),
        });
      }
    }
    return plan;
  }

  /**
   * Submits the plan with ff_submit_flow (creating the flow if it is new; a repeated submission is
   * already_submitted) and returns its row with `ids`: each step's canonical execution id.
   * `maxRetries` / `defaultPolicy` become the plan's default_policy (docs/semantics.md §9.1).
   */
  async submit(db: Queryable, options: SubmitPlanOptions = {}): Promise<SubmittedPlan<Extract<keyof S, string>>> {
    const { maxRetries, defaultPolicy, ...rest } = options;
    const plan = this.toJSON();
    if (defaultPolicy !== undefined || maxRetries !== undefined) {
      plan.default_policy = { ...defaultPolicy, ...(maxRetries !== undefined && { max_retries: maxRetries }) };
    }
    const [row] = await submitFlow(db, { flowId: this.flowId, plan, ...rest });
    const partition = await flowPartition(db, { flowId: this.flowId });
    const ids = {} as Record<Extract<keyof S, string>, string>;
    for (const [name, id] of Object.entries(this.executionIds) as [Extract<keyof S, string>, string][]) {
      ids[name] = `{fp:${partition}}:${id}`;
    }
    return { ...row, ids };
  }
}

/** A step's upstreams: [where it is named, the step name, its data_passing_ref]. */
function upstreams(step: PlanStep): [string, string, string | undefined][] {
  return [
    ...(step.after ?? []).map((up, i): [string, string, undefined] => [`after[${i}]`, up, undefined]),
    ...Object.entries(step.inputs ?? {}).flatMap(([ref, ups]) =>
      (typeof ups === 'string' ? [ups] : ups).map((up, i): [string, string, string] => [
        `inputs.${ref}${typeof ups === 'string' ? '' : `[${i}]`}`,
        up,
        ref,
      ]),
    ),
  ];
}
