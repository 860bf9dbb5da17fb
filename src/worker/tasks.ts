// flowstage's own Graphile Worker tasks and the wrapper around user tasks. The rules live in
// SQL: every task here only calls flowfabric functions, one call per transaction.
import type { EventEmitter } from 'node:events';
import type { JobHelpers, Task, TaskList as GraphileTaskList } from 'graphile-worker';
import {
  beginAttempt, cancelSiblingsStep, cascadeStep, completeExecution, suspendExecution, waitpointTimeout, type PublicFlowState,
} from '../generated/index.js';
import type { Queryable } from '../client/queryable.js';

/** Payloads of flowstage's own tasks, declared once (task names: `<entity>__<action>`). */
export interface FlowstageTaskPayloads {
  /**
   * A deferred hop (`_defer_cascade`): resolve the outgoing edges of an execution whose cascade did
   * not run where it became terminal (a skipped child, a cancelled sibling, an execution failed by
   * ff_recover_jobs), or check whether the flow has finished when its completion could not.
   * A normally completed execution resolves its edges in its own transaction and has no such job.
   */
  flowstage__cascade: { flow_id: string; execution_id: string };
  /** Enqueued by `_resolve_edges` when a cancel_remaining group is satisfied: cancel the recorded siblings. */
  flowstage__cancel_siblings: { flow_id: string; downstream_execution_id: string };
  /** Due at a waitpoint's timeout (ff_suspend_execution): fail, expire or resume its execution (ff_waitpoint_timeout). */
  flowstage__waitpoint_timeout: { waitpoint_id: string };
}

/** Payload of a run job (job identifier = the execution's task_identifier), as `_run_job_spec` builds it. */
export interface RunJobPayload {
  flow_id: string | null;
  execution_id: string;
}

declare global {
  namespace GraphileWorker {
    interface Tasks extends FlowstageTaskPayloads {}
  }
}

export type FlowstageTaskName = keyof FlowstageTaskPayloads;
export const FLOWSTAGE_TASK_NAMES: readonly FlowstageTaskName[] = ['flowstage__cascade', 'flowstage__cancel_siblings', 'flowstage__waitpoint_timeout'];

/** What a user task receives besides its payload. */
export interface FlowstageHelpers extends JobHelpers {
  /** Canonical `{fp:N}:<uuid>` id of the execution being run; null for a plain Graphile Worker job. */
  executionId: string | null;
  flowId: string | null;
  /** 1 for the first attempt of this execution. */
  attempt: number;
  /**
   * Suspends the execution until signals arrive (ff_suspend_execution, docs/semantics.md §10.2)
   * and ends this run without completing it: it never returns (it throws a SuspendedError the
   * wrapper catches). The execution runs again, as the same execution, with `payload.signals`
   * ({ name, payload, received_at_ms }[]) once `resumeWhen` ('any' by default, or 'all') is met,
   * or at the timeout with timeoutBehavior 'resume'. Not available to plain Graphile Worker jobs.
   */
  suspend(options: SuspendOptions): Promise<never>;
}

export interface SuspendOptions {
  signals: string[];
  resumeWhen?: 'any' | 'all';
  /** How long to wait, from now; at the end: timeoutBehavior ('fail' by default, 'expire' or 'resume'). */
  timeoutMs?: number;
  timeoutBehavior?: 'fail' | 'expire' | 'resume';
}

/** Thrown by helpers.suspend() to end the run; the task wrapper treats it as a clean end. */
export class SuspendedError extends Error {
  constructor(readonly executionId: string, readonly waitpointId: string | null) {
    super(`execution ${executionId} suspended on waitpoint ${waitpointId}`);
    this.name = 'SuspendedError';
  }
}

function notSuspendable(): Promise<never> {
  return Promise.reject(new Error('helpers.suspend: only a flowstage execution can suspend'));
}

/**
 * A user task: receives the execution's payload (with the results of its data-passing parents
 * merged in) and returns the execution's result (any JSON value; null or undefined store SQL NULL).
 * Throwing fails the attempt; Graphile Worker retries it until the job's attempts are spent,
 * and then the execution completes as failed.
 */
export type FlowstageTask = (payload: unknown, helpers: FlowstageHelpers) => unknown;
export type TaskList = Record<string, FlowstageTask>;

/** flowstage's own events, emitted by its tasks after the calls that did what they report. */
export interface FlowstageEventMap {
  /** This worker completed an execution: a user task's end (success, or failed once its attempts are spent), or a cancelled sibling. */
  'execution:completed': { executionId: string; flowId: string | null; outcome: 'success' | 'failed' | 'cancelled' };
  /** This worker's completion of the flow's last member (or a cascade hop's flow check) found the flow completed. */
  'flow:completed': FlowFinishedEvent;
  'flow:failed': FlowFinishedEvent;
  'flow:cancelled': FlowFinishedEvent;
}

