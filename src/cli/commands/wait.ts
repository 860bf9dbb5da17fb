// `flowstage wait <flow_id>`: wait until the flow leaves open; exit 0 only when it completed.
import { FlowWaitAbortedError, FlowWaitTimeoutError, waitForFlow } from '../../client/wait.js';
import { UsageError, str, type Command } from '../command.js';
import { json } from '../format.js';

const command: Command = {
  order: 80,
  args: ['flow_id'],
  summary: 'wait until the flow completes, fails or is cancelled',
  description:
    'Waits until the flow leaves open (waitForFlow: polls ff_describe_flow with backoff, and LISTENs on\n' +
    "flowstage:<namespace>, which wakes it at once when the namespace's notifications are on), then prints its state.\n" +
    'Exit 0 when it completed; 1 when it failed or was cancelled, or at the timeout.',
  options: {
    timeout: { type: 'string', value: 'SECONDS', help: 'give up after this many seconds (default: wait as long as it takes)' },
    json: { type: 'boolean', help: 'print the final description as JSON' },
  },
  run: async (ctx) => {
    const [flowId] = ctx.args;
    const timeout = str(ctx, 'timeout');
    if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout))
      throw new UsageError(`--timeout must be a number of seconds (got ${timeout})`);
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      let announced = false;
      const flow = await waitForFlow(ctx.url, flowId, {
        timeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
        signal: controller.signal,
        onCheck: (row) => {
          if (announced || row.public_flow_state !== 'open') return;
          announced = true;
          ctx.io.err(`waiting for flow ${flowId} (open)\n`);
        },
      });
      if (ctx.values.json) json(ctx, flow);
      else ctx.io.out(`${flowId} ${flow.public_flow_state}\n`);
      return flow.public_flow_state === 'completed' ? 0 : 1;
    } catch (error) {
      if (error instanceof FlowWaitTimeoutError) {
        ctx.io.err(`error: flow ${flowId} is still ${error.flow?.public_flow_state ?? 'open'} after ${timeout} s\n`);
        return 1;
      }
      if (error instanceof FlowWaitAbortedError) {
        ctx.io.err('interrupted\n');
        return 130;
      }
      throw error;
    } finally {
      process.off('SIGINT', interrupt);
    }
  },
};

export default command;
