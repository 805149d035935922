import type { WorkflowHandle } from '@temporalio/client';
import type { AgentDefinition } from '../../src/contracts/agent-definition';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { compileScript, type Script } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { historyEvents, recordHistory, toolMessagesByCallId } from '../helpers/agent';
import { withTestWorker, type TestWorkerContext } from '../helpers/temporal';
import { until } from '../helpers/until';
import { AgentRunHandle } from '../../src/client';
import { statusWithSubAgents } from '../../src/client/sub-agent-tree';
import { createTestTools } from '../helpers/test-tools';

const agent = (name: string, extra: Partial<AgentDefinition> = {}): AgentDefinition => ({ name, description: `the ${name} agent`, instructions: `You are ${name}.`, model: `${name}-model`, ...extra });

const AGENTS: AgentDefinition[] = [
  agent('researcher', { tools: ['sleep'], budget: { maxTokens: 1_000_000 } }),
  agent('looper', { tools: ['agent__looper'] }),
  agent('stuck', { tools: ['sleep'], maxSteps: 1 }),
  agent('slow', { tools: ['blocked'] }),
  agent('gated', { tools: ['sleep'], requireApproval: ['sleep'] }),
  agent('asker', { tools: ['ask_user'] }),
  agent('spender', { tools: ['sleep'], budget: { maxTokens: 1, onExhausted: 'pause' } }),
  agent('patient', { tools: ['sleep', 'blob', 'strict'], requireApproval: ['strict'] }),
];

/** One script per agent's model: each call to an agent is a run of its own with the agent's model. */
const SCRIPTS: Record<string, Script> = {
  'researcher-model': { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'research', ms: 10 } }] }, { content: 'found: {{goal}}' }] },
  'looper-model': { turns: [{ toolCalls: [{ name: 'agent__looper', arguments: { goal: 'again' } }] }, { content: 'looper saw {{observations}}' }] },
  'stuck-model': { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'stuck', ms: 10 } }], repeat: 5 }] },
  'slow-model': { turns: [{ toolCalls: [{ name: 'blocked', arguments: { label: 'slow-agent' } }] }, { content: 'never' }] },
  'gated-model': { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'gated', ms: 10 } }] }, { content: 'gated done' }] },
  'asker-model': { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Which color?' } }] }, { content: 'asked: {{observations}}' }] },
  'spender-model': { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'spend', ms: 10 } }] }, { content: 'spent' }] },
  // Two free steps grow its history past a small handover size; the third waits for approval.
  'patient-model': {
    turns: [
      { toolCalls: [{ name: 'sleep', arguments: { label: 'patient-1', ms: 10 } }] },
      { toolCalls: [{ name: 'blob', arguments: { bytes: 12_000 } }] },
      { toolCalls: [{ name: 'strict', arguments: { count: 2 } }] },
      { content: 'patient done' },
    ],
  },
};

async function withAgents<T>(parentScript: Script, body: (context: TestWorkerContext & { model: ScriptedModelServer; testTools: ReturnType<typeof createTestTools> }) => Promise<T>): Promise<T> {
  const model = await startScriptedModel(compileScript(parentScript), { scriptsByModel: new Map(Object.entries(SCRIPTS).map(([name, script]) => [name, compileScript(script)])) });
  const testTools = createTestTools();
  try {
    return await withTestWorker('sub-agents', (context) => body({ ...context, model, testTools }), {
      tools: testTools.tools,
      agents: AGENTS,
      model: { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 },
    });
  } finally {
    await model.close();
  }
}

const childInput = async (handle: WorkflowHandle) => {
  const started = (await historyEvents(handle))[0]?.workflowExecutionStartedEventAttributes;
  return started;
};

