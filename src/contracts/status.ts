/**
 * The status vocabulary of an agent run: one list, used by the workflow (state, search attribute, UI details),
 * the client, the CLI and the docs. `running` and the `waiting_for_*` statuses are live; the others are outcomes.
 */
export const RUN_STATUSES = {
  /** Planning or executing a step. */
  running: 'running',
  /** A tool call waits for a person to approve or deny it (`durable-agent approve|deny`). */
  waitingForApproval: 'waiting_for_approval',
  /** The model asked a question (`ask_user`) and waits for the answer (`durable-agent reply`). */
  waitingForInput: 'waiting_for_input',
  /** The budget is used up and `onExhausted` is `pause`: waiting for `durable-agent raise-budget`. */
  waitingForBudget: 'waiting_for_budget',
  /** A client paused the run (`durable-agent pause`): it waits before its next step for `durable-agent resume`. */
  paused: 'paused',
  /** A session answered its turn and waits for the next message (`durable-agent send`). */
  idle: 'idle',
  /** The model answered without calling a tool. */
  final: 'final',
  /** The step cap was reached (the model got one last tool-less turn). */
  maxSteps: 'max_steps',
  /** A token or wall-time budget ran out. */
  budgetExceeded: 'budget_exceeded',
  /** Cancelled by a client; calls in flight were cancelled and waited for. */
  cancelled: 'cancelled',
  /** The model call gave up, or the input was invalid; `error` says why. */
  failed: 'failed',
} as const;

/** Every status a run can be in. */
export type RunStatus = (typeof RUN_STATUSES)[keyof typeof RUN_STATUSES];

/** Statuses of a run that has not ended. */
export const LIVE_STATUS_WORDS = [RUN_STATUSES.running, RUN_STATUSES.waitingForApproval, RUN_STATUSES.waitingForInput, RUN_STATUSES.waitingForBudget, RUN_STATUSES.paused, RUN_STATUSES.idle] as const;
export type LiveRunStatus = (typeof LIVE_STATUS_WORDS)[number];

/** Statuses a run ends with (the result's `status`). */
export type AgentRunStatus = Exclude<RunStatus, LiveRunStatus>;

/** Every status word, in display order. */
export const RUN_STATUS_WORDS: readonly RunStatus[] = Object.values(RUN_STATUSES);

/** Outcome words, in display order. */
export const OUTCOME_STATUS_WORDS: readonly AgentRunStatus[] = RUN_STATUS_WORDS.filter(
  (status): status is AgentRunStatus => !(LIVE_STATUS_WORDS as readonly string[]).includes(status),
);

/** True when `status` ends a run. */
export function isOutcome(status: string): status is AgentRunStatus {
  return (OUTCOME_STATUS_WORDS as readonly string[]).includes(status);
}
