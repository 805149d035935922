import { AgentClient } from '../../src/client';
import { newestRuns } from '../../src/client/run-list';
import { connectClient } from '../../src/config/connect';
import { AGENT_WORKFLOW_TYPE } from '../../src/contracts/definitions';
import { FEATURES } from '../../src/workflows/agent/features';
import { historyEvents, patchIdsOf, recordHistory, withAgent } from '../helpers/agent';
import { agentClientFor, testKeys } from '../helpers/encryption';
import { createTestTools } from '../helpers/test-tools';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/**
 * `list` is newest first by start time, although the dev server's visibility store lists open runs first and closed
 * ones by close time. No worker polls the queue: runs stay open until terminated, which closes them in a chosen order.
 */
describe('newestRuns', () => {
  jest.setTimeout(60_000);

  it('orders open and closed runs by start time, including a run that started late and closed early', async () => {
    const client = await connectClient(testConfig());
    const taskQueue = uniqueTaskQueue('list-order');
    try {
      const started: string[] = [];
      for (const name of ['open-oldest', 'closed-last', 'closed-first-newest']) {
        const workflowId = `${taskQueue}-${name}`;
        await client.workflow.start(AGENT_WORKFLOW_TYPE, { taskQueue, workflowId, args: [] });
        started.push(workflowId);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const [openOldest, closedLast, newest] = started as [string, string, string];
      await client.workflow.getHandle(newest).terminate('test: closes first');
      await client.workflow.getHandle(closedLast).terminate('test: closes last');

      const query = `WorkflowType = '${AGENT_WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}'`;
      // Visibility is eventually consistent: wait until the store shows both closed runs.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const closed = await client.workflow.count(`${query} AND ExecutionStatus = 'Terminated'`);
        if (closed.count === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }

      expect((await newestRuns(client, query, 3)).map((run) => run.workflowId)).toEqual([newest, closedLast, openOldest]);
      expect((await newestRuns(client, query, 2)).map((run) => run.workflowId)).toEqual([newest, closedLast]);
      // With one row, the first pass only sees the run closed last; the second pass finds the newer one.
      expect((await newestRuns(client, query, 1)).map((run) => run.workflowId)).toEqual([newest]);
      await client.workflow.getHandle(openOldest).terminate('test: done');
    } finally {
      await client.connection.close();
    }
  });

  it('lists each run with its goal, from the AgentGoal search attribute the client sets at start', async () => {
    const agents = await AgentClient.connect(testConfig());
    try {
      const taskQueue = uniqueTaskQueue('list-goal');
      const goal = `Find the goal of run ${taskQueue} in the list, although this goal is longer than the list keeps of it`;
      const run = await agents.start({ goal }, { taskQueue });
      // Visibility is eventually consistent: a run just started may take a moment to be listed.
      const listed = await until(`${run.workflowId} in the list`, async () => (await agents.list({ limit: 1_000 })).find((entry) => entry.workflowId === run.workflowId));
      await agents.client.workflow.getHandle(run.workflowId).terminate('test: done');
      expect(listed.goal).toBe(`${goal.slice(0, 99)}…`);
    } finally {
      await agents.close();
    }
  });

  it('lists each run with its cost, from the AgentCostUsd search attribute the run keeps up to date', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'priced', ms: 10 } }] }, { content: 'done' }] };
    const prices = { scripted: { inputPerMillion: 1_000, outputPerMillion: 2_000 } };
    await withAgent(
      script,
      createTestTools().tools,
      async ({ taskQueue }) => {
        const agents = await AgentClient.connect(testConfig());
        try {
          const run = await agents.start({ goal: 'A run whose cost is listed' }, { taskQueue });
          const result = await run.result();
          const cost = result.usage.costUsd;
          expect(cost).toBeGreaterThan(0);
          const listed = await until(`${run.workflowId} listed with its cost`, async () =>
            (await agents.list({ limit: 1_000 })).find((entry) => entry.workflowId === run.workflowId && entry.costUsd !== undefined),
          );
          // The last upsert is the run's whole cost, as its result says.
          expect(listed.costUsd).toBeCloseTo(cost ?? 0, 12);
          const handle = agents.client.workflow.getHandle(run.workflowId);
          expect(patchIdsOf(await historyEvents(handle))).toContain(FEATURES.costAttribute);
          await recordHistory(handle, 'agent-cost-attribute');
        } finally {
          await agents.close();
        }
      },
      { prices },
    );
  });

  it('lists runs whose memo this process cannot decrypt (a retired key), instead of failing the whole list', async () => {
    const address = testConfig().address;
    const writer = await agentClientFor(address, testKeys('test-k1'));
    const reader = await agentClientFor(address, testKeys('test-k2'));
    const taskQueue = uniqueTaskQueue('list-retired-key');
    const workflowId = `${taskQueue}-run`;
    try {
      // A memo encrypted with test-k1 (as an ended run's event log is); no worker polls the queue.
      await writer.client.workflow.start(AGENT_WORKFLOW_TYPE, { taskQueue, workflowId, args: [], memo: { note: 'sealed with test-k1' } });
      await expect(reader.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/test-k1/);
      const listed = await until(`${workflowId} in the list`, async () => (await reader.list({ limit: 1_000 })).find((entry) => entry.workflowId === workflowId));
      expect(listed.executionStatus).toBe('RUNNING');
    } finally {
      await writer.client.workflow.getHandle(workflowId).terminate('test: done').catch(() => undefined);
      await writer.close();
      await reader.close();
    }
  });
});
