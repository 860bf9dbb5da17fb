// Type-level tests of defineTasks (checked by `npm run test:types`): the line after each
// ts-expect-error directive must fail to compile; the rest must compile.
import { FlowPlan, defineTasks, run, type TaskInput, type TaskOutput } from '../../src/index.js';

type Etl = {
  extract: { input: { source: string }; output: { rows: number[] } };
  transform: { input: { extracted: { rows: number[] }; factor?: number }; output: { rows: number[] } };
  load: { input: { transformed: { rows: number[] } }; output: { loaded: number } };
};
const tasks = defineTasks<Etl>();
const flowId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';

export async function implementations(): Promise<void> {
  await run({
    connectionString: 'postgres://localhost/db',
    taskList: tasks.implement({
      extract: async ({ source }) => ({ rows: [source.length] }),
      transform: ({ extracted, factor = 2 }) => ({ rows: extracted.rows.map((n) => n * factor) }),
      load: async ({ transformed }, helpers) => {
        helpers.logger.info(`${helpers.executionId}`);
        return { loaded: transformed.rows.length };
      },
    }),
  });
  tasks.implement({
    extract: async () => ({ rows: [] }),
    // @ts-expect-error the payload has no key `page` (TS2339)
    transform: async ({ page }) => ({ rows: page }),
    load: async () => ({ loaded: 0 }),
  });
  tasks.implement({
    // @ts-expect-error the result must be { rows: number[] }
    extract: async () => ({ rows: 'many' }),
    transform: async () => ({ rows: [] }),
    load: async () => ({ loaded: 0 }),
  });
  // @ts-expect-error every declared task needs a function (load is missing)
  tasks.implement({ extract: async () => ({ rows: [] }), transform: async () => ({ rows: [] }) });
  const loaded: TaskOutput<Etl, 'load'> = { loaded: 3 };
  void loaded;
  // Untyped task lists keep working: the payload is unknown.
  await run({ connectionString: 'postgres://localhost/db', taskList: { any: async (payload) => payload } });
}

export function steps(): void {
  const plan = new FlowPlan(flowId, {
    extract: tasks.step('extract', { payload: { source: 'demo' } }),
    transform: tasks.step('transform', { inputs: { extracted: 'extract' }, priority: 2 }),
    load: tasks.step('load', { inputs: { transformed: 'transform' } }),
    untyped: { task: 'whatever', after: ['load'] },
  });
  void plan.executionIds.load;
  // @ts-expect-error no task is called publish
  tasks.step('publish');
  // @ts-expect-error the required input `source` is given neither in payload nor by inputs
  tasks.step('extract');
  // @ts-expect-error `source` must be a string
  tasks.step('extract', { payload: { source: 42 } });
  // @ts-expect-error transform has no input key `page`
  tasks.step('transform', { inputs: { extracted: 'extract', page: 'extract' } });
  void new FlowPlan(flowId, {
    extract: tasks.step('extract', { payload: { source: 'demo' } }),
    // @ts-expect-error an input from a step the plan does not define
    transform: tasks.step('transform', { inputs: { extracted: 'extarct' } }),
  });
}

export function optionalInputs(): void {
  const more = defineTasks<{
    ping: { input: { note?: string }; output: null };
    echo: { input: { text: string }; output: string };
  }>();
  // A task whose inputs are all optional needs no options.
  void new FlowPlan(flowId, { ping: more.step('ping'), echo: more.step('echo', { payload: { text: 'hi' }, after: ['ping'] }) });
  // @ts-expect-error echo's text is required
  more.step('echo');
  const input: TaskInput<Etl, 'transform'> = { extracted: { rows: [] } };
  void input;
}
