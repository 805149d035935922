import type { RunEvent } from '../../contracts/interaction-schemas';
import { PHASE_TRANSITIONS, type PhaseEventType, type RunFold, type RunPhase } from '../../core/run-fold';
import type { EventLog } from './event-log';

/** An event that changes the run's phase, as the workflow appends it. */
export type PhaseEvent = Omit<RunEvent, 'offset' | 'at' | 'type'> & { type: PhaseEventType };

/**
 * The run machine (docs/architecture.md §3): `transition` is the only place a run's phase changes. It checks that the
 * move is one the machine allows (`PHASE_TRANSITIONS` in src/core/run-fold.ts) and appends the matching event; the
 * phase itself is what the run's fold makes of its event log, so the workflow, followers and the memo of an ended
 * run all see the same machine.
 */
export class RunMachine {
  constructor(
    private readonly events: EventLog,
    private readonly fold: RunFold,
  ) {}

  get phase(): RunPhase {
    return this.fold.phase;
  }

  /** True when the machine allows `type` from the current phase. */
  allows(type: PhaseEventType): boolean {
    return (PHASE_TRANSITIONS[type].from as readonly string[]).includes(this.fold.phase.name);
  }

  transition(event: PhaseEvent): void {
    // A bug, not bad input: the workflow task fails (and is retried by a fixed worker), nothing reaches history.
    if (!this.allows(event.type)) throw new Error(`run machine: ${event.type} is not allowed in phase ${this.fold.phase.name}`);
    this.events.appendPhase(event);
  }
}
