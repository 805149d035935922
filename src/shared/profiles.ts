import type { RetrySpec } from './model';

/**
 * Timeout and retry profiles, in one place. Tools pick one (or their own) in `defineTool`;
 * the planner uses PLANNER_*.
 */
export const TOOL_RETRY_DEFAULT: RetrySpec = {
  maximumAttempts: 3,
  initialIntervalMs: 200,
  backoffCoefficient: 2,
  maximumIntervalMs: 5_000,
};

export const TOOL_TIMEOUT_DEFAULT_MS = 30_000;

export const PLANNER_TIMEOUT_MS = 120_000;
export const PLANNER_HEARTBEAT_TIMEOUT_MS = 30_000;
export const PLANNER_RETRY: RetrySpec = {
  maximumAttempts: 8,
  initialIntervalMs: 500,
  backoffCoefficient: 2,
  maximumIntervalMs: 20_000,
};
/** Upper bound on a server's `Retry-After` that we honour. */
export const PLANNER_MAX_RETRY_AFTER_MS = 60_000;

/** Budget for the catalogue activity at the start of a run. */
export const CATALOGUE_TIMEOUT_MS = 10_000;

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
