// Typed tasks: declare each task's input (its payload, with the results of its data-passing parents
// merged in under their keys) and output (its result) once, and let tsc check both the functions
// that run them and the plan steps that name them:
//
//   const tasks = defineTasks<{
//     extract: { input: { source: string }; output: { rows: number[] } };
//     load: { input: { extracted: { rows: number[] } }; output: { loaded: number } };
//   }>();
//   await run({ connectionString, taskList: tasks.implement({
//     extract: async ({ source }) => ({ rows: [1, 2, 3] }),
//     load: async ({ extracted }) => ({ loaded: extracted.rows.length }),
//   }) });
//   new FlowPlan(flowId, {
//     extract: tasks.step('extract', { payload: { source: 'demo' } }),
//     load: tasks.step('load', { inputs: { extracted: 'extract' } }),
//   });
//
// Types only: at run time `implement` returns the functions it is given and `step` a plain PlanStep,
// so the database still decides everything (and an untyped TaskList or PlanStep keeps working).
// What tsc checks: a task function's payload and return type; a step's task name, that its payload
// and inputs use the task's input keys, and that together they provide every required input key.
// What it cannot check: that the step an input names produces that key's type (step names are
// plain strings to the plan), nor what a worker actually returns at run time.
import type { PlanStep } from '../client/plan.js';
import type { FlowstageHelpers, TaskList } from './tasks.js';

/** Each task's input (payload, data-passing parents' results included) and output (result). */
export type TaskTypes = { [task: string]: { input: object; output: unknown } };

/** What a task named `K` of `T` receives as its payload. */
export type TaskInput<T extends TaskTypes, K extends keyof T> = T[K]['input'];
/** What a task named `K` of `T` returns (stored as the execution's result, JSON). */
export type TaskOutput<T extends TaskTypes, K extends keyof T> = T[K]['output'];

/** A task function of `T`'s task `K`. */
export type TypedTask<T extends TaskTypes, K extends keyof T> = (
  payload: TaskInput<T, K>,
  helpers: FlowstageHelpers,
) => TaskOutput<T, K> | Promise<TaskOutput<T, K>>;

/** One function per task of `T`: a TaskList run() accepts. */
export type TypedTaskList<T extends TaskTypes> = { [K in keyof T]: TypedTask<T, K> };

type RequiredKeys<O> = { [P in keyof O]-?: object extends Pick<O, P> ? never : P }[keyof O];

/** A step's options besides its task, as the compiler infers them (step names kept literal for FlowPlan). */
export type StepOptions = Omit<PlanStep, 'task' | 'payload' | 'inputs'> & {
  /** Input keys given directly (JSON). */
  payload?: { readonly [key: string]: unknown };
  /** Input keys filled by the results of other steps (their data_passing_ref): key -> step name(s). */
  inputs?: { readonly [key: string]: string | readonly string[] };
};

/** What task K's step options must also satisfy: its payload holds input keys of the declared types. */
export type TypedStepOptions<T extends TaskTypes, K extends keyof T> = {
  payload?: { [P in keyof TaskInput<T, K>]?: TaskInput<T, K>[P] };
};

/** The required input keys of task K that neither `payload` nor `inputs` of O provide. */
export type MissingInputs<T extends TaskTypes, K extends keyof T, O> = Exclude<
  RequiredKeys<TaskInput<T, K>>,
  (O extends { payload: infer P } ? keyof P : never) | (O extends { inputs: infer I } ? keyof I : never)
>;

/** The `inputs` keys of O that are not input keys of task K. */
export type UnknownInputs<T extends TaskTypes, K extends keyof T, O> = Exclude<
  O extends { inputs: infer I } ? keyof I : never,
  keyof TaskInput<T, K>
>;

/** The tasks of T whose every input key is optional (their step needs no options). */
type TasksWithoutRequiredInputs<T extends TaskTypes> = {
  [K in Extract<keyof T, string>]: [RequiredKeys<TaskInput<T, K>>] extends [never] ? K : never;
}[Extract<keyof T, string>];

/** unknown when O is right for task K; else a type O cannot meet, whose property names the problem. */
type InputsCheck<T extends TaskTypes, K extends keyof T, O> = ([MissingInputs<T, K, O>] extends [never]
  ? unknown
  : { missingInputs: MissingInputs<T, K, O> }) &
  ([UnknownInputs<T, K, O>] extends [never] ? unknown : { unknownInputs: UnknownInputs<T, K, O> });

export interface TaskDefinitions<T extends TaskTypes> {
  /** The task functions, checked against the declared types; pass the result to run()'s taskList. */
  implement(tasks: TypedTaskList<T>): TaskList & TypedTaskList<T>;
  /**
   * A FlowPlan step that runs task `task`. Its payload and inputs may only use the task's input
   * keys, and together they must provide every required one (else: a compile error naming the
   * missing keys as `missingInputs`).
   */
  step<K extends TasksWithoutRequiredInputs<T>>(task: K): { task: K };
  step<K extends TasksWithoutRequiredInputs<T>, const O extends StepOptions = Record<never, never>>(
    task: K,
    options?: O & NoInfer<TypedStepOptions<T, K> & InputsCheck<T, K, O>>,
  ): O & { task: K };
  step<K extends Extract<keyof T, string>, const O extends StepOptions>(
    task: K,
    options: O & NoInfer<TypedStepOptions<T, K> & InputsCheck<T, K, O>>,
  ): O & { task: K };
}

/**
 * Declares task types once: `defineTasks<{ name: { input: ...; output: ... } }>()`. The returned
 * object types run()'s task functions (`implement`) and FlowPlan steps (`step`).
 */
export function defineTasks<T extends TaskTypes>(): TaskDefinitions<T> {
  return {
    implement: (tasks) => tasks as TaskList & TypedTaskList<T>,
    step: (task: string, options?: object) => ({ ...options, task }) as never,
  };
}
