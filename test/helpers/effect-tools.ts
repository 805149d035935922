import { appendFileSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/define-tool';

/**
 * A tool whose side effects are counted in a file by idempotency key, so a test can tell how often each call
 * started and finished even across worker processes that were killed.
 */
export function createEffectTool(logPath: string): Tool {
  return defineTool({
    name: 'effect',
    description: 'Performs a counted side effect that takes `ms` milliseconds.',
    input: z.object({ name: z.string(), ms: z.number().int().min(0).max(60_000) }),
    heartbeatTimeout: '2 seconds',
    retry: { maximumAttempts: 5, initialIntervalMs: 100 },
    effects: 'idempotent',
    summaryField: 'name',
    run: async ({ name, ms }, context) => {
      appendFileSync(logPath, `start ${context.idempotencyKey} ${name} ${context.attempt} ${process.pid}\n`);
      await sleep(ms, undefined, { signal: context.signal });
      appendFileSync(logPath, `done ${context.idempotencyKey} ${name} ${context.attempt} ${process.pid}\n`);
      return { name, attempt: context.attempt };
    },
  });
}

export interface EffectLine {
  event: 'start' | 'done';
  key: string;
  name: string;
  attempt: number;
  pid: number;
}

export function readEffects(logPath: string): EffectLine[] {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [event, key, name, attempt, pid] = line.split(' ');
      return { event: event as EffectLine['event'], key: key ?? '', name: name ?? '', attempt: Number(attempt), pid: Number(pid) };
    });
}

/** Polls `predicate` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
