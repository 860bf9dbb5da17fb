// `flowstage submit <plan.json>`: build or extend a flow from a plan file in one call.
import { randomUUID } from 'node:crypto';
import { submitFlow } from '../../generated/index.js';
import { JSON_OPTION, UsageError, intOption, str, withClient, type Command } from '../command.js';
import { json, keyValues } from '../format.js';
import { readPlan } from '../files.js';

const command: Command = {
  order: 70,
  args: ['plan.json'],
  summary: 'build or extend a flow from a plan file in one call',
  description:
    'Submits a plan file with ff_submit_flow: {"flow_id"?, "executions": [...], "edges": [...], "groups": [...]}\n' +
    '(- reads stdin), checked as a whole and written in one transaction: all of it or nothing. The flow is created\n' +
    "if new; a resubmission is already_submitted. The flow id is --flow-id, else the file's flow_id, else a new\n" +
    "uuid (printed). A failing step is not retried unless its run policy says so: --max-retries N sets the plan's\n" +
    "default_policy.max_retries (over the file's) for the executions the call creates.",
  options: {
    start: { type: 'boolean', help: 'start the flow in the same transaction' },
    'flow-id': { type: 'string', value: 'ID', help: "the flow (overrides the file's flow_id)" },
    namespace: { type: 'string', value: 'NS', help: 'the namespace of a new flow (default: default)' },
    'dry-run': { type: 'boolean', help: 'check and count, write nothing' },
    'max-retries': {
      type: 'string',
      value: 'N',
      help: 'retries after a failed attempt, for the executions it creates (default 0)',
    },
    json: JSON_OPTION,
  },
  run: async (ctx) => {
    const [file] = ctx.args;
    const { flow_id: fileFlowId, ...plan } = await readPlan(file);
    if (fileFlowId !== undefined && typeof fileFlowId !== 'string') throw new UsageError(`${file}: flow_id must be a string`);
    // Everything but flow_id is the plan, checked by ff_submit_flow (a misspelt section is refused there).
    const flowId = str(ctx, 'flow-id') ?? (fileFlowId as string | undefined) ?? randomUUID();
    const maxRetries = intOption(ctx, 'max-retries');
    if (maxRetries !== undefined) {
      // Checked by ff_submit_flow (invalid_input naming default_policy.max_retries), like the rest of the plan.
      const filePolicy = plan.default_policy;
      plan.default_policy = { ...(filePolicy && typeof filePolicy === 'object' ? filePolicy : {}), max_retries: maxRetries };
    }
    return withClient(ctx, async (db) => {
      const [row] = await submitFlow(db, {
        flowId,
        plan,
        start: ctx.values.start === true,
        dryRun: ctx.values['dry-run'] === true,
        namespace: str(ctx, 'namespace'),
      });
      if (ctx.values.json) return json(ctx, { flow_id: flowId, ...row });
      ctx.io.out(keyValues({ flow_id: flowId, ...row }));
      return 0;
    });
  },
};

export default command;
