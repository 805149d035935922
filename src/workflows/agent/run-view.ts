import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_STATUS, AGENT_STEP } from '../../contracts/search-attributes';
import type { RunState } from './run-state';

/** How a run shows itself: the live details table of the Temporal UI, and the search attributes `list` filters on. */
export class RunView {
  constructor(
    private readonly run: RunState,
    private readonly input: Pick<ResolvedAgentRunInput, 'searchAttributes'>,
  ) {}

  /** Redraws the details table (not a command: it never affects replay). */
  show(): void {
    setCurrentDetails(this.run.details());
  }

  /** Upserts the search attributes, when the namespace has them (upserting unregistered ones fails the task). */
  publish(): void {
    if (!this.input.searchAttributes) return;
    upsertSearchAttributes([
      { key: AGENT_STATUS, value: this.run.status },
      { key: AGENT_STEP, value: this.run.step },
      { key: AGENT_INPUT_TOKENS, value: this.run.usage.inputTokens },
      { key: AGENT_OUTPUT_TOKENS, value: this.run.usage.outputTokens },
    ]);
  }
}
