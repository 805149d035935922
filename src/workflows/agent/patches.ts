/**
 * Patch ids of changes to what the loop schedules (see docs/versioning.md). A run's history records which
 * patches it started with, so a run started on older code keeps its old behaviour when newer code replays it.
 * Never rename or reuse an id; retire one only when no run that lacks it can still be replayed.
 */
export const PATCHES = {
  /**
   * Size limits (issue 10): calls per answer capped, tool-call ids made unique, argument depth bounded,
   * a per-step output budget passed to each tool call, and a byte bound on the transcript carried at continue-as-new.
   */
  sizeLimits: 'size-limits-v1',
  /** One outcome rule (issue 12): an invalid input is a `failed` result with `AgentInputInvalid`, not a failed workflow. */
  outcomeRule: 'outcome-rule-v1',
  /** Approvals and questions (issue 13): gated calls wait for a `decide` Update, `ask_user` for a `reply`. */
  interaction: 'interaction-v1',
  /** Budgets (issue 13): a used-up budget pauses (`onExhausted: 'pause'`) or stops after one tool-less turn. Taken only when a budget runs out. */
  budgets: 'budgets-v1',
  /** Sessions (issue 13): after an answer the run goes idle and waits for `send`; taken only by runs with `session: true`. */
  sessions: 'sessions-v1',
  /** Plans with dependencies (issue 14): `submit_plan` runs a checked graph of calls; taken only by runs with `planning` `dag` or `auto`. */
  plans: 'plans-v1',
  /** Arguments checked against the tool's JSON Schema in the workflow (issue 15): a call that breaks it is refused unscheduled. Taken only when a call breaks it. */
  inputCheck: 'input-check-v1',
  /** Patterns in `allowedTools`/`requireApproval` (issue 15): `github__*` names every matching tool. Taken only by runs that use a pattern. */
  toolPatterns: 'tool-patterns-v1',
  /** The planner as a local activity with the transcript as its input (issue 16); taken only by runs with `planner: 'local'`. */
  localPlanner: 'local-planner-v1',
  /**
   * The planner activity's request carries the transcript's new messages since the previous request (issue 16), so a
   * worker that served the previous step answers from its cache without querying the workflow. Taken by every run
   * on the activity planner.
   */
  plannerDelta: 'planner-delta-v1',
  /**
   * Fewer promises per tool call (issue 16): a free permit is taken without a `condition` round, and a call that
   * needs no approval has no async wrapper. Commands and their order are the same; only when a call's activity is
   * scheduled within its workflow task moves. Taken by every run.
   */
  leanScheduling: 'lean-scheduling-v1',
  /**
   * Tool workers on their own queues (issue 17): `toolQueues` catalogues are read at the start, and a call to a tool on
   * another queue fails with `ToolUnavailable` when no worker takes it in time. Taken only by runs that use such tools.
   */
  toolQueues: 'tool-queues-v1',
  /**
   * Waits that hand over (issue 22): a run waiting for people or a budget continues as new once its history is large
   * or it accepted `continueAsNewAfterUpdates` Updates, carrying its step (finished results, open gates); an idle
   * session keeps its idle deadline across handovers; an ended run leaves the tail of its event log in its memo.
   * Taken by every run with interactions.
   */
  waitHandover: 'wait-handover-v1',
} as const;
