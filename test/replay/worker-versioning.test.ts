import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { z } from 'zod';
import { AgentRunHandle } from '../../src/client';
import { connectClient } from '../../src/config/connect';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { defineTool } from '../../src/tools/define-tool';
import { createWorker } from '../../src/worker';
import { historyEvents } from '../helpers/agent';
import { installQuietRuntime, testConfig, testWorkflowBundlePath, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

/** A tool that says which build ran it, and one that needs approval (so a run can wait across the deploy). */
function buildTools(build: string) {
  return [
    defineTool({ name: 'which_build', description: 'Says which build ran the call.', input: z.object({}), run: async () => `build ${build}` }),
    defineTool({ name: 'deploy', description: 'Deploys (needs approval).', input: z.object({ service: z.string() }), requiresApproval: true, run: async ({ service }) => `${service} deployed by build ${build}` }),
  ];
}

/** Waits until the deployment lists `buildId`, then makes it the version new runs go to. */
async function makeCurrent(client: Client, deploymentName: string, buildId: string): Promise<void> {
  const version = `${deploymentName}.${buildId}`;
  // The server refuses (FAILED_PRECONDITION) until the build polls every task queue type the current version polls.
  await until(`build ${buildId} to become current`, async () => {
    const response = await client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName }).catch(() => undefined);
    if (!response?.workerDeploymentInfo?.versionSummaries?.some((summary) => summary.version === version)) return undefined;
    return client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, version }).then(
      () => true,
      () => undefined,
    );
  });
}

/** The build ids of the workers that completed a run's workflow tasks, from its history. */
async function workflowTaskBuilds(client: Client, workflowId: string): Promise<string[]> {
  const events = await historyEvents(client.workflow.getHandle(workflowId));
  const builds = events.flatMap((event) => {
    const completed = event.workflowTaskCompletedEventAttributes;
    const build = completed?.deploymentVersion?.buildId ?? completed?.workerVersion?.buildId;
    return build ? [build] : [];
  });
  return [...new Set(builds)];
}

/**
 * A large change to the loop ships as a new Worker Deployment Version (docs/versioning.md): a run started on build A
 * stays pinned to A and finishes there, while runs started after B became current go to B. Two workers of the same
 * task queue, one per build, on the dev server.
 */
describe('Worker Versioning: runs stay on the build that started them', () => {
  jest.setTimeout(180_000);

  it('a run started on build A finishes on A while new runs go to build B', async () => {
    installQuietRuntime();
    const config = testConfig();
    const taskQueue = uniqueTaskQueue('versions');
    const deploymentName = `durable-agent-${taskQueue}`;
    const script = {
      turns: [
        { toolCalls: [{ name: 'which_build', arguments: {} }, { name: 'deploy', arguments: { service: 'api' } }] },
        { content: 'Done: {{observations}}' },
      ],
    };
    const model = await startScriptedModel(compileScript(script));
    const client = await connectClient(config);
    const connections: NativeConnection[] = [];
    const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
    const startBuild = async (buildId: string) => {
      const connection = await NativeConnection.connect(config.connectionOptions);
      connections.push(connection);
      const worker = await createWorker({
        config,
        connection,
        taskQueue,
        tools: buildTools(buildId),
        builtinTools: false,
        model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
        workflowBundle: { codePath: testWorkflowBundlePath() },
        deployment: { name: deploymentName, buildId },
      });
      workers.push({ worker, running: worker.run() });
    };
    try {
      await startBuild('A');
      await makeCurrent(client, deploymentName, 'A');
      const onA = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-started-on-a`, args: [{ goal: 'deploy, waiting across a deploy' }] });
      const runA = new AgentRunHandle(client, onA.workflowId, 'default');
      await until('run A to wait for approval', async () => ((await runA.pending()).approvals.length === 1 ? true : undefined));

      // The deploy: build B starts and becomes current while run A waits.
      await startBuild('B');
      await makeCurrent(client, deploymentName, 'B');
      const onB = await client.workflow.start('agentWorkflow', { taskQueue, workflowId: `${taskQueue}-started-on-b`, args: [{ goal: 'a new run after the deploy' }] });
      const runB = new AgentRunHandle(client, onB.workflowId, 'default');
      await until('run B to wait for approval', async () => ((await runB.pending()).approvals.length === 1 ? true : undefined));

      await runA.approve('s1-2');
      await runB.approve('s1-2');
      const resultA = (await onA.result()) as AgentRunResult;
      const resultB = (await onB.result()) as AgentRunResult;
      // Each run's calls ran on its own build, and every workflow task was completed by it.
      expect(resultA.status).toBe('final');
      expect(resultA.answer).toContain('build A');
      expect(resultA.answer).toContain('api deployed by build A');
      expect(resultA.answer).not.toContain('build B');
      expect(resultB.answer).toContain('api deployed by build B');
      expect(resultB.answer).not.toContain('build A');
      expect(await workflowTaskBuilds(client, onA.workflowId)).toEqual(['A']);
      expect(await workflowTaskBuilds(client, onB.workflowId)).toEqual(['B']);
      const described = await client.workflow.getHandle(onA.workflowId).describe();
      expect(described.raw.workflowExecutionInfo?.versioningInfo?.behavior).toBeTruthy();
    } finally {
      for (const { worker } of workers) worker.shutdown();
      await Promise.allSettled(workers.map(({ running }) => running));
      await sleep(10);
      for (const connection of connections) await connection.close();
      await client.connection.close();
      await model.close();
    }
  });
});
