// `flowstage describe <flow_id>`: the flow's fields, every member and its edge groups.
import { describeFlow, listMembers } from '../../generated/index.js';
import { JSON_OPTION, withClient, type Command } from '../command.js';
import { type GroupJson, allPages, json, keyValues, policyText, table } from '../format.js';

const command: Command = {
  order: 10,
  args: ['flow_id'],
  summary: 'the flow, its members and its edge groups',
  description: "Prints the flow's fields (ff_describe_flow), every member (ff_list_members) and its edge groups.",
  options: { json: JSON_OPTION },
  run: (ctx) =>
    withClient(ctx, async (db) => {
      const [flowId] = ctx.args;
      const [flow] = await describeFlow(db, { flowId });
      const members = await allPages(
        (after) => listMembers(db, { flowId, after, limit: 1000 }),
        (m) => m.execution_id,
      );
      if (ctx.values.json) return json(ctx, { ...flow, members });
      const { edge_groups: groups, raw_fields: _raw, ...fields } = flow;
      ctx.io.out(keyValues(fields));
      ctx.io.out(`\nmembers (${members.length})\n`);
      ctx.io.out(table(members, ['execution_id', 'task_identifier', 'public_state', 'eligibility_state', 'terminal_outcome']));
      const groupRows = (groups as unknown as GroupJson[]).map((g) => ({
        downstream_execution_id: g.downstream_execution_id,
        policy: policyText(g.policy),
        decision: g.decision,
        success: g.success_count,
        fail: g.fail_count,
        skip: g.skip_count,
        running: g.running_count,
      }));
      ctx.io.out(`\nedge groups (${groupRows.length})\n`);
      ctx.io.out(table(groupRows, ['downstream_execution_id', 'policy', 'decision', 'success', 'fail', 'skip', 'running']));
      return 0;
    }),
};

export default command;
