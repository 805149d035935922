import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/define-tool';

/** A tool call's execution window, measured inside the tool. */
export interface Window {
  label: string;
  startedAt: number;
  endedAt: number;
}

/** Tools that really sleep, hang, fail or count, with the records tests assert on. */
export function createTestTools() {
  const windows: Window[] = [];
  const handlerCalls = new Map<string, number>();
  const count = (name: string) => handlerCalls.set(name, (handlerCalls.get(name) ?? 0) + 1);
  const attemptsByKey = new Map<string, number>();

  const tools: Tool[] = [
    defineTool({
      name: 'sleep',
      description: 'Sleeps for `ms` milliseconds and reports when it ran.',
      input: z.object({ label: z.string(), ms: z.number().int().min(0).max(10_000) }),
      summaryField: 'label',
      run: async ({ label, ms }, context) => {
        count('sleep');
        const startedAt = Date.now();
        await sleep(ms, undefined, { signal: context.signal });
        const window = { label, startedAt, endedAt: Date.now() };
        windows.push(window);
        return window;
      },
    }),
    defineTool({
      name: 'hang',
      description: 'Never returns on its own (until cancelled).',
      input: z.object({}),
      timeout: '1 second',
      retry: { maximumAttempts: 1 },
      run: async (_input, context) => {
        count('hang');
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        return 'aborted';
      },
    }),
    defineTool({
      name: 'flaky',
      description: 'Fails twice for a call, then succeeds.',
      input: z.object({ name: z.string() }),
      retry: { maximumAttempts: 5, initialIntervalMs: 50 },
      run: async ({ name }, context) => {
        count('flaky');
        const attempts = (attemptsByKey.get(context.idempotencyKey) ?? 0) + 1;
        attemptsByKey.set(context.idempotencyKey, attempts);
        if (attempts <= 2) throw new Error(`transient failure ${attempts} for ${name}`);
        return { name, attempts, attempt: context.attempt };
      },
    }),
    defineTool({
      name: 'strict',
      description: 'Needs an integer count between 1 and 10.',
      input: z.object({ count: z.number().int().min(1).max(10) }),
      run: async ({ count: value }) => {
        count('strict');
        return { doubled: value * 2 };
      },
    }),
    defineTool({
      name: 'blob',
      description: 'Returns a text of `bytes` bytes: a head marker, filler, a tail marker.',
      input: z.object({ bytes: z.number().int().min(20).max(5_000_000) }),
      run: async ({ bytes }) => {
        count('blob');
        return `HEAD-MARK${'x'.repeat(bytes - 18)}TAIL-MARK`;
      },
    }),
  ];
  return { tools, windows, handlerCalls, attemptsByKey };
}

/** The largest number of windows that were open at the same instant. */
export function maxOverlap(windows: readonly Window[]): number {
  const edges = windows.flatMap((window) => [
    { at: window.startedAt, delta: 1 },
    { at: window.endedAt, delta: -1 },
  ]);
  // Ends sort before starts at the same instant: touching windows do not overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const edge of edges) {
    open += edge.delta;
    max = Math.max(max, open);
  }
  return max;
}
