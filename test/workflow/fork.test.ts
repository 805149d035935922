import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { AgentClient, InvalidRunInputError } from '../../src/client';
import { outputHandle } from '../../src/outputs/output-keys';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel } from '../../src/scripted-model/server';
import { FEATURES } from '../../src/workflows/agent/features';
import { historyEvents, patchIdsOf, recordHistory, ranActivities, toolMessagesByCallId, withAgent } from '../helpers/agent';
import { agentClientFor, rawClientFor, startAgentWorker, testKeys } from '../helpers/encryption';
import { createLargeOutputTool, largeText } from '../helpers/large-output-tool';
import { hits, hitTool } from '../helpers/hit-tool';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';
import { testConfig, uniqueTaskQueue } from '../helpers/temporal';
import { until } from '../helpers/until';

const hit = (label: string) => ({ toolCalls: [{ name: 'hit', arguments: { label } }] });
/** Three steps of one call each, then an answer made of what the model was shown last. */
const THREE_STEPS = { turns: [hit('a'), hit('b'), hit('c'), { content: 'answer from: {{observations}}' }] };

describe('fork a run from a step', () => {
  jest.setTimeout(120_000);
  let server: HttpTestServer;

  beforeAll(async () => {
    server = await startHttpTestServer();
  });
  afterAll(async () => server.close());

  it('reuses the steps before: no earlier tool runs again, the model sees what it saw then, and the lineage is shown', async () => {
    await withAgent(THREE_STEPS, [hitTool(server)], async ({ taskQueue, model }) => {
      const agents = await AgentClient.connect(testConfig());
      try {
        const original = await agents.start({ goal: 'Hit the server three times' }, { taskQueue });
        expect((await original.result()).status).toBe('final');
        const before = hits(server).length;
        const seenAtStep3 = model.requests.filter((request) => request.turn === 3).at(-1);
        const requestsAtFork = model.requests.length;

        const fork = await agents.fork(original.workflowId, { atStep: 3 });
        const result = await fork.result();
        expect(result).toMatchObject({ status: 'final', steps: 4 });
        // Only step 3's call ran again: steps 1 and 2 came from the original's transcript.
        expect(hits(server).slice(before)).toEqual(['c']);
        // The fork's first request showed the model exactly as many messages as the original's step 3 did.
        expect(model.requests.slice(requestsAtFork)[0]).toMatchObject({ turn: 3, messages: seenAtStep3?.messages });
        // No activity of the fork called the model for steps 1 and 2.
        expect(ranActivities(await historyEvents(agents.client.workflow.getHandle(fork.workflowId))).filter((name) => name === 'plan')).toHaveLength(2);

        expect(await fork.describe()).toMatchObject({ forkOf: original.workflowId, forkedAtStep: 3 });
        expect((await fork.state()).fork).toEqual({ workflowId: original.workflowId, atStep: 3 });
        const forks = await until('the fork listed as a fork of the original', async () => {
          const listed = await agents.list({ forksOf: original.workflowId, limit: 100 });
          return listed.length > 0 ? listed : undefined;
        });
        expect(forks.map((run) => [run.workflowId, run.forkOf])).toEqual([[fork.workflowId, original.workflowId]]);
        // With the original as its recording and `refuse`, a counterfactual runs no tool at all: its calls are the
        // original's, answered from what they recorded.
        const replayed = await agents.fork(original.workflowId, { atStep: 2, input: { recordedTools: { from: original.workflowId, unmatched: 'refuse' } } });
        expect(await replayed.result()).toMatchObject({ status: 'final', steps: 4, toolCalls: { ok: 2, failed: 0 } });
        expect(hits(server).slice(before)).toEqual(['c']);
        // A fork of the fork keeps the lineage, and reads its step from the fork (which planned it itself).
        const second = await agents.fork(fork.workflowId, { atStep: 4, answer: 'second-generation answer' });
        expect(await second.result()).toMatchObject({ status: 'final', answer: 'second-generation answer', steps: 4 });
      } finally {
        await agents.close();
      }
    });
  });

  it('takes edits: a system prompt, an earlier tool result, an added message, and an answer instead of the model', async () => {
    await withAgent(THREE_STEPS, [hitTool(server)], async ({ taskQueue, model }) => {
      const agents = await AgentClient.connect(testConfig());
      try {
        const original = await agents.start({ goal: 'Hit the server, then edit the past' }, { taskQueue });
        await original.result();

        const requestsAtFork = model.requests.length;
        const edited = await agents.fork(original.workflowId, { atStep: 3, systemPrompt: 'A NEW SYSTEM PROMPT', toolResults: { 's2-1': 'EDITED RESULT OF B' }, message: 'AN ADDED NOTE' });
        await edited.result();
        const forkFirst = model.requests.slice(requestsAtFork)[0];
        expect(forkFirst).toMatchObject({ turn: 3, systemPrompt: 'A NEW SYSTEM PROMPT' });
        // What the model was shown last: step 2's result as edited, its tally line, and the added message.
        expect(forkFirst?.observations).toContain('EDITED RESULT OF B');
        expect(forkFirst?.observations).toContain('AN ADDED NOTE');
        expect(forkFirst?.observations).not.toContain('hit b:');

        // A final answer given at step 2: no model call, no tool call.
        const hitsBefore = hits(server).length;
        const requestsBefore = model.requests.length;
        const given = await agents.fork(original.workflowId, { atStep: 2, answer: 'the answer a person gave' });
        expect(await given.result()).toMatchObject({ status: 'final', answer: 'the answer a person gave', steps: 2, usage: { modelCalls: 0 } });
        expect(model.requests.length).toBe(requestsBefore);
        expect(hits(server).length).toBe(hitsBefore);

        // Tool calls given at step 2: they run, then the model goes on from step 3 of its script.
        const calls = await agents.fork(original.workflowId, { atStep: 2, answer: { toolCalls: [{ name: 'hit', arguments: { label: 'given-z' } }] } });
        expect(await calls.result()).toMatchObject({ status: 'final', steps: 4 });
        expect(hits(server).slice(hitsBefore)).toEqual(['given-z', 'c']);
        const handle = agents.client.workflow.getHandle(calls.workflowId);
        expect(patchIdsOf(await historyEvents(handle))).toContain(FEATURES.forks);
        await recordHistory(handle, 'agent-fork-given-calls');
      } finally {
        await agents.close();
      }
    });
  });

  it('finds a step in any run of a continue-as-new chain, and refuses a step or a call it cannot find', async () => {
    const script = { turns: [{ ...hit('step-{{turn}}'), repeat: 8 }, { content: 'done after eight' }] };
    await withAgent(script, [hitTool(server)], async ({ taskQueue }) => {
      const agents = await AgentClient.connect(testConfig());
      try {
        const original = await agents.start({ goal: 'Eight steps over several runs', continueAsNewAtHistoryBytes: 10_000, maxSteps: 20 }, { taskQueue });
        await original.result();
        const executions = await agents.client.workflow.count(`WorkflowId = '${original.workflowId}'`);
        expect(executions.count).toBeGreaterThan(2);
        const before = hits(server).length;
        // Step 2 was planned by the first run of the chain, step 8 by the last.
        for (const atStep of [2, 8]) {
          const fork = await agents.fork(original.workflowId, { atStep });
          expect(await fork.result()).toMatchObject({ status: 'final', steps: 9 });
        }
        expect(hits(server).slice(before).sort()).toEqual(['step-2', 'step-3', 'step-4', 'step-5', 'step-6', 'step-7', 'step-8', 'step-8'].sort());
        await expect(agents.fork(original.workflowId, { atStep: 10 })).rejects.toThrow(/has planned 9 steps so far: fork at a step from 1 to 9/);
        await expect(agents.fork(original.workflowId, { atStep: 0 })).rejects.toThrow(InvalidRunInputError);
        await expect(agents.fork(original.workflowId, { atStep: 3, toolResults: { 's7-1': 'too late' } })).rejects.toThrow(/no result of call s7-1 is in the transcript before the fork's step/);
      } finally {
        await agents.close();
      }
    });
  });

  it('forks a run that is still going (waiting for an approval) without touching it', async () => {
    await withAgent({ turns: [hit('needs-approval'), { content: 'approved and done' }] }, [hitTool(server)], async ({ taskQueue }) => {
      const agents = await AgentClient.connect(testConfig());
      try {
        const original = await agents.start({ goal: 'Wait for a person', requireApproval: ['hit'] }, { taskQueue });
        await until('the original waits for approval', async () => ((await original.state()).status === 'waiting_for_approval' ? true : undefined));
        const fork = await agents.fork(original.workflowId, { atStep: 1, answer: 'decided without the call' });
        expect(await fork.result()).toMatchObject({ status: 'final', answer: 'decided without the call', steps: 1 });
        expect((await original.state()).status).toBe('waiting_for_approval');
        await original.approve('s1-1');
        expect(await original.result()).toMatchObject({ status: 'final', answer: 'approved and done' });
      } finally {
        await agents.close();
      }
    });
  });

  it('reads the stored outputs of the run it was forked from (outputs by reference)', async () => {
    const script = { turns: [{ toolCalls: [{ name: 'large_output', arguments: { index: 3, bytes: 300_000 } }] }, { content: 'saw it' }] };
    await withAgent(script, [createLargeOutputTool()], async ({ taskQueue, client }) => {
      const agents = await AgentClient.connect(testConfig());
      try {
        const original = await agents.start({ goal: 'Make a large output' }, { taskQueue });
        await original.result();
        const handle = outputHandle({ workflowId: original.workflowId, taskId: 's1-1', attempt: 1 });
        const fork = await agents.fork(original.workflowId, { atStep: 2, answer: { toolCalls: [{ name: 'read_output', arguments: { handle, offset: 1_000, length: 64 } }] } });
        expect(await fork.result()).toMatchObject({ toolCalls: { ok: 1, failed: 0 } });
        const read = JSON.parse((await toolMessagesByCallId(client.workflow.getHandle(fork.workflowId))).get('fork_call_1') ?? '{}') as { text?: string };
        expect(read.text).toBe(largeText(3, 1_064).slice(1_000));
      } finally {
        await agents.close();
      }
    });
  });

  it('forks an encrypted run: read and written with the key, nothing of it in clear on the server', async () => {
    const address = testConfig().address;
    const keys = testKeys('test-k1');
    const taskQueue = uniqueTaskQueue('fork-encrypted');
    const model = await startScriptedModel(compileScript(THREE_STEPS));
    const worker = await startAgentWorker({ address, keys, taskQueue, model, tools: [hitTool(server)] });
    const agents = await agentClientFor(address, keys);
    const raw = await rawClientFor(address);
    try {
      const goal = 'A SECRET GOAL of an encrypted run';
      const original = await agents.start({ goal }, { taskQueue });
      await original.result();
      const fork = await agents.fork(original.workflowId, { atStep: 3, message: 'A SECRET NOTE added to the fork' });
      expect(await fork.result()).toMatchObject({ status: 'final', steps: 4 });
      const stored = historyToJSON(await raw.workflow.getHandle(fork.workflowId).fetchHistory());
      for (const secret of ['A SECRET GOAL', 'A SECRET NOTE', 'hit b:']) expect({ secret, stored: stored.includes(secret) }).toEqual({ secret, stored: false });
    } finally {
      await agents.close();
      await raw.connection.close();
      await worker.stop();
      await model.close();
    }
  });
});
