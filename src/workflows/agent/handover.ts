import { workflowInfo } from '@temporalio/workflow';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES } from '../../contracts/limits';

/** History size at which a run continues as new, well under Temporal's 50 MB limit. */
export const DEFAULT_CONTINUE_AS_NEW_BYTES = 8_000_000;

/**
 * When a run hands over to its next run (continue-as-new): its history is large (and it has done something since it
 * began), Temporal suggests it, or it has accepted many Updates (Temporal refuses more than 2,000 per execution).
 * Counts the Updates this execution accepted.
 */
export class HandoverPolicy {
  private accepted = 0;
  /** A step ended in this execution. */
  private stepped = false;

  constructor(
    private readonly input: Pick<ResolvedAgentRunInput, 'continueAsNewAtHistoryBytes' | 'continueAsNewAfterUpdates'>,
    private readonly features: { handoverProgress: boolean },
  ) {}

  /** A step ended: the run did something since it began, so a handover for size may help. */
  stepEnded(): void {
    this.stepped = true;
  }

  /** An Update was accepted (its handler runs). */
  updateAccepted(): void {
    this.accepted += 1;
  }

  /** Whether the run should continue as new at its next safe point. */
  due(): boolean {
    const info = workflowInfo();
    if (info.continueAsNewSuggested) return true;
    const large = info.historySize >= (this.input.continueAsNewAtHistoryBytes ?? DEFAULT_CONTINUE_AS_NEW_BYTES);
    // A run that has done nothing since it began would only carry the same history to the next run, and so on forever.
    if (large && (!this.features.handoverProgress || this.stepped || this.accepted > 0)) return true;
    return this.accepted >= (this.input.continueAsNewAfterUpdates ?? DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES);
  }
}
