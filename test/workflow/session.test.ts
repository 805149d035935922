import { AgentClient, AgentRunHandle, InteractionRefusedError } from '../../src/client';
import type { RunEvent } from '../../src/contracts';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { recordHistory, withAgent } from '../helpers/agent';
import { testConfig } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';
import { RunInteraction } from '../../src/client/run-interaction';

/** Sessions (issue 13 item 3): follow-up turns, started or resumed by update-with-start, across continue-as-new. */
describe('a session', () => {
  jest.setTimeout(120_000);

  it('answers three turns with the whole conversation, goes idle between them, crosses continue-as-new, and closes', async () => {
    const testTools = createTestTools();
    const script = {
      turns: [
        { toolCalls: [{ name: 'sleep', arguments: { label: 'turn-one', ms: 1 } }] },
        { content: 'answer one (turn {{turn}})' },
        { content: 'answer two (turn {{turn}})' },
        { content: 'answer three (turn {{turn}}) after {{goal}}' },
      ],
    };
    await withAgent(script, testTools.tools, async ({ client, taskQueue, model }) => {
      const agents = new AgentClient(client, { ...testConfig(), taskQueue });
      const sessionId = `${taskQueue}-session`;
      const first = await agents.chat(sessionId, 'first question', { input: { goal: 'a chat', continueAsNewAtHistoryBytes: 10_000 } });
      expect(first).toMatchObject({ turn: 1, status: 'final', answer: 'answer one (turn 2)' });
      const run = new AgentRunHandle(client, sessionId, 'default');
      expect((await run.state()).status).toBe('idle');

      // The same call resumes the existing session.
      const second = await agents.chat(sessionId, 'second question');
      expect(second).toMatchObject({ turn: 2, answer: 'answer two (turn 3)' });
      // The step cap counts per turn: the state says which turn and its steps apart from the session's total.
      expect(await run.state()).toMatchObject({ step: 3, session: { turnsAnswered: 2, turnStep: 1 } });
      const third = await run.send('third question');
      expect(third).toMatchObject({ turn: 3, answer: expect.stringContaining('answer three (turn 4)') });
      // Every turn saw the conversation so far: the last request carried all three user messages.
      const last = model.requests[model.requests.length - 1];
      expect(last?.messages).toBeGreaterThanOrEqual(8);

      let runsInChain = 0;
      for await (const _execution of client.workflow.list({ query: `WorkflowId = '${sessionId}'` })) runsInChain += 1;
      expect(runsInChain).toBeGreaterThanOrEqual(2);

      await run.close();
      const result = (await client.workflow.getHandle(sessionId).result()) as AgentRunResult;
      // The session's log: each turn starts and is answered; the session ends once, when it is closed.
      const log: RunEvent[] = [];
      for await (const event of run.events({ from: 0 })) log.push(event);
      const marks = log.filter((event) => ['turn_started', 'turn_answered', 'run_ended'].includes(event.type)).map((event) => event.type);
      expect(marks).toEqual(['turn_started', 'turn_answered', 'turn_started', 'turn_answered', 'turn_started', 'turn_answered', 'run_ended']);
      expect(log.filter((event) => event.type === 'run_ended')).toHaveLength(1);
      expect(log.at(-1)?.type).toBe('run_ended');
      expect(result).toMatchObject({ status: 'final', answer: expect.stringContaining('answer three'), toolCalls: { ok: 1, failed: 0 } });
      await expect(run.send('too late')).rejects.toThrow(InteractionRefusedError);
      await recordHistory(client.workflow.getHandle(sessionId), 'agent-session-last-run');
    });
  });

  it('a message sent again with its messageId (a retry after an error) is one turn, answered once', async () => {
    const script = { turns: [{ content: 'answer to the goal' }, { content: 'answer to {{turn}}' }, { content: 'answer to the next' }] };
    await withAgent(script, [], async ({ start, client, model }) => {
      const started = await start({ goal: 'a session', session: true });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await until('the first turn to be answered', async () => ((await run.state()).status === 'idle' ? true : undefined));
      const first = await run.send('the message', { messageId: 'm-1' });
      const again = await run.send('the message', { messageId: 'm-1' });
      expect(again).toEqual(first);
      expect(first).toMatchObject({ turn: 2, status: 'final' });
      expect(await run.state()).toMatchObject({ status: 'idle', session: { turnsAnswered: 2 } });
      // Only two model calls: the goal's turn and the message's; the repeat reached no model.
      expect(model.requests).toHaveLength(2);
      // Without an id, the same text is a new message.
      expect(await run.send('the message')).toMatchObject({ turn: 3 });
      await expect(run.send('x', { messageId: 'no spaces allowed' })).rejects.toThrow(/messageId must be 1 to 200/);
      await run.close();
      const log: RunEvent[] = [];
      for await (const event of run.events({ from: 0 })) log.push(event);
      expect(log.filter((event) => event.type === 'turn_started').map((event) => event.detail)).toEqual(['the message', 'the message']);
    });
  });

  it('a message sent again after the session handed over is not a second turn: the retry gets its answer', async () => {
    const script = { turns: [{ content: 'answer to the goal' }, { content: 'answer to the message' }, { content: 'a second turn: must not happen' }] };
    await withAgent(script, [], async ({ start, client, model }) => {
      const started = await start({ goal: 'a session that hands over after each turn', session: true, continueAsNewAtHistoryBytes: 10_000, planner: 'activity' });
      // (The activity planner's requests put each turn's messages in history, so one turn passes the 10 KB handover bound.)
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await until('the first turn to be answered', async () => ((await run.state()).status === 'idle' ? true : undefined));
      const first = await run.send('the message', { messageId: 'once' });
      expect(first).toMatchObject({ turn: 2, answer: 'answer to the message' });
      // The session hands over while idle: Temporal's own deduplication of the Update id stays with the old run.
      const tookIt = async (runId: string) =>
        ((await client.workflow.getHandle(started.workflowId, runId).fetchHistory()).events ?? []).some((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === 'message-once');
      await until('the session to hand over after the turn', async () => {
        const latest = (await client.workflow.getHandle(started.workflowId).describe()).runId;
        return (await tookIt(latest)) ? undefined : true;
      });
      // A client's retry of the same message reaches the next run: refused there, and `send` answers with its turn.
      const raw = new RunInteraction(() => client.workflow.getHandle(started.workflowId));
      await expect(raw.interact('send', { text: 'the message' }, { updateId: 'message-once' })).rejects.toThrow(/message once was already sent: it is turn 2/);
      expect(await run.send('the message', { messageId: 'once' })).toEqual(first);
      expect(model.requests).toHaveLength(2);
      expect(await run.state()).toMatchObject({ status: 'idle', session: { turnsAnswered: 2 } });
      await run.close();
      await recordHistory(client.workflow.getHandle(started.workflowId), 'agent-session-message-ids');
    });
  });

  it('refuses a message to a run that is not a session', async () => {
    await withAgent({ turns: [{ delayMs: 3_000 }, { content: 'done' }] }, [], async ({ start, client }) => {
      const started = await start({ goal: 'not a session' });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      await expect(run.send('hello')).rejects.toThrow(/this run is not a session/);
      await started.result();
    });
  });
});
