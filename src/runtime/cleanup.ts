import { settleWithin } from './settle';

/** Upper bound on each clean-up step (stopping the worker, closing connections), so closing always ends. */
export const CLEANUP_STEP_MS = 5_000;
/** The embedded server's own stop (SIGTERM, then SIGKILL after 10 s) gets a little longer. */
export const SERVER_STOP_MS = 12_000;
/** With the server gone there is nothing to drain or report to: each step gets only this long. */
export const CLEANUP_STEP_WITHOUT_SERVER_MS = 1_000;

/** How the steps are bounded; the defaults are the constants above (tests shorten them). */
export interface CleanupTimeouts {
  /** @default {@link CLEANUP_STEP_WITHOUT_SERVER_MS} */
  withoutServerMs?: number;
}

/**
 * What was started, to be stopped in reverse order whatever fails on the way: each step is awaited at most its
 * timeout (a failure or a hang is not an error here), or {@link CLEANUP_STEP_WITHOUT_SERVER_MS} once the server is lost.
 */
export class Cleanup {
  private readonly steps: Array<{ close: () => Promise<unknown>; timeoutMs: number }> = [];

  constructor(private readonly timeouts: CleanupTimeouts = {}) {}

  /** Adds a step, run before every step added earlier. */
  add(close: () => Promise<unknown>, timeoutMs: number = CLEANUP_STEP_MS): void {
    this.steps.push({ close, timeoutMs });
  }

  /** Runs the steps, last added first; a second call finds none left. `serverLost`: each step gets the short bound. */
  async run(options: { serverLost?: boolean } = {}): Promise<void> {
    const withoutServerMs = this.timeouts.withoutServerMs ?? CLEANUP_STEP_WITHOUT_SERVER_MS;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      const { close, timeoutMs } = step;
      // A step that throws synchronously is a failed step like any other.
      await settleWithin(Promise.resolve().then(close), options.serverLost ? withoutServerMs : timeoutMs);
    }
  }
}
