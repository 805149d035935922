import { z } from 'zod';
import { MAX_CALLS_PER_ANSWER_LIMIT, MAX_EDIT_BYTES_LIMIT } from './limits';
import { BudgetSchema, PlanningSchema } from './budget';

/** Longest goal (and system prompt): the run's input must fit a Temporal payload with room to spare. */
export const GOAL_MAX_CHARACTERS = 100_000;

export { BudgetRaiseSchema, BudgetSchema, PlanningSchema, type Budget, type BudgetRaise } from './budget';

/** What a caller says about a run. Evolve it by adding optional fields only. */
/** Planning steps of a run when its input names none. */
export const DEFAULT_MAX_STEPS = 10;

export const AgentRunInputSchema = z.object({
  goal: z.string().trim().min(1, 'expected a non-empty goal').max(GOAL_MAX_CHARACTERS, `expected a goal of at most ${GOAL_MAX_CHARACTERS} characters`),
  /** Planning steps before the run stops with `max_steps`. */
  maxSteps: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_STEPS),
  /** Tool calls of one run that may execute at the same time. */
  maxParallel: z.number().int().min(1).max(1_000).default(4),
  /** Tools the model may use; default: every registered tool. An empty list offers none. */
  allowedTools: z.array(z.string().min(1)).optional(),
  /** Model name passed to the planner; default: the worker's configured model. */
  model: z.string().min(1).optional(),
  /** Replaces the default system prompt. */
  systemPrompt: z.string().min(1).max(GOAL_MAX_CHARACTERS, `expected a system prompt of at most ${GOAL_MAX_CHARACTERS} characters`).optional(),
  /** Byte budget of each tool result's preview in the observation the model reads. */
  observationBytesPerCall: z.number().int().min(64).max(1_000_000).default(2_000),
  budget: BudgetSchema.optional(),
  /**
   * A session: after each answer the run goes `idle` and waits for the next message (the `send` Update), answering it
   * with the whole conversation so far, until it is closed (`close`) or idles out. @default false
   */
  session: z.boolean().optional(),
  /** A session that starts idle: its goal only names it, and the first `send` is its first turn (`durable-agent chat`). */
  startIdle: z.boolean().optional(),
  /** How long an idle session waits for the next message before it ends. @default 24 h */
  idleTimeoutMs: z.number().int().min(1_000).max(365 * 24 * 3_600_000).optional(),
  /** More tools that need a person's approval in this run (besides those declared `requiresApproval`). */
  requireApproval: z.array(z.string().min(1)).optional(),
  /**
   * Which tools take the fast path (local activities on the run's worker, docs/fast-steps.md): `true`, the tools that
   * declare `fast`; `false`, none; a list of names or patterns, exactly those. A tool that heartbeats, runs on a tool
   * queue or waits for an approval in this run keeps its activity whatever this says. @default true
   */
  fastTools: z.union([z.boolean(), z.array(z.string().min(1).max(200)).max(200)]).optional(),
  /**
   * Tools answered from a recorded run (docs/forks.md, "Tools from a recording"): a call whose tool and input match a
   * call that run completed gets its recorded output without running; another runs live (`live`, the default) or is
   * refused (`refuse`).
   */
  recordedTools: z.object({ from: z.string().min(1).max(1_000), unmatched: z.enum(['live', 'refuse']).optional() }).strict().optional(),
  /** How long a gated call (or a question) waits for a person before it becomes a denial (a timeout). @default 24 h */
  approvalTimeoutMs: z.number().int().min(1_000).max(365 * 24 * 3_600_000).optional(),
  /**
   * How the model plans: `react` offers the tools only (one answer is a set of independent calls); `auto` also offers
   * `submit_plan`, a graph of calls with dependencies and references to earlier outputs, run eagerly in one step;
   * `dag` offers it too and tells the model to prefer it. @default 'react'
   */
  planning: PlanningSchema.optional(),
  /**
   * How the model is called. `auto`: from a local activity on the workflow's worker, with the transcript as its input
   * (no round trip through the server, no workflow task of its own), handed over to a normal activity when the model
   * has not answered within 200 ms, so a longer answer's text still travels as it writes and the state query and
   * decisions wait at most that long. `activity`: always a normal activity that reads the transcript with a query (its
   * own task queue and timeouts, visible in the UI while it runs, the state query answers during a model call).
   * `local`: always a local activity (no live text; the state query and a cancel request wait for the workflow task's
   * heartbeat, up to a few seconds, during a model call; retries after a minute of backoff are scheduled as timers).
   * See docs/agent-loop.md, "The planner's mode". @default 'auto' (`activity` for runs started before it existed)
   */
  planner: z.enum(['auto', 'activity', 'local']).optional(),
  /**
   * Task queues of tool workers (`durable-agent worker --tools … --task-queue Q`) whose tools this run may use besides
   * those of its own queue: their catalogues are read at the start of the run, and their tools' calls go to them.
   */
  toolQueues: z.array(z.string().trim().min(1).max(200)).max(20).optional(),
  /** How long a call to a tool on another queue waits for a worker to take it before it fails (`ToolUnavailable`). @default 30 s */
  toolUnavailableAfterMs: z.number().int().min(1_000).max(24 * 3_600_000).optional(),
  /** Tool calls of one answer that run; the rest are dropped and the model is told. @default 64 */
  maxCallsPerAnswer: z.number().int().min(1).max(MAX_CALLS_PER_ANSWER_LIMIT).optional(),
  /** Bytes of tool output one step may add to history; each call's cap shrinks as the step fills. @default 4_000_000 */
  stepOutputBytes: z.number().int().min(65_536).max(16_000_000).optional(),
  /**
   * Continue as new once the run's history reaches this many bytes (or when Temporal suggests it),
   * carrying a compacted transcript. @default 8_000_000
   */
  continueAsNewAtHistoryBytes: z.number().int().min(10_000).optional(),
  /** Steps of transcript kept whole when compacting for continue-as-new. @default 10 */
  keepStepsOnContinue: z.number().int().min(1).max(1_000).optional(),
  /**
   * Continue as new once the run has accepted this many Updates (decisions, replies, messages, budget raises), at its
   * next safe point, waits included: Temporal refuses more than 2,000 per execution. @default 1_000
   */
  continueAsNewAfterUpdates: z.number().int().min(10).max(1_900).optional(),
  /** Bytes of JSON a person's edited arguments may have; a larger edit is refused before it reaches history. @default 65_536 */
  maxEditBytes: z.number().int().min(1_024).max(MAX_EDIT_BYTES_LIMIT).optional(),
});
/** What callers pass (defaults may be omitted). */
export type AgentRunInput = z.input<typeof AgentRunInputSchema>;
