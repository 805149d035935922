import { canonicalJson, matchRecordedCall, type RecordedCall } from '../../src/activities/recording';
import { toolMessagesByCallId, withAgent } from '../helpers/agent';
import { hits, hitTool } from '../helpers/hit-tool';
import { startHttpTestServer, type HttpTestServer } from '../helpers/http-server';

/** Two calls: one the same for every run, one that depends on the goal; then an answer. */
const SCRIPT = {
  turns: [
    { toolCalls: [{ name: 'hit', arguments: { note: 'same for all', label: 'fixed' } }] },
    { toolCalls: [{ name: 'hit', arguments: { label: '{{goal}}' } }] },
    { content: 'done: {{observations}}' },
  ],
};

describe('tools answered from a recorded run (docs/forks.md)', () => {
  jest.setTimeout(120_000);
  let server: HttpTestServer;

  beforeAll(async () => {
    server = await startHttpTestServer();
  });
  afterAll(async () => server.close());

  it('a matching call gets the recorded output without running; another runs live or is refused, as asked', async () => {
    await withAgent(SCRIPT, [hitTool(server)], async ({ run }) => {
      const original = await run({ goal: 'first' });
      expect(original.result.toolCalls).toEqual({ ok: 2, failed: 0 });
      expect(hits(server)).toEqual(['fixed', 'first']);
      const recordedMessages = await toolMessagesByCallId(original.handle);

      // The same goal: both calls match (arguments compared as canonical JSON), nothing reaches the server.
      const again = await run({ goal: 'first', recordedTools: { from: original.handle.workflowId } });
      expect(again.result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 0 } });
      expect(hits(server)).toEqual(['fixed', 'first']);
      expect(await toolMessagesByCallId(again.handle)).toEqual(recordedMessages);

      // Another goal: the fixed call is answered from the recording, the other runs live.
      const live = await run({ goal: 'second', recordedTools: { from: original.handle.workflowId } });
      expect(live.result.toolCalls).toEqual({ ok: 2, failed: 0 });
      expect(hits(server)).toEqual(['fixed', 'first', 'second']);

      // `refuse`: the call the recording lacks fails with a ToolError the model reads, and does not run.
      const refused = await run({ goal: 'third', recordedTools: { from: original.handle.workflowId, unmatched: 'refuse' } });
      expect(refused.result.toolCalls).toEqual({ ok: 1, failed: 1 });
      expect(hits(server)).toEqual(['fixed', 'first', 'second']);
      const messages = [...(await toolMessagesByCallId(refused.handle)).values()];
      expect(messages.some((message) => message.includes(`refused: run ${original.handle.workflowId} recorded no hit call with these arguments`))).toBe(true);

      // A recording that does not exist: every call says so.
      const missing = await run({ goal: 'first', recordedTools: { from: 'no-such-run' } });
      expect(missing.result.toolCalls).toEqual({ ok: 0, failed: 2 });
      expect([...(await toolMessagesByCallId(missing.handle)).values()].every((message) => message.includes('the recorded run no-such-run does not exist'))).toBe(true);
    });
  });

  it('matches by tool and input as canonical JSON, the first recorded call first', () => {
    const output = (text: string) => ({ output: text, attempt: 1 });
    const recording: RecordedCall[] = [
      { tool: 'hit', taskId: 's1-1', input: { a: 1, b: { c: [1, 2] } }, output: output('one') },
      { tool: 'hit', taskId: 's2-1', input: { b: { c: [1, 2] }, a: 1 }, output: output('two') },
      { tool: 'other', taskId: 's2-2', input: { a: 1 }, output: output('three') },
    ];
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 1 }] })).toBe('{"a":[{"c":1,"d":2}],"b":1}');
    expect(matchRecordedCall(recording, 'hit', { b: { c: [1, 2] }, a: 1 })?.output.output).toBe('one');
    expect(matchRecordedCall(recording, 'hit', { a: 1, b: { c: [2, 1] } })).toBeUndefined();
    expect(matchRecordedCall(recording, 'other', { a: 1 })?.taskId).toBe('s2-2');
  });
});
