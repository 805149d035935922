import type { AgentDefinition } from '../../src/contracts/agent-definition';
import type { RunEvent } from '../../src/contracts/interaction-schemas';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { cliEnvironment, runCli } from '../helpers/cli';
import { withTestWorker } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';

const RESEARCHER: AgentDefinition = { name: 'researcher', description: 'finds things', instructions: 'You are researcher.', model: 'researcher-model', tools: ['sleep'] };

/** `follow` of a run that calls a sub-agent: the child's events come nested under the call that started it. */
describe('durable-agent follow with sub-agents (docs/sub-agents.md)', () => {
  jest.setTimeout(120_000);

  it("prints a child's events under its call, indented and labelled with the call and the agent, and in JSON with their path", async () => {
    const parent = { turns: [{ toolCalls: [{ name: 'agent__researcher', arguments: { goal: 'look it up' } }] }, { content: 'parent done' }] };
    const child = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'in-child', ms: 10 } }] }, { content: 'child done' }] };
    const model = await startScriptedModel(compileScript(parent), { scriptsByModel: new Map([['researcher-model', compileScript(child)]]) });
    try {
      await withTestWorker(
        'follow-agents',
        async ({ client, taskQueue }) => {
          const workflowId = `${taskQueue}-parent`;
          await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Delegate' }] });
          const env = cliEnvironment(taskQueue);
          const text = await runCli(['follow', workflowId, '--no-text'], env, 60_000);
          expect(text.code).toBe(0);
          const lines = text.stdout.split('\n');
          const started = lines.findIndex((line) => /step 1 call_started s1-1 agent__researcher/.test(line));
          const nested = lines.findIndex((line) => line.startsWith('    [s1-1 researcher] ') && line.includes('call_started s1-1 sleep'));
          expect(started).toBeGreaterThanOrEqual(0);
          expect(nested).toBeGreaterThan(started);
          expect(lines.some((line) => line.startsWith('    [s1-1 researcher] ') && line.includes('run_ended'))).toBe(true);

          const json = await runCli(['follow', workflowId, '--json'], env, 60_000);
          const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as RunEvent & { path?: string; agents?: string[] });
          const childEvents = events.filter((event) => event.path === 's1-1');
          expect(childEvents.length).toBeGreaterThan(3);
          expect(childEvents.every((event) => event.agents?.join() === 'researcher')).toBe(true);
          expect(childEvents.some((event) => event.type === 'call_finished' && event.tool === 'sleep')).toBe(true);
          // The followed run's own events are as before: no path.
          expect(events.filter((event) => event.path === undefined).some((event) => event.type === 'run_ended')).toBe(true);
        },
        { tools: createTestTools().tools, agents: [RESEARCHER], model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 } },
      );
    } finally {
      await model.close();
    }
  });
});
