import { counted } from '../../core/words';
import { RUN_STATUSES } from '../../contracts/status';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import type { Usage } from '../../contracts/run-result';

/** Why a run stops before finishing a step: the step cap, or a budget. */
export type StopReason = { status: typeof RUN_STATUSES.maxSteps } | { status: typeof RUN_STATUSES.budgetExceeded; answer: string };

/** When the loop asks: before a step starts, or once the model answered with calls. */
export type StopMoment = 'before_step' | 'before_tools';

/** What `stopReason` looks at. */
export interface StopInputs {
  step: number;
  usage: Readonly<Usage>;
  /** Workflow time the logical run started, and now (both ms). */
  startedAt: number;
  now: number;
}

/**
 * Whether the run must stop, and why. Checked at two moments, in this order, as the loop always has:
 * `before_step` (the step cap, then the wall-time budget) and `before_tools` (the token budget, once the model
 * has answered with calls); the cost budget goes with the tokens. Pure.
 */
export function stopReason(state: StopInputs, input: Pick<ResolvedAgentRunInput, 'maxSteps' | 'budget'>, moment: StopMoment): StopReason | undefined {
  if (moment === 'before_step') {
    if (state.step >= input.maxSteps) return { status: RUN_STATUSES.maxSteps };
    const wallTime = input.budget?.maxWallTimeMs;
    if (wallTime !== undefined && state.now - state.startedAt >= wallTime) {
      return { status: RUN_STATUSES.budgetExceeded, answer: `Stopped: the wall-time budget of ${wallTime} ms is used up after ${counted(state.step, 'step')}.` };
    }
    return undefined;
  }
  const tokens = input.budget?.maxTokens;
  if (tokens !== undefined && state.usage.inputTokens + state.usage.outputTokens >= tokens) {
    return { status: RUN_STATUSES.budgetExceeded, answer: `Stopped: the token budget of ${tokens} is used up after ${counted(state.step, 'step')}.` };
  }
  const cost = input.budget?.maxCostUsd;
  if (cost !== undefined && (state.usage.costUsd ?? 0) >= cost) {
    return { status: RUN_STATUSES.budgetExceeded, answer: `Stopped: the cost budget of $${cost} is used up after ${counted(state.step, 'step')} ($${(state.usage.costUsd ?? 0).toFixed(4)}).` };
  }
  return undefined;
}
