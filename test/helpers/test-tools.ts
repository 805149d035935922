import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/define-tool';

/** A tool call's execution window, measured inside the tool. */
export interface Window {
  label: string;
  startedAt: number;
  endedAt: number;
}

/**
 * Longest a latch tool waits for the test or for its peers. Generous on purpose: it is not a timing, only the
 * bound that turns a broken feature (calls that never overlap, a release that never comes) into a failed call
 * instead of a hung test.
 */
export const LATCH_BOUND_MS = 20_000;

/** A one-shot signal: opened once, awaited any number of times (before or after it opens). */
export class Latch {
  readonly opened: Promise<void>;
  private resolveOpened!: () => void;

  constructor() {
    this.opened = new Promise((resolve) => {
      this.resolveOpened = resolve;
    });
  }

  open(): void {
    this.resolveOpened();
  }
}

/**
 * Waits for `promise`, or fails once `boundMs` passed or `signal` aborted. The message says what did not
 * happen, so a test failure names the broken expectation.
 */
export async function within<T>(promise: Promise<T>, what: string, signal?: AbortSignal, boundMs = LATCH_BOUND_MS): Promise<T> {
  const abortable = new AbortController();
  const onAbort = () => abortable.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    return await Promise.race([
      promise,
      sleep(boundMs, undefined, { signal: abortable.signal }).then(() => {
        throw new Error(`${what} did not happen within ${boundMs} ms`);
      }),
    ]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    abortable.abort();
  }
}

/** Wall-clock time in milliseconds, with the sub-millisecond part. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Latches by label, made on first use, so a test can wait on a call before the call exists. */
class LatchesByLabel {
  private readonly latches = new Map<string, Latch>();

  get(label: string): Latch {
    let latch = this.latches.get(label);
    if (!latch) {
      latch = new Latch();
      this.latches.set(label, latch);
    }
    return latch;
  }
}

/** Tools that really sleep, hang, fail, count or wait on latches, with the records tests assert on. */
export function createTestTools() {
  const windows: Window[] = [];
  const handlerCalls = new Map<string, number>();
  const count = (name: string) => handlerCalls.set(name, (handlerCalls.get(name) ?? 0) + 1);
  const attemptsByKey = new Map<string, number>();

  // `rendezvous`: calls that started so far, and the latches that open when that number reaches a count.
  let arrivals = 0;
  const arrivalLatches = new LatchesByLabel();
  // `blocked`: one latch per label that the tool opens when it starts, one that the test opens to release it.
  const started = new LatchesByLabel();
  const released = new LatchesByLabel();
  /** Lets a test see a `blocked` call start, and let it finish. */
  const gates = {
    /** Resolves once the `blocked` call with this label has started (rejects after LATCH_BOUND_MS). */
    started: (label: string) => within(started.get(label).opened, `the start of blocked call "${label}"`),
    /** Lets the `blocked` call with this label return (before or after it started). */
    release: (label: string) => released.get(label).open(),
  };

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
    defineTool({
      name: 'rendezvous',
      description: 'Waits until `count` rendezvous calls in total have started, then returns: proves that calls overlap.',
      input: z.object({ label: z.string(), count: z.number().int().min(1).max(100) }),
      summaryField: 'label',
      timeout: '60 seconds',
      retry: { maximumAttempts: 1 },
      run: async ({ label, count: expected }, context) => {
        count('rendezvous');
        // Sub-millisecond times: a call that ends in the same millisecond as the last one started still overlaps it.
        const startedAt = preciseNow();
        arrivals += 1;
        for (let reached = 1; reached <= arrivals; reached += 1) arrivalLatches.get(String(reached)).open();
        await within(arrivalLatches.get(String(expected)).opened, `${expected} overlapping rendezvous calls (call "${label}")`, context.signal);
        windows.push({ label, startedAt, endedAt: preciseNow() });
        return { label };
      },
    }),
    defineTool({
      name: 'blocked',
      description: 'Starts, then waits until the test releases it by label.',
      input: z.object({ label: z.string() }),
      summaryField: 'label',
      timeout: '60 seconds',
      retry: { maximumAttempts: 1 },
      run: async ({ label }, context) => {
        count('blocked');
        started.get(label).open();
        await within(released.get(label).opened, `the release of blocked call "${label}"`, context.signal);
        return { label, released: true };
      },
    }),
  ];
  return { tools, windows, handlerCalls, attemptsByKey, gates };
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

/** A tool that needs a person's approval and records every input it ran with. */
export function createDeployTool() {
  const ran: Array<{ service: string; version: string }> = [];
  const tool = defineTool({
    name: 'deploy',
    description: 'Deploys a service (needs approval)',
    input: z.object({ service: z.string(), version: z.string() }),
    requiresApproval: true,
    run: async (input) => {
      ran.push(input);
      return `deployed ${input.service}@${input.version}`;
    },
  });
  return { tool, ran };
}
