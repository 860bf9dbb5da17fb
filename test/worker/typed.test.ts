// defineTasks at run time (its types are checked by test/types/tasks.ts): implement hands back the
// functions run() takes, and step builds the plain PlanStep FlowPlan submits.
import test from 'ava';
import { FlowPlan, defineTasks } from '../../src/index.js';

type Etl = {
  extract: { input: { source: string }; output: { rows: number[] } };
  load: { input: { extracted: { rows: number[] } }; output: { loaded: number } };
};

test('implement returns the task functions unchanged', (t) => {
  const extract = async ({ source }: { source: string }) => ({ rows: [source.length] });
  const load = async ({ extracted }: { extracted: { rows: number[] } }) => ({ loaded: extracted.rows.length });
  const list = defineTasks<Etl>().implement({ extract, load });
  t.deepEqual(Object.keys(list), ['extract', 'load']);
  t.is(list.extract, extract);
  t.is(list.load, load);
});

test('step is a FlowPlan step with task set: the plan JSON names the task, payload and data-passing edge', (t) => {
  const tasks = defineTasks<Etl>();
  const plan = new FlowPlan('6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', {
    extract: tasks.step('extract', { payload: { source: 'orders.csv' }, priority: 3 }),
    load: tasks.step('load', { inputs: { extracted: 'extract' } }),
  });
  const json = plan.toJSON();
  t.deepEqual(
    json.executions.map(({ task_identifier, payload, priority }) => ({ task_identifier, payload, priority })),
    [
      { task_identifier: 'extract', payload: { source: 'orders.csv' }, priority: 3 },
      { task_identifier: 'load', payload: undefined, priority: undefined },
    ],
  );
  t.deepEqual(
    json.edges.map((e) => e.data_passing_ref),
    ['extracted'],
  );
});
