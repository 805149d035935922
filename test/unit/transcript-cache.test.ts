import { createWorkflowContextReader } from '../../src/activities/planner/context-reader';
import { readPlanRequest } from '../../src/activities/planner/plan-request';
import { TranscriptCache } from '../../src/activities/planner/transcript-cache';
import type { ChatMessage } from '../../src/contracts/chat-message';
import type { PlannerContext, PlannerContextRequest, PlanRequest } from '../../src/contracts/planner-io';
import type { ToolSpec } from '../../src/contracts/tool-spec';
import { PLANNER_DELTA_MAX_CHARS, TOOL_RETRY_DEFAULT } from '../../src/contracts/limits';
import { TranscriptSender } from '../../src/workflows/agent/planner';

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
    // One run larger than the bound is served from its delta but not kept (the others stay), and the count stays true.
    const before = bytesBound.size;
    expect(bytesBound.read('c/1', { from: 0, messages: [message('z'.repeat(600))] }, 1)).toHaveLength(1);
    expect(bytesBound.size).toEqual(before);
    expect(bytesBound.read('c/1', { from: 1, messages: [message('m1')] }, 2)).toBeUndefined();
  });
});

describe('the planner’s context reader with deltas', () => {
  const request = (step: number, messageCount: number, delta: PlanRequest['delta'], runId = 'r'): PlanRequest => ({
    workflowId: 'w',
    runId,
    step,
    finalTurn: false,
    messageCount,
    delta,
  });
  const reader = (asked: Array<PlannerContextRequest | undefined>) =>
    createWorkflowContextReader(async (_request, args) => {
      asked.push(args);
      return { messages: transcript(args?.messageCount ?? 0), ...(args?.includeTools ? { tools: [tool] } : {}) } satisfies PlannerContext;
    });

  it('queries only when this worker lacks part of the transcript or the catalogue', async () => {
    const asked: Array<PlannerContextRequest | undefined> = [];
    const read = reader(asked);
    const first = await read(request(1, 2, { from: 0, messages: transcript(2), tools: [tool] }));
    const second = await read(request(2, 4, { from: 2, messages: [message('m2'), message('m3')] }));
    expect(first).toEqual({ messages: transcript(2), tools: [tool], read: 'cache' });
    expect(second).toEqual({ messages: transcript(4), tools: [tool], read: 'cache' });
    expect(asked).toEqual([]);
    // A worker that did not serve the run so far (a restart, another worker) asks once, then serves from its cache.
    const fresh = reader(asked);
    expect(await fresh(request(3, 6, { from: 4, messages: [message('m4'), message('m5')] }))).toMatchObject({ messages: transcript(6), tools: [tool], read: 'query' });
    expect(await fresh(request(4, 7, { from: 6, messages: [message('m6')] }))).toEqual({ messages: transcript(7), tools: [tool], read: 'cache' });
    expect(asked).toEqual([{ step: 3, messageCount: 6, includeTools: true }]);
    // A step past the delta limit sends no messages: the cache cannot cover, so the worker asks (not for the catalogue).
    expect(await fresh(request(5, 9, { from: 9, messages: [] }))).toMatchObject({ messages: transcript(9), read: 'query' });
    expect(asked.at(-1)).toEqual({ step: 5, messageCount: 9, includeTools: false });
  });

  it('serves a local planner, which sends the whole transcript every time, from the delta alone', async () => {
    const asked: Array<PlannerContextRequest | undefined> = [];
    const read = reader(asked);
    expect(await read(request(1, 2, { from: 0, messages: transcript(2), tools: [tool] }))).toEqual({ messages: transcript(2), tools: [tool], read: 'cache' });
    expect(await read(request(2, 5, { from: 0, messages: transcript(5), tools: [tool] }))).toEqual({ messages: transcript(5), tools: [tool], read: 'cache' });
    expect(asked).toEqual([]);
  });

  it('reads requests of earlier builds: the transcript inline as a delta from 0, none at all as nothing new', async () => {
    const base = { workflowId: 'w', runId: 'old', step: 2, finalTurn: false, messageCount: 3 };
    const inline = readPlanRequest({ ...base, context: { model: 'm-run', messages: transcript(3), tools: [tool] } });
    expect(inline).toEqual({ ...base, model: 'm-run', delta: { from: 0, messages: transcript(3), tools: [tool] } });
    expect(readPlanRequest({ ...base, model: 'm-input', context: { model: 'm-run', messages: transcript(3), tools: [tool] } }).model).toBe('m-input');
    expect(readPlanRequest(base)).toEqual({ ...base, delta: { from: 3, messages: [] } });
    const delta = { from: 2, messages: [message('m2')] };
    expect(readPlanRequest({ ...base, delta })).toEqual({ ...base, delta });
    const asked: Array<PlannerContextRequest | undefined> = [];
    const read = reader(asked);
    expect(await read(inline)).toEqual({ messages: transcript(3), tools: [tool], read: 'cache' });
    // A request without a transcript queries, like the runs that sent it always did.
    expect(await read(readPlanRequest({ ...base, runId: 'older-run' }))).toMatchObject({ messages: transcript(3), read: 'query' });
    expect(asked).toEqual([{ step: 2, messageCount: 3, includeTools: true }]);
  });
});

describe('the workflow’s transcript sender', () => {
  /** A run whose transcript has `count` messages, each `size` characters long. */
  const runWith = (count: number, size = 2) => ({
    step: 1,
    messageCount: count,
    plannerContext: (args?: PlannerContextRequest): PlannerContext => ({
      messages: Array.from({ length: args?.messageCount ?? count }, (_, index) => message(`m${index}`.padEnd(size, '.'))),
      ...(args?.includeTools ? { tools: [tool] } : {}),
    }),
  });

  it('sends the activity planner what was added since its previous request, and nothing past the limit', () => {
    const sender = new TranscriptSender();
    expect(sender.next(runWith(2))).toEqual({ from: 0, messages: transcript(2), tools: [tool] });
    expect(sender.next(runWith(4))).toEqual({ from: 2, messages: [message('m2'), message('m3')] });
    // Past PLANNER_DELTA_MAX_CHARS: no messages, only where the transcript stands (the worker then queries).
    const big = Math.ceil(PLANNER_DELTA_MAX_CHARS / 2) + 1;
    expect(sender.next(runWith(6, big))).toEqual({ from: 6, messages: [] });
    expect(sender.next(runWith(7)).from).toBe(6);
  });

  it('sends a local planner the whole transcript and the catalogue every time, whatever its size', () => {
    const sender = new TranscriptSender(true);
    expect(sender.next(runWith(2))).toEqual({ from: 0, messages: transcript(2), tools: [tool] });
    const big = sender.next(runWith(6, PLANNER_DELTA_MAX_CHARS));
    expect(big).toMatchObject({ from: 0, tools: [tool] });
    expect(big.messages).toHaveLength(6);
  });
});
