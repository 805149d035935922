import { workflowInfo } from '@temporalio/workflow';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES } from '../../contracts/limits';

/** History size at which a run continues as new, well under Temporal's 50 MB limit. */
export const DEFAULT_CONTINUE_AS_NEW_BYTES = 8_000_000;

/**
 * When a run hands over to its next run (continue-as-new): its history is large, Temporal suggests it, or it has
 * accepted many Updates (Temporal refuses more than 2,000 per execution). Counts the Updates this execution accepted.
 */
export class HandoverPolicy {
  private accepted = 0;

  constructor(private readonly input: Pick<ResolvedAgentRunInput, 'continueAsNewAtHistoryBytes' | 'continueAsNewAfterUpdates'>) {}

  /** An Update was accepted (its handler runs). */
  updateAccepted(): void {
    this.accepted += 1;
  }

  /** Whether the run should continue as new at its next safe point. */
  due(): boolean {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historySize >= (this.input.continueAsNewAtHistoryBytes ?? DEFAULT_CONTINUE_AS_NEW_BYTES)) return true;
    return this.accepted >= (this.input.continueAsNewAfterUpdates ?? DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES);
  }
}
