/**
 * How many bytes of tool output one step may add to history, shared out as the step fills: each call, when it
 * gets its permit, may use an equal share of what is left for the calls not yet finished (never more than the
 * worker's own cap, never less than `floorBytes`). A finished call gives back what it did not use.
 * So a step of 220 calls that each return 256 KB adds about `totalBytes`, not 56 MB. Deterministic.
 */
export class OutputBudget {
  private committed = 0;
  private unstarted: number;

  constructor(
    private readonly totalBytes: number,
    calls: number,
    private readonly floorBytes: number,
    private readonly ceilingBytes: number,
  ) {
    this.unstarted = calls;
  }

  /** The cap of the next call to start. */
  reserve(): number {
    const share = Math.floor((this.totalBytes - this.committed) / Math.max(1, this.unstarted));
    this.unstarted = Math.max(0, this.unstarted - 1);
    const cap = Math.max(this.floorBytes, Math.min(this.ceilingBytes, share));
    this.committed += cap;
    return cap;
  }

  /** Gives back what a call reserved and did not use (`usedBytes` unknown: nothing is given back). */
  settle(reservedBytes: number, usedBytes: number | undefined): void {
    if (usedBytes === undefined) return;
    this.committed -= Math.max(0, reservedBytes - usedBytes);
  }
}
