// `flowstage explain <flow_id> <execution_id>`: why an execution is where it is.
import { explainExecution } from '../../generated/index.js';
import { JSON_OPTION, withClient, type Command } from '../command.js';
import { type GroupJson, json, keyValues, policyText, table } from '../format.js';

const command: Command = {
  order: 50,
  args: ['flow_id', 'execution_id'],
  summary: 'why an execution is where it is',
  description:
    'Prints one line saying why the execution is where it is (ff_explain_execution), then its state, group and inbound edges.',
  options: { json: JSON_OPTION },
  run: (ctx) =>
    withClient(ctx, async (db) => {
      const [flowId, executionId] = ctx.args;
      const [row] = await explainExecution(db, { flowId, executionId });
      if (ctx.values.json) return json(ctx, row);
      ctx.io.out(`${row.reason}\n\n`);
      ctx.io.out(
        keyValues({
          execution_id: row.execution_id,
          lifecycle_phase: row.lifecycle_phase,
          public_state: row.public_state,
          eligibility_state: row.eligibility_state,
          blocking_reason: row.blocking_reason,
          terminal_outcome: row.terminal_outcome,
          group_policy: row.group_policy === null ? null : policyText(row.group_policy as GroupJson['policy']),
          group_decision: row.group_decision,
          group_counts:
            row.group_policy === null
              ? null
              : `success ${row.success_count}, fail ${row.fail_count}, skip ${row.skip_count}, running ${row.running_count}`,
        }),
      );
      const edges = (row.inbound_edges ?? []) as Record<string, unknown>[];
      ctx.io.out(`\ninbound edges (${edges.length})\n`);
      ctx.io.out(table(edges, ['edge_id', 'upstream_execution_id', 'edge_state', 'upstream_public_state', 'upstream_outcome']));
      return 0;
    }),
};

export default command;
