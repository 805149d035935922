import { z } from 'zod';
import type { DroppedCalls } from './actions';
import type { TaskError } from './contracts/run-result';
import type { PromptSeen } from './contracts/run-state';
import type { ChatMessage } from './contracts/transcript';

/** Retry policy of a tool, in plain milliseconds so it serializes into the tool catalogue. */
export const RetrySpecSchema = z.object({
  maximumAttempts: z.number().int().min(1),
  initialIntervalMs: z.number().int().min(1),
  backoffCoefficient: z.number().min(1),
  maximumIntervalMs: z.number().int().min(1),
});
export type RetrySpec = z.infer<typeof RetrySpecSchema>;

/** What a retry of a tool may cost: `read` and `idempotent` are safe to repeat, `mutating` is not. */
export const ToolEffectsSchema = z.enum(['read', 'idempotent', 'mutating']);
export type ToolEffects = z.infer<typeof ToolEffectsSchema>;

/** How a tool's calls run. The scheduler picks the executor by `kind`; everything it needs is here. */
export const ExecutorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('activity'),
    /** Activity type the worker registered for this tool. @default the tool's name */
    activityType: z.string().min(1),
    /** Task queue of the workers that run this tool. @default the run's own task queue */
    taskQueue: z.string().min(1).optional(),
  }),
  z.object({
    /** The model asks a person (`ask_user`): the workflow waits for a `reply` Update. */
    kind: z.literal('question'),
  }),
  z.object({
    kind: z.literal('timer'),
    /** Longest wait accepted, in seconds. */
    maxSeconds: z.number().min(0).optional(),
  }),
]);
export type Executor = z.infer<typeof ExecutorSchema>;

/**
 * One entry of the tool catalogue that the workflow records in history at the start of a run,
 * so that replay never depends on what a worker has in memory.
 */
export const ToolSpecSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** JSON schema of the input, generated from the tool's zod schema; this is what the model reads. */
  inputSchema: z.record(z.string(), z.unknown()),
  /** Start-to-close timeout of one attempt. */
  timeoutMs: z.number().int().min(1),
  /** Heartbeat timeout for long tools that heartbeat; unset for short tools. */
  heartbeatTimeoutMs: z.number().int().min(1).optional(),
  retry: RetrySpecSchema,
  effects: ToolEffectsSchema,
  /** Input field whose value names a call in the Temporal UI (`read_file README.md`). */
  summaryField: z.string().optional(),
  /** How a call runs: an activity (its type, optionally its own task queue) or a durable workflow timer. */
  executor: ExecutorSchema.optional(),
  /** Every call waits for a person's approval before it runs. */
  requiresApproval: z.boolean().optional(),
  /** True when the tool passes its idempotency key to what it changes, so a `mutating` tool may be retried. */
  usesIdempotencyKey: z.boolean().optional(),
  /** @deprecated Catalogues recorded before `executor`: `workflow-timer` for the `wait` built-in. Read by `executorOf`. */
  execution: z.enum(['activity', 'workflow-timer']).optional(),
  /** @deprecated Catalogues recorded before `executor`: the longest wait of a `workflow-timer` tool, in seconds. */
  maxSeconds: z.number().min(0).optional(),
});
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

export { AgentRunInputSchema, BudgetSchema, GOAL_MAX_CHARACTERS, type AgentRunInput } from './contracts/run-input';
export { AgentWorkflowInputSchema, ResumeStateSchema, type AgentWorkflowInput, type ResolvedAgentRunInput, type ResumeState } from './contracts/workflow-input';
export type { AgentRunResult, TaskError, Usage } from './contracts/run-result';
export type { AgentState, FinishedCall, PromptSeen } from './contracts/run-state';
export type { ChatMessage } from './contracts/transcript';

/** One call the model decided on. `inputError` is set when its arguments were not valid JSON. */
export interface ToolCallAction {
  type: 'tool_call';
  id: string;
  tool: string;
  input: unknown;
  inputError?: string;
}
/** Several calls decided in one answer; they run in parallel. Nests, as in the seed's `Parallel { actions }`. */
export interface ParallelAction {
  type: 'parallel';
  actions: Array<ToolCallAction | ParallelAction>;
}
export interface FinalAction {
  type: 'final';
  answer: string;
}
/** What the LLM decided, separate from how it is executed. */
export type AgentAction = ToolCallAction | ParallelAction | FinalAction;

/**
 * How one call is executed, derived deterministically from an action and the tool's catalogue entry, and
 * self-contained: the scheduler runs it from the task alone.
 */
export interface Task {
  /** Deterministic id, `s<step>-<index>`; part of the idempotency key. */
  id: string;
  /** The model's id for the call, used to pair the result with it in the transcript. */
  callId: string;
  tool: string;
  input: unknown;
  executor: Executor;
  /** Start-to-close timeout of one attempt. */
  timeoutMs: number;
  heartbeatTimeoutMs?: number;
  retry: RetrySpec;
  /** One line for the Temporal UI (`read_file README.md`). */
  summary: string;
  /** Waits for a person's decision before it runs. */
  requiresApproval?: boolean;
  /** JSON Schema of the input (shown with a pending approval). */
  inputSchema?: Record<string, unknown>;
}

