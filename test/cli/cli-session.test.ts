import { AgentClient, AgentRunHandle } from '../../src/client';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { withAgent } from '../helpers/agent';
import { runCli } from '../helpers/cli';
import { testConfig } from '../helpers/temporal';
import { createTestTools } from '../helpers/test-tools';
import { until } from '../helpers/until';

/** The CLI of sessions and budgets (issue 13 item 6): `chat`, `send`, `close`, `raise-budget`, against the real server. */
describe('durable-agent chat, send, close, raise-budget', () => {
  jest.setTimeout(120_000);

  it('chat starts a session by id, send answers the next turn, close ends it', async () => {
    const script = { turns: [{ content: 'hello back (turn {{turn}})' }, { content: 'second answer (turn {{turn}})' }] };
    await withAgent(script, [], async ({ client, taskQueue }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
      const id = `${taskQueue}-chat`;
      const first = await runCli(['chat', id, 'hello', '--goal', 'a CLI chat', '--json'], env, 60_000);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ turn: 1, status: 'final', answer: 'hello back (turn 1)' });
      const second = await runCli(['send', id, 'and', 'again', '--message-id', 'cli-m-2'], env, 60_000);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('second answer (turn 2)\n');
      // The same message again (a retry after an error): its turn's answer, no third turn.
      const retried = await runCli(['send', id, 'and', 'again', '--message-id', 'cli-m-2', '--json'], env, 60_000);
      expect(retried.code).toBe(0);
      expect(JSON.parse(retried.stdout)).toEqual({ turn: 2, status: 'final', answer: 'second answer (turn 2)' });
      const badId = await runCli(['send', id, 'x', '--message-id', 'no spaces'], env);
      expect(badId.code).toBe(2);
      expect(badId.stderr).toMatch(/messageId must be 1 to 200 letters/);
      expect((await runCli(['close', id], env)).code).toBe(0);
      const result = (await client.workflow.getHandle(id).result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', answer: 'second answer (turn 2)' });
      const late = await runCli(['send', id, 'too late'], env);
      expect(late.code).toBe(2);
      expect(late.stderr).toMatch(/the run has ended/);
    });
  });

  it("chat shows each turn's steps and calls as they happen, then its answer (steps counted per turn)", async () => {
    const testTools = createTestTools();
    const call = (label: string) => ({ toolCalls: [{ name: 'sleep', arguments: { label, ms: 700 } }] });
    const script = { turns: [call('first'), { content: 'first answer' }, call('second'), { content: 'second answer' }] };
    await withAgent(script, testTools.tools, async ({ taskQueue }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue, NO_COLOR: '1' };
      const id = `${taskQueue}-progress`;
      const first = await runCli(['chat', id, 'look', 'around'], env, 60_000);
      expect(first.code).toBe(0);
      // The call's lines come before the answer, under its step: started (when a read of the log fell within its 700 ms),
      // then its outcome; the model's text as it wrote (when a read fell within its model call: docs/streaming.md).
      expect(first.stdout).toMatch(/^step 1\/10\n( {2}→ sleep \(s1-1\) started\n)? {2}✓ sleep \(s1-1\) \d+(\.\d)? (ms|s)\n( {2}model: first answer\n)?step 2\/10\n( {2}model: first answer\n)?first answer\n$/);
      // The next turn counts its steps from 1 again (the cap is per turn); its call keeps the run's id.
      const second = await runCli(['chat', id, 'once', 'more'], env, 60_000);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^step 1\/10\n( {2}→ sleep \(s3-1\) started\n)? {2}✓ sleep \(s3-1\) \d+(\.\d)? (ms|s)\n( {2}model: second answer\n)?step 2\/10\n( {2}model: second answer\n)?second answer\n$/);
      expect((await runCli(['close', id], env)).code).toBe(0);
    });
  });

  it('chat refuses the id of an ended session or run (exit 2) instead of starting a new session under it', async () => {
    const script = { turns: [{ content: 'answer (turn {{turn}})' }] };
    await withAgent(script, [], async ({ client, taskQueue, run }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
      const id = `${taskQueue}-closed`;
      expect((await runCli(['chat', id, 'hello'], env, 60_000)).code).toBe(0);
      expect((await runCli(['close', id], env)).code).toBe(0);
      const closed = await new AgentClient(client, { ...testConfig(), taskQueue }).getHandle(id).describe();
      const again = await runCli(['chat', id, 'hello', 'again'], env, 60_000);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`durable-agent: session "${id}" was closed (final); the message was not sent. Its last answer: \`durable-agent result ${id}\`.`);
      expect(again.stderr).toContain('An ended id is never reused: start a new session with another id (`durable-agent chat <new-id> …`).');
      // The id still names the session that was closed: no new run started under it.
      const now = await new AgentClient(client, { ...testConfig(), taskQueue }).getHandle(id).describe();
      expect(now).toMatchObject({ runId: closed.runId, executionStatus: 'COMPLETED' });

      const { handle } = await run({ goal: 'a plain run' });
      const plain = await runCli(['chat', handle.workflowId, 'hello'], env, 60_000);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain(`the id "${handle.workflowId}" belongs to a run that has ended (final) and was not a session`);
    });
  });

  it('a session that idled out is never restarted under its id: chat says it ended by idle timeout', async () => {
    const script = { turns: [{ content: 'the only answer' }] };
    await withAgent(script, [], async ({ client, taskQueue }) => {
      const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
      const agents = new AgentClient(client, { ...testConfig(), taskQueue });
      const id = `${taskQueue}-idle`;
      await expect(agents.chat(id, 'hello', { input: { goal: 'a short-lived session', idleTimeoutMs: 1_000 } })).resolves.toMatchObject({ status: 'final' });
      await expect(agents.getHandle(id).result()).resolves.toMatchObject({ status: 'final', answer: 'the only answer' });
      await expect(agents.chat(id, 'still there?')).rejects.toMatchObject({ name: 'SessionEndedError', ending: 'idle_timeout', status: 'final' });
      const again = await runCli(['chat', id, 'still', 'there?'], env, 60_000);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`durable-agent: session "${id}" ended by idle timeout: no message came while it waited; the message was not sent.`);
      expect(again.stderr).toContain('start a new session with another id');
      expect((await agents.getHandle(id).describe()).executionStatus).toBe('COMPLETED');
    });
  });

  it('raise-budget lets a run paused on its budget go on', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'paid', ms: 1 } }] }, { content: 'done' }] };
    const prices = { scripted: { inputPerMillion: 1_000, outputPerMillion: 1_000 } };
    await withAgent(
      script,
      testTools.tools,
      async ({ client, taskQueue }) => {
        const env = { ...process.env, TEMPORAL_ADDRESS: testConfig().address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: taskQueue };
        const agents = new AgentClient(client, { ...testConfig(), taskQueue });
        const started = await agents.start({ goal: 'spend', budget: { maxCostUsd: 0.01, onExhausted: 'pause' } });
        const run = new AgentRunHandle(client, started.workflowId, 'default');
        await until('the pause', async () => ((await run.state()).status === 'waiting_for_budget' ? true : undefined));
        const listed = await runCli(['list', '--status', 'waiting_for_budget', '--json'], env);
        expect(listed.stdout).toContain(started.workflowId);
        const none = await runCli(['raise-budget', started.workflowId], env);
        expect(none.code).toBe(2);
        expect(none.stderr).toContain('Give at least one of --tokens, --usd, --time.');
        const raised = await runCli(['raise-budget', started.workflowId, '--usd', '1000', '--json'], env);
        expect(raised.code).toBe(0);
        expect(JSON.parse(raised.stdout)).toMatchObject({ maxCostUsd: 1000, onExhausted: 'pause' });
        expect(await started.result()).toMatchObject({ status: 'final', toolCalls: { ok: 1, failed: 0 } });
      },
      { prices },
    );
  });
});
