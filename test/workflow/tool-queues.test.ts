import { NativeConnection } from '@temporalio/worker';
import { ERROR_TYPES } from '../../src/contracts/error-types';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { createWorker } from '../../src/worker';
import { historyEvents, recordHistory, withAgent } from '../helpers/agent';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** Starts a tool worker (role `tools`) serving `sleep` on its own queue; returns a stop function. */
async function startToolWorker(taskQueue: string, tools = createTestTools().tools.filter((tool) => tool.spec.name === 'sleep')) {
  const config = testConfig();
  const connection = await NativeConnection.connect(config.connectionOptions);
  const worker = await createWorker({ config, connection, taskQueue, tools, builtinTools: false, role: 'tools' });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Worker roles (issue 17 item 2): tools served by their own workers on their own queues, against the real server. */
describe('tool workers on their own task queues', () => {
  jest.setTimeout(120_000);

  it("a run uses the tools of a tool queue: its catalogue is read there and the calls go there, not to the agent's worker", async () => {
    const toolQueue = uniqueTaskQueue('tools-net');
    const tools = await startToolWorker(toolQueue);
    try {
      const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'remote', ms: 5 } }] }, FINAL] };
      // The agent's worker has no `sleep` of its own (built-ins only).
      await withAgent(script, [], async ({ run }) => {
        const { handle, result } = await run({ goal: 'use a remote tool', planner: 'activity', toolQueues: [toolQueue], allowedTools: ['sleep'] });
        expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
        expect(result.answer).toContain('"label":"remote"');
        const events = await historyEvents(handle);
        const scheduled = events.flatMap((event) => {
          const attributes = event.activityTaskScheduledEventAttributes;
          return attributes ? [`${attributes.activityType?.name ?? ''}@${attributes.taskQueue?.name === toolQueue ? 'tools' : 'agent'}`] : [];
        });
        expect(scheduled).toEqual(['describeTools@agent', 'describeTools@tools', 'plan@agent', 'sleep@tools', 'plan@agent']);
        await recordHistory(handle, 'agent-tool-queue');
      });
    } finally {
      await tools.stop();
    }
  });

  it('a tool queue no worker serves fails the run at once, and a call whose worker went away fails with ToolUnavailable', async () => {
    const toolQueue = uniqueTaskQueue('tools-gone');
    // The model takes 1.5 s to answer the gated run, long enough for its tool worker to leave first.
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'orphan', ms: 5 } }], delayMs: 1_500 }, FINAL] };
    await withAgent(script, [], async ({ run, start }) => {
      const missing = await run({ goal: 'nobody serves it', toolQueues: [uniqueTaskQueue('nobody')] });
      expect(missing.result).toMatchObject({ status: 'failed', error: { type: ERROR_TYPES.toolUnavailable } });
      expect(missing.result.error?.message).toMatch(/could not read the tools of task queue "test-nobody-[^"]+": no worker took it within 10 s/);

      // The tool worker answers the catalogue, then stops while the model thinks, before the call is made.
      const tools = await startToolWorker(toolQueue);
      const handle = await start({ goal: 'the worker leaves', toolQueues: [toolQueue], toolUnavailableAfterMs: 2_000 });
      await until('the model call to start (the catalogue was read)', async () => ((await historyEvents(handle)).some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'plan') ? true : undefined), 30_000, 50);
      await tools.stop();
      const result = (await handle.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 0, failed: 1 } });
      expect(result.answer).toContain(`${ERROR_TYPES.toolUnavailable}: no worker took the call on task queue "${toolQueue}" in time`);
    });
  });
});