export interface TaskResult {
  id: string;
  callId: string;
  tool: string;
  ok: boolean;
  output?: unknown;
  /** Size of the tool's whole output when the activity had to cut it to keep history small. */
  outputBytes?: number;
  /** What the output was before it was cut (then `output` is the text of its head and tail). */
  outputKind?: OutputKind;
  error?: TaskError;
  /** Attempts the activity took (known when it completed; absent for calls never scheduled). */
  attempts?: number;
  /** Workflow time from scheduling to completion. */
  durationMs: number;
}

export interface ObservationEntry {
  id: string;
  callId: string;
  tool: string;
  ok: boolean;
  /** Bounded text the model reads: head and tail of the output, with an "N bytes omitted" marker between. */
  preview: string;
  /** UTF-8 size of the full output text. */
  bytes: number;
  omittedBytes: number;
  errorType?: string;
}

/** The bounded summary of one step's results; raw outputs never reach the prompt unbounded. */
export interface Observation {
  summary: string;
  results: ObservationEntry[];
}

export type { AgentRunStatus, RunStatus } from './contracts/status';

/**
 * The transcript a plan request carries: its messages from index `from` on (the first request of a run, and every
 * request of a local planner, also the tool catalogue). The worker merges them into its cache of the run's transcript.
 */
export interface TranscriptDelta {
  from: number;
  messages: ChatMessage[];
  tools?: ToolSpec[];
}

/** Small reference the `plan` activity receives; the worker builds the transcript from its cache or a query. */
export interface PlanRequest {
  workflowId: string;
  runId: string;
  step: number;
  /** The last turn at the step cap: no tools are offered, the model must answer. */
  finalTurn: boolean;
  model?: string;
  /** Tool calls of the answer kept; the rest are dropped and reported in `droppedCalls`. @default 64 */
  maxCalls?: number;
  /**
   * Messages of the transcript when the plan was scheduled: the planner reads exactly these (the transcript only
   * grows, so what handlers append meanwhile is never seen).
   */
  messageCount: number;
  /**
   * The one way the transcript reaches the planner. The activity planner sends the messages added since its previous
   * request (none past PLANNER_DELTA_MAX_CHARS), so each message enters history once more and history stays linear;
   * a local planner (`planner: 'local'`) sends the whole transcript (`from: 0`) every time, since a local activity's
   * input never enters history. When the worker's cache then lacks part of the first `messageCount` messages (or the
   * catalogue), it queries the run (`plannerContext`).
   */
  delta: TranscriptDelta;
}

/**
 * A plan request as the activity may receive it: the current shape, or one scheduled by a worker of an earlier
 * build (the transcript inline as `context`, or no transcript at all). The activity reads it as a {@link PlanRequest}.
 */
export type ReceivedPlanRequest = Omit<PlanRequest, 'delta'> & {
  delta?: TranscriptDelta;
  /** @deprecated The transcript inline (a local planner of an earlier build); read as a delta from 0. */
  context?: PlannerContext & { tools: ToolSpec[] };
};

/** Arguments of the `plannerContext` query: which prefix of the transcript, for which step. */
export interface PlannerContextRequest {
  step: number;
  messageCount: number;
  /** Send the tool catalogue too (the planner caches it per run, so it asks once). */
  includeTools: boolean;
}

/** What the planner reads through the workflow's `plannerContext` query. */
export interface PlannerContext {
  model?: string;
  messages: ChatMessage[];
  /** Absent when the request did not ask for it (`includeTools: false`). */
  tools?: ToolSpec[];
}

/** The `plan` activity's answer, recorded in history as the step's answer. */
export interface PlanResult {
  /**
   * The assistant message as received, its tool calls (raw argument strings) already cut to the request's
   * `maxCalls` and given unique ids by the planner; the workflow records it as it is.
   */
  message: ChatMessage;
  /** Tokens of the call, and its cost in USD when the worker knows the model's price. */
  usage: { inputTokens: number; outputTokens: number; costUsd?: number };
  model: string;
  /** Calls of the answer beyond `maxCalls`: not in `message`, never run. */
  droppedCalls?: DroppedCalls;
  /** What the model was shown (absent in results recorded before it existed). */
  seen?: PromptSeen;
}

/** The JSON kind of a tool's output, named when a cut turned it into text. */
export type OutputKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** Input of every tool activity. */
export interface ToolActivityInput {
  taskId: string;
  input: unknown;
  /** Stable across retries of this call, different for every other call: `<workflowId>/<taskId>`. */
  idempotencyKey: string;
  /** Largest output kept in history for this call, in bytes of JSON; set by the step's output budget. */
  maxOutputBytes?: number;
}

export interface ToolActivityOutput {
  output: unknown;
  attempt: number;
  /** Set when `output` was cut to the output cap: the size of the whole output. */
  outputBytes?: number;
  /** Set when `output` was cut: what it was (`output` is then the text of its head and tail). */
  outputKind?: OutputKind;
  /** Bytes of JSON `output` takes in history. */
  historyBytes?: number;
}