export interface FlowFinishedEvent {
  flowId: string;
  state: Exclude<PublicFlowState, 'open'>;
  /** The execution whose completion (or cascade hop) reported the flow finished. */
  executionId: string;
}

/** An EventEmitter typed with FlowstageEventMap (run() hands one back as `events`, merged with Graphile Worker's). */
export interface FlowstageEvents extends EventEmitter {
  on<K extends keyof FlowstageEventMap>(event: K, listener: (payload: FlowstageEventMap[K]) => void): this;
  once<K extends keyof FlowstageEventMap>(event: K, listener: (payload: FlowstageEventMap[K]) => void): this;
  off<K extends keyof FlowstageEventMap>(event: K, listener: (payload: FlowstageEventMap[K]) => void): this;
  emit<K extends keyof FlowstageEventMap>(event: K, payload: FlowstageEventMap[K]): boolean;
}

/**
 * Emits flowstage's events; a listener that throws is logged, never fails the job. A flow is
 * announced once per emitter (the completions or hops of its last members may each see it finished).
 */
const announcedFlows = new WeakMap<FlowstageEvents, Set<string>>();

function announcer(events: FlowstageEvents | undefined) {
  let announced = events && announcedFlows.get(events);
  if (events && !announced) announcedFlows.set(events, announced = new Set());
  const emit = <K extends keyof FlowstageEventMap>(helpers: JobHelpers, event: K, payload: FlowstageEventMap[K]) => {
    try {
      events?.emit(event, payload);
    } catch (error) {
      helpers.logger.error(`flowstage: a listener of ${event} threw: ${(error as Error).message}`);
    }
  };
  return {
    execution: (helpers: JobHelpers, payload: FlowstageEventMap['execution:completed']) => emit(helpers, 'execution:completed', payload),
    flow(helpers: JobHelpers, flowId: string, executionId: string, state: PublicFlowState | null) {
      if (!announced || state === null || state === 'open' || announced.has(flowId)) return;
      announced.add(flowId);
      if (announced.size > 10_000) announced.delete(announced.values().next().value!);
      emit(helpers, `flow:${state}`, { flowId, state, executionId });
    },
  };
}
type Announcer = ReturnType<typeof announcer>;

/**
 * Where the tasks send their flowfabric calls: Graphile Worker's job helpers by default (its
 * pool), or a Queryable the runner provides (run(): a pool of its own for flowstage's calls).
 */
export type CallsFor = (helpers: JobHelpers) => Queryable;
const viaHelpers: CallsFor = (helpers) => helpers;

const cascade = (announce: Announcer, callsFor: CallsFor): Task<'flowstage__cascade'> => async (payload, helpers) => {
  // One hop per transaction (each call autocommits): every outgoing edge of this execution,
  // never its grandchildren (a child skipped here gets a job of its own). check_again: the flow
  // row was busy while the hop held the children; the next call holds nothing and may wait.
  for (;;) {
    const [step] = await cascadeStep(callsFor(helpers), { executionId: payload.execution_id });
    if (step?.status !== 'check_again') {
      if (step?.status === 'done') announce.flow(helpers, payload.flow_id, payload.execution_id, step.public_flow_state);
      return;
    }
  }
};

const cancelSiblings = (announce: Announcer, callsFor: CallsFor): Task<'flowstage__cancel_siblings'> => async (payload, helpers) => {
  for (;;) {
    const [step] = await cancelSiblingsStep(callsFor(helpers), {
      flowId: payload.flow_id,
      downstreamExecutionId: payload.downstream_execution_id,
    });
    if (step?.status === 'cancelled') {
      announce.execution(helpers, { executionId: step.execution_id!, flowId: payload.flow_id, outcome: 'cancelled' });
    }
    if (step?.status === 'done') return;
  }
};

const waitpointTimeoutTask = (callsFor: CallsFor): Task<'flowstage__waitpoint_timeout'> => async (payload, helpers) => {
  const [row] = await waitpointTimeout(callsFor(helpers), { waitpointId: payload.waitpoint_id });
  helpers.logger.debug(`flowstage: waitpoint ${payload.waitpoint_id} timeout: ${row?.status}`);
};

function buildFlowstageTasks(announce: Announcer, callsFor: CallsFor = viaHelpers): { [K in FlowstageTaskName]: Task<K> } {
  return {
    flowstage__cascade: cascade(announce, callsFor),
    flowstage__cancel_siblings: cancelSiblings(announce, callsFor),
    flowstage__waitpoint_timeout: waitpointTimeoutTask(callsFor),
  };
}

