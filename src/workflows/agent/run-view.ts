import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { AGENT_COST_USD, AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_STATUS, AGENT_STEP } from '../../contracts/search-attributes';
import type { Features } from './features';
import type { RunState } from './run-state';

/**
 * Ends the details: the Temporal UI (2.42) sizes the frame it renders them in from the frame body's scroll height,
 * which comes out about a line short, so the last line was cut off (test/cli/ui-run-page.test.ts checks it is not);
 * a last paragraph of one no-break space is what is cut instead.
 */
const UI_FRAME_SPACER = '\n\n\u00a0';

/** How a run shows itself: the live details table of the Temporal UI, and the search attributes `list` filters on. */
export class RunView {
  constructor(
    private readonly run: RunState,
    private readonly input: Pick<ResolvedAgentRunInput, 'searchAttributes' | 'costAttribute'>,
    private readonly features: Pick<Features, 'costAttribute'>,
  ) {
    // Every change of a run appends an event (a call starts or ends, a timer starts or fires, a wait begins or ends):
    // the details follow each one, not only the step's ends. Cheap: no command, the UI reads them with a query.
    run.events.watch(() => this.show());
  }

  /** Redraws the details table (not a command: it never affects replay). */
  show(): void {
    setCurrentDetails(`${this.run.details()}${UI_FRAME_SPACER}`);
  }

  /**
   * Upserts the search attributes, when the namespace has them (upserting unregistered ones fails the task); the cost
   * too on runs of the `costAttribute` feature whose namespace has `AgentCostUsd`, once the worker knows a price.
   */
  publish(): void {
    if (!this.input.searchAttributes) return;
    const cost = this.run.usage.costUsd;
    const costPair = this.features.costAttribute && this.input.costAttribute && cost !== undefined ? [{ key: AGENT_COST_USD, value: cost }] : [];
    upsertSearchAttributes([
      { key: AGENT_STATUS, value: this.run.status },
      { key: AGENT_STEP, value: this.run.step },
      { key: AGENT_INPUT_TOKENS, value: this.run.usage.inputTokens },
      { key: AGENT_OUTPUT_TOKENS, value: this.run.usage.outputTokens },
      ...costPair,
    ]);
  }
}
