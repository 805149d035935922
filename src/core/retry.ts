import type { RetrySpec } from '../contracts/tool-spec';

/**
 * Schedule-to-close timeout of a tool call: room for every attempt at its full timeout plus the
 * backoff between them, so retries can actually happen.
 */
export function scheduleToCloseMs(timeoutMs: number, retry: RetrySpec): number {
  let total = timeoutMs * retry.maximumAttempts;
  let interval = retry.initialIntervalMs;
  for (let attempt = 1; attempt < retry.maximumAttempts; attempt += 1) {
    total += Math.min(interval, retry.maximumIntervalMs);
    interval *= retry.backoffCoefficient;
  }
  return total + 1_000;
}

/** A retry spec as Temporal's `RetryPolicy` (durations in ms). The one conversion, for the planner and tools alike. */
export function toActivityRetry(retry: RetrySpec): { maximumAttempts: number; initialInterval: number; backoffCoefficient: number; maximumInterval: number } {
  return {
    maximumAttempts: retry.maximumAttempts,
    initialInterval: retry.initialIntervalMs,
    backoffCoefficient: retry.backoffCoefficient,
    maximumInterval: retry.maximumIntervalMs,
  };
}
