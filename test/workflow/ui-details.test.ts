import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { AgentRunHandle } from '../../src/client';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { shortDuration, waitTimerSummary, expiryTimerSummary, idleTimerSummary } from '../../src/workflows/agent/ui-words';
import { historyEvents, withAgent } from '../helpers/agent';
import { payloadValues } from '../helpers/payloads';
import { createDeployTool } from '../helpers/test-tools';
import { until } from '../helpers/until';

const FINAL = { content: 'Done. I saw: {{observations}}' };

/** The details the Temporal UI shows ("Current Details"): what the SDK's built-in metadata query returns. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** The one-line summary the UI shows for a history event (its user metadata), or undefined. */
function summaryOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const payload = event.userMetadata?.summary;
  return payload ? payloadValues<string>({ payloads: [payload] })[0] : undefined;
}

/** The UI's view of a run (issue 24): live details between steps' ends, timer summaries. */
describe('what the Temporal UI shows of a run', () => {
  jest.setTimeout(120_000);

  it('the details follow each call and wait within a step, and name the command that answers each wait', async () => {
    const deploy = createDeployTool();
    const script = {
      turns: [{ toolCalls: [{ name: 'wait', arguments: { seconds: 2, reason: 'let it settle' } }, { name: 'deploy', arguments: { service: 'api', version: '1.0' } }] }, FINAL],
    };
    await withAgent(script, [deploy.tool], async ({ start, client }) => {
      const started = await start({ goal: 'wait, then deploy once approved', approvalTimeoutMs: 600_000 });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      const id = started.workflowId;

      // The timer in flight, the gated call waiting: both shown, with the commands that decide on the call.
      const inFlight = await until('the wait in flight and the deploy awaiting approval', async () => {
        const details = await currentDetails(started);
        return details.includes('Running: wait (s1-1)') && details.includes('approval: deploy (s1-2)') ? details : undefined;
      });
      expect(inFlight).toContain('**waiting_for_approval**');
      expect(inFlight).toContain('tools 0 ok');
      expect(inFlight).toContain(`\`durable-agent approve ${id} s1-2\``);
      expect(inFlight).toContain(`\`durable-agent deny ${id} s1-2\``);

      // The timer fired; the step goes on (deploy still waits). The run's state is the latch: the details were
      // drawn in the same workflow activation, so they must say the same, not what the step's start said.
      await until('the wait to finish', async () => ((await run.state()).toolCalls.ok === 1 ? true : undefined));
      const afterWait = await currentDetails(started);
      expect(afterWait).toContain('tools 1 ok / 0 failed');
      expect(afterWait).not.toContain('Running: wait');
      expect(afterWait).toContain('approval: deploy (s1-2)');

      // A pause asked for mid-step takes effect after it: the details say so and how to resume.
      await run.pause('lunch');
      await run.approve('s1-2');
      const paused = await until('the run to pause', async () => {
        const details = await currentDetails(started);
        return details.startsWith('**paused**') ? details : undefined;
      });
      expect(paused).toContain(`Paused: \`durable-agent resume ${id}\``);
      expect(paused).not.toContain('approval: deploy');
      expect(paused).toContain('tools 2 ok / 0 failed');
      await run.resume();
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      const ended = await currentDetails(started);
      expect(ended).toMatch(/^\*\*final\*\*/);
      expect(ended).not.toContain('Paused:');

      // Each timer the loop started has a one-line summary: the wait, and the approval's expiry.
      const events = await historyEvents(started);
      const timers = events.filter((event) => event.timerStartedEventAttributes).map(summaryOf);
      expect(timers).toEqual(['wait 2s (call s1-1)', 'approval for deploy call s1-2 expires']);
    });
  });

  it("an idle session's timeout timer has its summary, and its details say how to send the next message", async () => {
    await withAgent({ turns: [FINAL] }, [], async ({ start }) => {
      const started = await start({ goal: 'a session nobody talks to', session: true, startIdle: true, idleTimeoutMs: 1_500 });
      const idle = await until('the session to wait idle', async () => {
        const details = await currentDetails(started);
        return details.startsWith('**idle**') ? details : undefined;
      });
      expect(idle).toContain(`Waiting for the next message: \`durable-agent send ${started.workflowId} "…"\``);
      await started.result();
      const timers = (await historyEvents(started)).filter((event) => event.timerStartedEventAttributes).map(summaryOf);
      expect(timers).toEqual(['session idle timeout in 1.5s']);
    });
  });

  it('timer summaries name a tool, a call and a duration only', () => {
    expect(shortDuration(1_500)).toBe('1.5s');
    expect(shortDuration(30_000)).toBe('30s');
    expect(shortDuration(90_000)).toBe('1.5m');
    expect(shortDuration(86_400_000)).toBe('1d');
    expect(waitTimerSummary(0.25, 's3-1')).toBe('wait 0.3s (call s3-1)');
    expect(expiryTimerSummary('question', 'ask_user', 's2-1')).toBe('answer to ask_user call s2-1 expires');
    expect(idleTimerSummary(3_600_000)).toBe('session idle timeout in 1h');
  });
});
