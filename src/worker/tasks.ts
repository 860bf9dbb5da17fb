// flowstage's own Graphile Worker tasks and the wrapper around user tasks. The rules live in
// SQL: every task here only calls flowfabric functions, one call per transaction.
import type { JobHelpers, Task, TaskList as GraphileTaskList } from 'graphile-worker';
import { beginAttempt, cancelSiblingsStep, cascadeStep, completeExecution } from '../generated/index.js';
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
export const FLOWSTAGE_TASK_NAMES: readonly FlowstageTaskName[] = ['flowstage__cascade', 'flowstage__cancel_siblings'];

/** What a user task receives besides its payload. */
export interface FlowstageHelpers extends JobHelpers {
  /** Canonical `{fp:N}:<uuid>` id of the execution being run; null for a plain Graphile Worker job. */
  executionId: string | null;
  flowId: string | null;
  /** 1 for the first attempt of this execution. */
  attempt: number;
}

/**
 * A user task: receives the execution's payload (with the results of its data-passing parents
 * merged in) and returns the execution's result (any JSON value; null or undefined store SQL NULL).
 * Throwing fails the attempt; Graphile Worker retries it until the job's attempts are spent,
 * and then the execution completes as failed.
 */
export type FlowstageTask = (payload: unknown, helpers: FlowstageHelpers) => unknown;
export type TaskList = Record<string, FlowstageTask>;

/**
 * Where the tasks send their flowfabric calls: Graphile Worker's job helpers by default (its
 * pool), or a Queryable the runner provides (see run()'s connection for flowstage's own calls).
 */
export type CallsFor = (helpers: JobHelpers) => Queryable;
const viaHelpers: CallsFor = (helpers) => helpers;

function cascadeTask(callsFor: CallsFor): Task<'flowstage__cascade'> {
  return async (payload, helpers) => {
    // One hop per transaction (each call autocommits): every outgoing edge of this execution,
    // never its grandchildren (a child skipped here gets a job of its own). check_again: the flow
    // row was busy while the hop held the children; the next call holds nothing and may wait.
    for (;;) {
      const [step] = await cascadeStep(callsFor(helpers), { executionId: payload.execution_id });
      if (step?.status !== 'check_again') return;
    }
  };
}

function cancelSiblingsTask(callsFor: CallsFor): Task<'flowstage__cancel_siblings'> {
  return async (payload, helpers) => {
    for (;;) {
      const [step] = await cancelSiblingsStep(callsFor(helpers), {
        flowId: payload.flow_id,
        downstreamExecutionId: payload.downstream_execution_id,
      });
      if (step?.status === 'done') return;
    }
  };
}

function flowstageTasksWith(callsFor: CallsFor): { [K in FlowstageTaskName]: Task<K> } {
  return { flowstage__cascade: cascadeTask(callsFor), flowstage__cancel_siblings: cancelSiblingsTask(callsFor) };
}

export const flowstageTasks: { [K in FlowstageTaskName]: Task<K> } = flowstageTasksWith(viaHelpers);

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
 */
export function wrapUserTask(name: string, task: FlowstageTask, callsFor: CallsFor = viaHelpers): Task {
  return async (rawPayload, helpers) => {
    if (!isRunJobPayload(rawPayload)) {
      await task(rawPayload, { ...helpers, executionId: null, flowId: null, attempt: helpers.job.attempts });
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
        attempt: begun.attempt ?? helpers.job.attempts,
      });
    } catch (error) {
      if (helpers.job.attempts < helpers.job.max_attempts) throw error;  // Graphile Worker retries
      helpers.logger.error(
        `${name}: execution ${executionId} failed after ${helpers.job.attempts} attempt(s): ${errorResult(error).error}`,
      );
      await complete(calls, executionId, 'failed', errorResult(error));
      return;
    }
    await complete(calls, executionId, 'success', result);
  };
}

async function complete(calls: Queryable, executionId: string, outcome: 'success' | 'failed', result: unknown) {
  // A task that returns null or undefined stores SQL NULL (data passing hands children JSON null).
  await completeExecution(calls, { executionId, outcome, result });
}

/** flowstage's tasks plus the user's tasks, each wrapped; callsFor: where their flowfabric calls go. */
export function buildTaskList(userTasks: TaskList = {}, callsFor: CallsFor = viaHelpers): GraphileTaskList {
  const list: GraphileTaskList = {};
  for (const [name, task] of Object.entries(userTasks)) {
    if (name.startsWith('flowstage__')) {
      throw new Error(`task name ${name}: the flowstage__ prefix is reserved for flowstage's own tasks`);
    }
    if (typeof task !== 'function') throw new Error(`task ${name}: must be a function`);
    list[name] = wrapUserTask(name, task, callsFor);
  }
  return { ...list, ...(flowstageTasksWith(callsFor) as unknown as GraphileTaskList) };
}