describe('sub-agents: named agents as tools, each call a child run (docs/sub-agents.md)', () => {
  jest.setTimeout(120_000);

  it('calls agents in parallel as child runs whose answers come back as results and whose tokens count in the parent', async () => {
    const parent = {
      turns: [
        {
          toolCalls: [
            { name: 'agent__researcher', arguments: { goal: 'topic A' } },
            { name: 'agent__researcher', arguments: { goal: 'topic B' } },
          ],
        },
        { content: 'both: {{observations}}' },
      ],
    };
    await withAgents(parent, async ({ client, taskQueue }) => {
      // The id is the recorded history's name: the replay test replays it under that workflow id (children's ids follow it).
      const workflowId = 'agent-sub-agents';
      const result = (await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Research two topics', budget: { maxTokens: 50_000 } }] })) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      expect(result.answer).toContain('found: topic A');
      expect(result.answer).toContain('found: topic B');
      const children = await Promise.all(['s1-1', 's1-2'].map(async (callId) => (await client.workflow.getHandle(`${workflowId}.${callId}`).result()) as AgentRunResult));
      // The parent's usage is its own two model calls plus its children's.
      const childTokens = children.reduce((sum, child) => sum + child.usage.inputTokens + child.usage.outputTokens, 0);
      expect(childTokens).toBeGreaterThan(0);
      expect(result.usage.modelCalls).toBe(2);
      expect(result.usage.inputTokens + result.usage.outputTokens).toBeGreaterThan(childTokens);
      // A child: the agent's instructions, its own tools, a budget never above what its parent had left, its summary.
      const started = await childInput(client.workflow.getHandle(`${workflowId}.s1-1`));
      expect(started?.parentWorkflowExecution?.workflowId).toBe(workflowId);
      const description = await client.workflow.getHandle(`${workflowId}.s1-1`).describe();
      expect(await description.staticSummary()).toBe('researcher, for "Research two topics": topic A');
      await recordHistory(client.workflow.getHandle(workflowId), 'agent-sub-agents');
    });
  });

  it('gives children at most what the parent has left of its budget', async () => {
    await withAgents({ turns: [{ toolCalls: [{ name: 'agent__researcher', arguments: { goal: 'cheap' } }] }, { content: 'done' }] }, async ({ client, taskQueue }) => {
      const workflowId = `${taskQueue}-budget`;
      await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Within a budget', budget: { maxTokens: 50_000 } }] });
      const childHistory = await historyEvents(client.workflow.getHandle(`${workflowId}.s1-1`));
      const payload = childHistory[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      const input = JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as { budget?: { maxTokens?: number }; agentPath?: string[]; systemPrompt?: string };
      // The agent's own limit is a million tokens; its parent had under 50,000 left.
      expect(input.budget?.maxTokens).toBeLessThan(50_000);
      expect(input).toMatchObject({ agentPath: ['researcher'], systemPrompt: 'You are researcher.' });
    });
  });

  it('refuses a cycle, and tells the parent of a child that ended without an answer as a typed tool error', async () => {
    const parent = {
      turns: [
        {
          toolCalls: [
            { name: 'agent__looper', arguments: { goal: 'loop' } },
            { name: 'agent__stuck', arguments: { goal: 'never finish' } },
          ],
        },
        { content: 'parent saw {{observations}}' },
      ],
    };
    await withAgents(parent, async ({ client, taskQueue }) => {
      const workflowId = `${taskQueue}-failures`;
      const result = (await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Try the broken agents' }] })) as AgentRunResult;
      // The parent is final: the looper answered (its own call of itself was refused), the stuck one failed as a tool.
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 1 } });
      const looper = (await client.workflow.getHandle(`${workflowId}.s1-1`).result()) as AgentRunResult;
      expect(looper.answer).toContain('AgentCycle');
      expect(looper.answer).toContain('looper → looper');
      const messages = await toolMessagesByCallId(client.workflow.getHandle(workflowId));
      expect([...messages.values()].some((message) => message.includes('SubAgentFailed') && message.includes('agent stuck ended max_steps'))).toBe(true);
    });
  });

  it("lists a child's approvals and questions in the parent's pending, with their path, and takes their answers through the parent", async () => {
    const parent = {
      turns: [
        {
          toolCalls: [
            { name: 'agent__gated', arguments: { goal: 'sleep, once approved' } },
            { name: 'agent__asker', arguments: { goal: 'ask for a color' } },
          ],
        },
        { content: 'parent saw {{observations}}' },
      ],
    };
    await withAgents(parent, async ({ client, taskQueue }) => {
      const workflowId = `${taskQueue}-people`;
      await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Work with people through agents' }] });
      const handle = new AgentRunHandle(client, workflowId, 'default');
      const pending = await until('the children waiting for people', async () => {
        const seen = await handle.pending();
        return seen.approvals.length === 1 && seen.questions.length === 1 ? seen : undefined;
      });
      expect(pending.approvals[0]).toMatchObject({ callId: 's1-1/s1-1', tool: 'sleep', agents: ['gated'] });
      expect(pending.questions[0]).toMatchObject({ questionId: 's1-2/s1-1', question: 'Which color?', agents: ['asker'] });
      await handle.approve('s1-1/s1-1');
      expect(await handle.reply('blue', 's1-2/s1-1')).toEqual({ questionId: 's1-2/s1-1' });
      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      expect(result.answer).toContain('gated done');
      expect(result.answer).toContain('blue');
      await expect(handle.approve('s9-9/s1-1')).rejects.toThrow();
    });
  });

  it('a child paused on its budget makes the parent wait for budget, naming it; raise-budget on the parent lets the child go on', async () => {
    await withAgents({ turns: [{ toolCalls: [{ name: 'agent__spender', arguments: { goal: 'spend tokens' } }] }, { content: 'parent saw {{observations}}' }] }, async ({ client, taskQueue }) => {
      const workflowId = `${taskQueue}-child-budget`;
      await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Spend through an agent', budget: { maxTokens: 50_000 } }] });
      const handle = new AgentRunHandle(client, workflowId, 'default');
      const tree = await until('the child to pause on its budget', async () => {
        const found = await handle.subAgents().catch(() => []);
        return found[0]?.state.status === 'waiting_for_budget' ? found : undefined;
      });
      expect(tree[0]).toMatchObject({ path: 's1-1', agents: ['spender'], workflowId: `${workflowId}.s1-1`, state: { budget: { maxTokens: 1, onExhausted: 'pause' } } });
      const parentState = await handle.state();
      expect(parentState.status).toBe('running');
      expect(statusWithSubAgents(parentState.status, tree)).toMatchObject({ status: 'waiting_for_budget', waitingOn: { path: 's1-1' } });

      const raised = await handle.raiseBudgets({ maxTokens: 60_000 });
      // The parent's own limit goes up; the child gets what the parent then has left (its limit counts its own tokens).
      expect(raised.budget).toMatchObject({ maxTokens: 60_000 });
      expect(raised.subAgents).toHaveLength(1);
      expect(raised.subAgents[0]).toMatchObject({ path: 's1-1', agents: ['spender'] });
      const given = raised.subAgents[0]?.budget.maxTokens ?? 0;
      expect(given).toBeGreaterThan(50_000);
      expect(given).toBeLessThan(60_000);
      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      expect(result.answer).toContain('spent');
    });
  });

  it("answers a sub-agent's one open question through the parent without its id", async () => {
    await withAgents({ turns: [{ toolCalls: [{ name: 'agent__asker', arguments: { goal: 'ask' } }] }, { content: 'parent saw {{observations}}' }] }, async ({ client, taskQueue }) => {
      const workflowId = `${taskQueue}-reply`;
      await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Ask through an agent' }] });
      const handle = new AgentRunHandle(client, workflowId, 'default');
      await until('the question', async () => ((await handle.pending()).questions.length === 1 ? true : undefined));
      expect(await handle.reply('green')).toEqual({ questionId: 's1-1/s1-1' });
      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      expect(result.answer).toContain('green');
    });
  });

  it('takes an approval through the parent after both the parent and the child have continued as new', async () => {
    const parent = {
      turns: [
        { toolCalls: [{ name: 'sleep', arguments: { label: 'parent-1', ms: 10 } }] },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'parent-2', ms: 10 } }] },
        { toolCalls: [{ name: 'agent__patient', arguments: { goal: 'two free steps, then a call once approved' } }] },
        { content: 'parent saw {{observations}}' },
      ],
    };
    await withAgents(parent, async ({ client, taskQueue }) => {
      // The id is the recorded history's name: the replay test replays it under that workflow id.
      const workflowId = 'agent-sub-agent-handovers';
      // The smallest handover size: each run hands over at its next safe point, and the child inherits it.
      await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Hand over and wait', continueAsNewAtHistoryBytes: 10_000 }] });
      const handle = new AgentRunHandle(client, workflowId, 'default');
      const childId = `${workflowId}.s3-1`;
      const continued = async (id: string) => Boolean((await historyEvents(client.workflow.getHandle(id)))[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
      // The child's third step (s3-1) waits for approval; it hands over while it waits.
      await until('the child to wait for approval in a continued run', async () => {
        const pending = await handle.pending().catch(() => undefined);
        return pending?.approvals[0]?.callId === 's3-1/s3-1' && (await continued(childId)) ? true : undefined;
      }, 60_000);
      expect(await continued(workflowId)).toBe(true);
      await handle.approve('s3-1/s3-1');
      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final' });
      expect(result.answer).toContain('patient done');
      // Each run hands over only once it has done something (feature handover-progress-v1): the child's carried input
      // alone is over the handover size, and it used to hand over again and again while it waited.
      const executions = async (id: string) => {
        let count = 0;
        for await (const execution of client.workflow.list({ query: `WorkflowId = '${id}'` })) count += execution.workflowId === id ? 1 : 0;
        return count;
      };
      expect(await until('visibility to list the child chain', async () => ((await executions(childId)) >= 2 ? executions(childId) : undefined))).toBeLessThanOrEqual(5);
      await recordHistory(client.workflow.getHandle(workflowId), 'agent-sub-agent-handovers');
    });
  });

  it("runs an agent that names a task queue on that queue's workers", async () => {
    const model = await startScriptedModel(compileScript({ turns: [{ toolCalls: [{ name: 'agent__remote', arguments: { goal: 'work elsewhere' } }] }, { content: 'parent saw {{observations}}' }] }), {
      scriptsByModel: new Map([['remote-model', compileScript({ turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'remote', ms: 10 } }] }, { content: 'remote done' }] })]]),
    });
    const modelConfig = { baseURL: model.baseURL, apiKey: 'test-key', defaultModel: 'scripted', requestTimeoutMs: 30_000 };
    const remoteTools = createTestTools();
    try {
      // The agent's queue has a worker of its own, with the tool; the parent's worker offers the agent but not the tool.
      await withTestWorker(
        'sub-agents-remote',
        async ({ taskQueue: remoteQueue }) =>
          withTestWorker(
            'sub-agents-caller',
            async ({ client, taskQueue }) => {
              const workflowId = `${taskQueue}-remote`;
              const result = (await client.workflow.execute('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Delegate to another queue' }] })) as AgentRunResult;
              expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
              expect(result.answer).toContain('remote done');
              expect((await client.workflow.getHandle(`${workflowId}.s1-1`).describe()).taskQueue).toBe(remoteQueue);
              expect(remoteTools.handlerCalls.get('sleep')).toBe(1);
            },
            { builtinTools: false, agents: [agent('remote', { tools: ['sleep'], taskQueue: remoteQueue })], model: modelConfig },
          ),
        { tools: remoteTools.tools, model: modelConfig },
      );
    } finally {
      await model.close();
    }
  });

  it('terminating the parent cancels its running child (parent close policy)', async () => {
    await withAgents({ turns: [{ toolCalls: [{ name: 'agent__slow', arguments: { goal: 'take forever' } }] }, { content: 'never' }] }, async ({ client, taskQueue, testTools }) => {
      const workflowId = `${taskQueue}-terminate`;
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Crash while an agent works' }] });
      await testTools.gates.started('slow-agent');
      await handle.terminate('a crashed parent');
      const child = (await client.workflow.getHandle(`${workflowId}.s1-1`).result()) as AgentRunResult;
      expect(child.status).toBe('cancelled');
    });
  });

  it('cancelling the parent cancels its running children, whose tools stop', async () => {
    await withAgents({ turns: [{ toolCalls: [{ name: 'agent__slow', arguments: { goal: 'take forever' } }] }, { content: 'never' }] }, async ({ client, taskQueue, testTools }) => {
      const workflowId = `${taskQueue}-cancel`;
      const handle = await client.workflow.start('agentWorkflow', { taskQueue, workflowId, args: [{ goal: 'Wait on a slow agent' }] });
      await testTools.gates.started('slow-agent');
      await handle.cancel();
      expect(((await handle.result()) as AgentRunResult).status).toBe('cancelled');
      const child = (await client.workflow.getHandle(`${workflowId}.s1-1`).result()) as AgentRunResult;
      expect(child.status).toBe('cancelled');
      expect(testTools.handlerCalls.get('blocked')).toBe(1);
    });
  });
});
