import type { RunEvent } from '../contracts/interaction-schemas';
import type { AgentState } from '../contracts/agent-state';
import { RunFold } from '../core/run-fold';

/** Finished calls kept for a view (it shows the last few). */
const RECENT_CALLS = 20;

/**
 * A run's progress rebuilt from its event log in the shape of the live state (`AgentState`), by the same fold the
 * workflow keeps its own state with (src/core/run-fold.ts): following a run needs no polled snapshots, and what a
 * follower shows is what the run says. `maxSteps` is the run's input (events do not repeat it).
 */
export class RunProgress {
  private readonly fold = new RunFold({}, RECENT_CALLS);

  constructor(private readonly maxSteps: number) {}

  /** The progress of a whole log (from offset 0). */
  static of(events: readonly RunEvent[], maxSteps: number): RunProgress {
    const progress = new RunProgress(maxSteps);
    for (const event of events) progress.apply(event);
    return progress;
  }

  apply(event: RunEvent): void {
    this.fold.apply(event);
  }

  /** True once `run_ended` was seen (a session's `turn_answered` does not end it). */
  get hasEnded(): boolean {
    return this.fold.ended;
  }

  state(): AgentState {
    return {
      status: this.fold.status,
      step: this.fold.step,
      maxSteps: this.maxSteps,
      pending: this.fold.running.map((call) => ({ ...call })),
      usage: { ...this.fold.usage },
      toolCalls: { ...this.fold.toolCalls },
      recent: this.fold.recent.map((call) => ({ ...call })),
    };
  }
}
