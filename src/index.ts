// flowstage's public API: re-exports only.
export * from './generated/index.js';
export { FlowstageError, parseCyclePath, parseStagedEdge } from './client/errors.js';
export type { CyclePath, PgErrorLike, StagedEdge } from './client/errors.js';
export type { JsonValue, Queryable, QueryResultLike } from './client/queryable.js';
export { buildCall, toFlowstageError } from './client/runtime.js';
export type { Argument } from './client/runtime.js';
export { withRevisionRetry } from './client/retry.js';
export type { RevisionAttempt, RevisionRetryOptions } from './client/retry.js';
export { createPool, withTransaction } from './client/connect.js';
export type { ConnectionPool } from './client/connect.js';
export { MigratePermissionError, migrate } from './migrate.js';
export type { MigrateOptions } from './migrate.js';
export { run, quietLogFactory, SuspendedError } from './worker/index.js';
export type {
  FlowFinishedEvent,
  FlowstageEventMap,
  FlowstageEvents,
  RunOptions,
  FlowstageHelpers,
  FlowstageTask,
  TaskList,
  SuspendOptions,
  RetryScheduledEvent,
} from './worker/index.js';
export { FlowWaitAbortedError, FlowWaitTimeoutError, waitForFlow } from './client/wait.js';
export type { FinishedFlow, WaitForFlowOptions } from './client/wait.js';
export { FlowPlan, uuidV5 } from './client/plan.js';
export type {
  GroupPolicy,
  PlanStep,
  RunPolicy,
  PlanSteps,
  SubmitPlanJson,
  SubmitPlanOptions,
  SubmittedPlan,
} from './client/plan.js';
export { flowToHtml } from './client/html.js';
export type { FlowHtmlOptions } from './client/html.js';
export { defineTasks } from './worker/typed.js';
export type {
  MissingInputs,
  StepOptions,
  TaskDefinitions,
  UnknownInputs,
  TaskInput,
  TaskOutput,
  TaskTypes,
  TypedStepOptions,
  TypedTask,
  TypedTaskList,
} from './worker/typed.js';
export { startDashboard } from './dashboard/index.js';
export type { Dashboard, DashboardOptions } from './dashboard/index.js';
