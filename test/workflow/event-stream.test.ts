import { Client, Connection } from '@temporalio/client';
import { AgentRunHandle } from '../../src/client';
import { ENDED_EVENT_LOG_MEMO } from '../../src/contracts/definitions';
import type { RunEvent } from '../../src/contracts';
import type { AgentRunResult } from '../../src/contracts/run-result';
import { historyEvents, withAgent } from '../helpers/agent';
import { saveFigure } from '../helpers/figures';
import { createTestTools } from '../helpers/test-tools';

const STEPS = 6;

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The live event stream (issue 13 item 5; reads by query since issue 22), carried across continue-as-new. */
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

      // The run continued as new while followed, and following took no Update: nothing of it is in history.
      const first = client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
      expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
      const firstEvents = await historyEvents(first);
      expect(firstEvents.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(0);
    });
  });

  it('following costs no history: no Update, about the events of an unfollowed run', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'step', ms: 20 } }], repeat: 5 }, { content: 'done' }] };
    await withAgent(script, testTools.tools, async ({ run, start, client }) => {
      const { handle: alone } = await run({ goal: 'nobody follows', maxSteps: 8 });
      const followed = await start({ goal: 'followed', maxSteps: 8 });
      const seen = await collect(new AgentRunHandle(client, followed.workflowId, 'default').events({ from: 0, minIntervalMs: 50 }));
      await followed.result();
      const quiet = await historyEvents(alone);
      const loud = await historyEvents(followed);
      expect(seen.at(-1)?.type).toBe('run_ended');
      expect(loud.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(0);
      // Workflow tasks may batch differently from run to run; reads add none of their own.
      expect(loud.length).toBeLessThanOrEqual(Math.ceil(quiet.length * 1.1));
      const bytes = (events: readonly unknown[]) => JSON.stringify(events).length;
      saveFigure('event-stream-history', {
        events: seen.length,
        historyEventsUnfollowed: quiet.length,
        historyEventsFollowed: loud.length,
        historyJsonBytesUnfollowed: bytes(quiet),
        historyJsonBytesFollowed: bytes(loud),
      });
    });
  });

  it('an ended run is read from its memo: no worker needed, every event once', async () => {
    const testTools = createTestTools();
    const script = { turns: [{ toolCalls: [{ name: 'sleep', arguments: { label: 'step', ms: 5 } }], repeat: 2 }, { content: 'done' }] };
    let workflowId = '';
    let live: RunEvent[] = [];
    await withAgent(script, testTools.tools, async ({ run, client }) => {
      const { handle } = await run({ goal: 'read after the end', maxSteps: 5 });
      workflowId = handle.workflowId;
      live = await collect(new AgentRunHandle(client, workflowId, 'default').events({ from: 0 }));
      const memo = (await handle.describe()).memo?.[ENDED_EVENT_LOG_MEMO] as { events: RunEvent[] } | undefined;
      expect(memo?.events.map((event) => event.offset)).toEqual(live.map((event) => event.offset));
    });
    // The worker has stopped: a query would hang; the memo answers.
    const connection = await Connection.connect({ address: process.env.DURABLE_AGENT_TEST_ADDRESS ?? '' });
    try {
      const client = new Client({ connection });
      const after = await collect(new AgentRunHandle(client, workflowId, 'default').events({ from: 2 }));
      expect(after).toEqual(live.slice(2));
      expect(after.at(-1)?.type).toBe('run_ended');
    } finally {
      await connection.close();
    }
  });
});
