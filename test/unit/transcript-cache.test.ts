import { createWorkflowContextReader } from '../../src/activities/planner/plan-activity';
import { TranscriptCache } from '../../src/activities/planner/transcript-cache';
import type { ChatMessage, PlannerContext, PlannerContextRequest, PlanRequest, ToolSpec } from '../../src/shared/model';
import { TOOL_RETRY_DEFAULT } from '../../src/shared/profiles';

const tool: ToolSpec = { name: 'echo', description: 'echo', inputSchema: {}, timeoutMs: 1_000, retry: TOOL_RETRY_DEFAULT, effects: 'read' };
const message = (content: string): ChatMessage => ({ role: 'user', content });
/** The transcript of a run: message i says `m<i>`. */
const transcript = (count: number) => Array.from({ length: count }, (_, index) => message(`m${index}`));

describe('the planner worker’s transcript cache', () => {
  it('serves a run from its deltas and takes a retried delta once', () => {
    const cache = new TranscriptCache();
    expect(cache.read('w/r', { from: 0, messages: transcript(2) }, 2)).toEqual(transcript(2));
    const step2 = { from: 2, messages: [message('m2'), message('m3')] };
    expect(cache.read('w/r', step2, 4)).toEqual(transcript(4));
    // The same request again (an activity retry on this worker): nothing is appended twice.
    expect(cache.read('w/r', step2, 4)).toEqual(transcript(4));
    expect(cache.read('w/r', { from: 4, messages: [message('m4')] }, 5)).toEqual(transcript(5));
    expect(cache.size.runs).toBe(1);
  });

  it('misses when it lacks messages before the delta (another worker served the previous step)', () => {
    const cache = new TranscriptCache();
    expect(cache.read('w/r', { from: 3, messages: [message('m3')] }, 4)).toBeUndefined();
    cache.read('w/r', { from: 0, messages: transcript(2) }, 2);
    expect(cache.read('w/r', { from: 3, messages: [message('m3')] }, 4)).toBeUndefined();
    // What a query returned fills the gap for the next request.
    cache.store('w/r', transcript(4));
    expect(cache.read('w/r', { from: 4, messages: [message('m4')] }, 5)).toEqual(transcript(5));
  });

  it('keeps runs apart and drops the least recently used beyond its bounds', () => {
    const cache = new TranscriptCache(2, 10_000);
    cache.read('a/1', { from: 0, messages: transcript(1) }, 1);
    cache.read('b/1', { from: 0, messages: transcript(1) }, 1);
    cache.read('a/1', { from: 1, messages: [message('m1')] }, 2);
    cache.read('c/1', { from: 0, messages: transcript(1) }, 1);
    expect(cache.size.runs).toBe(2);
    expect(cache.read('b/1', { from: 1, messages: [message('m1')] }, 2)).toBeUndefined();
    expect(cache.read('a/1', { from: 2, messages: [message('m2')] }, 3)).toEqual(transcript(3));
    const bytesBound = new TranscriptCache(10, 500);
    bytesBound.read('a/1', { from: 0, messages: [message('x'.repeat(300))] }, 1);
    bytesBound.read('b/1', { from: 0, messages: [message('y'.repeat(300))] }, 1);
    expect(bytesBound.size.runs).toBe(1);
    expect(bytesBound.size.bytes).toBeLessThanOrEqual(500);
  });
});

describe('the planner’s context reader with deltas', () => {
  const request = (step: number, messageCount: number, delta?: PlanRequest['delta'], runId = 'r'): PlanRequest => ({
    workflowId: 'w',
    runId,
    step,
    finalTurn: false,
    messageCount,
    ...(delta ? { delta } : {}),
  });

  it('queries only when this worker lacks part of the transcript or the catalogue', async () => {
    const asked: Array<PlannerContextRequest | undefined> = [];
    const read = createWorkflowContextReader(async (_request, args) => {
      asked.push(args);
      return { messages: transcript(args?.messageCount ?? 0), ...(args?.includeTools ? { tools: [tool] } : {}) } satisfies PlannerContext;
    });
    const first = await read(request(1, 2, { from: 0, messages: transcript(2), tools: [tool] }));
    const second = await read(request(2, 4, { from: 2, messages: [message('m2'), message('m3')] }));
    expect(first).toEqual({ messages: transcript(2), tools: [tool], read: 'cache' });
    expect(second).toEqual({ messages: transcript(4), tools: [tool], read: 'cache' });
    expect(asked).toEqual([]);
    // A worker that did not serve the run so far (a restart, another worker) asks once, then serves from its cache.
    const fresh = createWorkflowContextReader(async (_request, args) => {
      asked.push(args);
      return { messages: transcript(args?.messageCount ?? 0), ...(args?.includeTools ? { tools: [tool] } : {}) } satisfies PlannerContext;
    });
    expect(await fresh(request(3, 6, { from: 4, messages: [message('m4'), message('m5')] }))).toMatchObject({ messages: transcript(6), tools: [tool], read: 'query' });
    expect(await fresh(request(4, 7, { from: 6, messages: [message('m6')] }))).toEqual({ messages: transcript(7), tools: [tool], read: 'cache' });
    expect(asked).toEqual([{ step: 3, messageCount: 6, includeTools: true }]);
    // Requests without a delta (runs started on older code) query as before.
    await fresh(request(1, 2, undefined, 'older-run'));
    expect(asked.at(-1)).toEqual({ step: 1, messageCount: 2, includeTools: true });
  });
});
