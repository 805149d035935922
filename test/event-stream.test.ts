import { AgentRunHandle } from '../src/client';
import type { RunEvent } from '../src/shared/contracts';
import type { AgentRunResult } from '../src/shared/model';
import { historyEvents, recordHistory, withAgent } from './helpers/agent';
import { saveFigure } from './helpers/figures';
import { createTestTools } from './helpers/test-tools';

const STEPS = 6;

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The live event stream (issue 13 item 5): a long-poll Update, carried across continue-as-new. */
describe('following a run live', () => {
  jest.setTimeout(120_000);

  it('live followers from 0 and from the middle get every event once, in order, across continue-as-new and a retried call', async () => {
    const testTools = createTestTools();
    const script = {
      turns: [
        { toolCalls: [{ name: 'flaky', arguments: { name: 'retried' } }, { name: 'sleep', arguments: { label: 'step', ms: 20 } }] },
        { toolCalls: [{ name: 'sleep', arguments: { label: 'step', ms: 20 } }], repeat: STEPS - 1 },
        { content: 'done after {{turn}} turns' },
      ],
    };
    await withAgent(script, testTools.tools, async ({ start, client }) => {
      const started = await start({ goal: 'a followed run', maxSteps: STEPS + 2, continueAsNewAtHistoryBytes: 10_000 });
      const run = new AgentRunHandle(client, started.workflowId, 'default');
      // Both follow while the run goes on; the one from the middle waits for offset 7 to exist.
      const [live, middle] = await Promise.all([collect(run.events({ from: 0 })), collect(run.events({ from: 7 }))]);
      const result = (await started.result()) as AgentRunResult;
      expect(result).toMatchObject({ status: 'final', steps: STEPS + 1 });

      // Read again after the end (the query path): the same log.
      const after = await collect(run.events({ from: 0 }));
      expect(live).toEqual(after);
      expect(middle).toEqual(after.slice(7));
      expect(live.map((event) => event.offset)).toEqual(live.map((_event, index) => index));
      expect(live.at(-1)?.type).toBe('run_ended');
      expect(live.filter((event) => event.type === 'step_started')).toHaveLength(STEPS + 1);
      // The flaky call ran three attempts and is one call in the log.
      expect(testTools.handlerCalls.get('flaky')).toBe(3);
      expect(live.filter((event) => event.type === 'call_finished' && event.callId === 's1-1')).toHaveLength(1);

      // The run continued as new while followed, and the followers were answered by Updates (no polled snapshots).
      const first = client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
      expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
      const firstEvents = await historyEvents(first);
      const follows = firstEvents.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'followEvents');
      const completed = firstEvents.filter((event) => event.workflowExecutionUpdateCompletedEventAttributes);
      expect(follows.length).toBeGreaterThan(0);
      expect(completed.length).toBe(follows.length);
      await recordHistory(first, 'agent-followed-first-run');
    });
  });

  it('following costs a few small history events per answered poll, and nothing when nobody follows', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'step', ms: 20 } }], repeat: 5 }, { content: 'done' }] };
    await withAgent(script, testTools.tools, async ({ run, start, client }) => {
      const { handle: alone } = await run({ goal: 'nobody follows', maxSteps: 8 });
      const followed = await start({ goal: 'followed', maxSteps: 8 });
      const seen = await collect(new AgentRunHandle(client, followed.workflowId, 'default').events({ from: 0 }));
      await followed.result();
      const quiet = await historyEvents(alone);
      const loud = await historyEvents(followed);
      const polls = loud.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
      expect(quiet.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
      expect(polls).toBeGreaterThan(0);
      // Each answered poll is at most one page of new events: never more polls than events.
      expect(polls).toBeLessThanOrEqual(seen.length);
      const bytes = (events: readonly unknown[]) => JSON.stringify(events).length;
      saveFigure('event-stream-history', {
        events: seen.length,
        answeredPolls: polls,
        historyEventsUnfollowed: quiet.length,
        historyEventsFollowed: loud.length,
        historyJsonBytesUnfollowed: bytes(quiet),
        historyJsonBytesFollowed: bytes(loud),
      });
    });
  });
});