export const flowstageTasks = buildFlowstageTasks(announcer(undefined));

function isRunJobPayload(payload: unknown): payload is RunJobPayload {
  return typeof payload === 'object' && payload !== null && typeof (payload as RunJobPayload).execution_id === 'string';
}

function errorResult(error: unknown): { error: string; name?: string } {
  if (error instanceof Error) return { error: error.message, name: error.name };
  return { error: String(error) };
}

/**
 * Wraps a user task: begins the attempt (ff_begin_attempt: skipped when the execution is no
 * longer runnable, e.g. cancelled), runs the task with the execution's current payload, and
 * completes the execution with success and the returned value, or, once Graphile Worker has
 * spent the job's attempts, with failed. Earlier failures are rethrown so the job is retried.
 * A job without an execution_id (added with plain graphile-worker) just runs the task.
 * Emits execution:completed on `events` after each completion it performed.
 */
export function wrapUserTask(name: string, task: FlowstageTask, events?: FlowstageEvents, callsFor: CallsFor = viaHelpers): Task {
  const announce = announcer(events);
  return async (rawPayload, helpers) => {
    if (!isRunJobPayload(rawPayload)) {
      await task(rawPayload, { ...helpers, executionId: null, flowId: null, attempt: helpers.job.attempts, suspend: notSuspendable });
      return;
    }
    const executionId = rawPayload.execution_id;
    const calls = callsFor(helpers);
    const [begun] = await beginAttempt(calls, { executionId });
    if (begun?.status !== 'started') {
      helpers.logger.debug(`${name}: execution ${executionId} is not runnable (${begun?.status}); nothing to do`);
      return;
    }
    let result: unknown;
    try {
      result = await task(begun.payload, {
        ...helpers,
        executionId,
        flowId: rawPayload.flow_id,
        attempt: begun.attempt,
        suspend: async (options: SuspendOptions): Promise<never> => {
          const [suspended] = await suspendExecution(calls, {
            executionId,
            signalNames: options.signals,
            resumeWhen: options.resumeWhen,
            timeoutAtMs: options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs,
            timeoutBehavior: options.timeoutBehavior,
          });
          throw new SuspendedError(executionId, suspended?.waitpoint_id ?? null);
        },
      });
    } catch (error) {
      if (error instanceof SuspendedError) return;  // suspended: the job ends, the execution waits for signals
      if (helpers.job.attempts < helpers.job.max_attempts) throw error;  // Graphile Worker retries
      helpers.logger.error(
        `${name}: execution ${executionId} failed after ${helpers.job.attempts} attempt(s): ${errorResult(error).error}`,
      );
      await complete(helpers, calls, rawPayload, 'failed', errorResult(error), announce);
      return;
    }
    await complete(helpers, calls, rawPayload, 'success', result, announce);
  };
}

async function complete(helpers: JobHelpers, calls: Queryable, run: RunJobPayload, outcome: 'success' | 'failed', result: unknown,
  announce: Announcer) {
  // A task that returns null or undefined stores SQL NULL (data passing hands children JSON null).
  const [completed] = await completeExecution(calls, { executionId: run.execution_id, outcome, result });
  if (completed?.status !== 'completed') return;
  announce.execution(helpers, { executionId: run.execution_id, flowId: run.flow_id, outcome });
  // ff_complete_execution finishes the flow itself when this was its last member (public_flow_state
  // says so); a flow check it deferred is announced by the cascade step that finishes it.
  if (run.flow_id && completed.public_flow_state) announce.flow(helpers, run.flow_id, run.execution_id, completed.public_flow_state);
}

/**
 * flowstage's tasks plus the user's tasks, each wrapped; they emit flowstage's events on `events`
 * and send their flowfabric calls where callsFor says (default: the job helpers).
 */
export function buildTaskList(userTasks: TaskList = {}, events?: FlowstageEvents, callsFor: CallsFor = viaHelpers): GraphileTaskList {
  const announce = announcer(events);
  const list: GraphileTaskList = {};
  for (const [name, task] of Object.entries(userTasks)) {
    if (name.startsWith('flowstage__')) {
      throw new Error(`task name ${name}: the flowstage__ prefix is reserved for flowstage's own tasks`);
    }
    if (typeof task !== 'function') throw new Error(`task ${name}: must be a function`);
    list[name] = wrapUserTask(name, task, events, callsFor);
  }
  return { ...list, ...(buildFlowstageTasks(announce, callsFor) as unknown as GraphileTaskList) };
}
