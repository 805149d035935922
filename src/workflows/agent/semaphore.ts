import { condition } from '@temporalio/workflow';

/**
 * A deterministic counting semaphore for workflow code: waiters resume through `condition`, so the order
 * in which permits are granted is decided by the workflow's own event order and replays identically.
 *
 * A caller that finds a free permit and nobody waiting takes it at once, without a `condition` round; every promise a
 * workflow makes costs the SDK a stack trace (bench/RESULTS.md §7), so the common case makes none of its own.
 */
export class Semaphore {
  private available: number;
  private readonly queue: number[] = [];
  private nextTicket = 0;

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError(`Expected permits to be an integer >= 1, got ${permits}`);
    this.available = permits;
  }

  /** Waits for a permit; waiters are served first come, first served. */
  async acquire(): Promise<void> {
    const ticket = this.nextTicket++;
    this.queue.push(ticket);
    try {
      await condition(() => this.available > 0 && this.queue[0] === ticket);
    } catch (error) {
      // A cancelled waiter leaves the queue, so it never blocks the ones behind it.
      this.queue.splice(this.queue.indexOf(ticket), 1);
      throw error;
    }
    this.queue.shift();
    this.available -= 1;
  }

  /** Nobody waits for a permit. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  release(): void {
    this.available += 1;
  }

  /** Runs `body` holding a permit, and always gives the permit back. */
  withPermit<T>(body: () => Promise<T>): Promise<T> {
    if (this.available > 0 && this.queue.length === 0) {
      this.available -= 1;
      return body().finally(() => this.release());
    }
    return this.waitForPermit(body);
  }

  private async waitForPermit<T>(body: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await body();
    } finally {
      this.release();
    }
  }
}
