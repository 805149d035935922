import type { Executor, OutputKind, OutputRef, RetrySpec } from '../contracts/tool-spec';
import type { TaskError } from '../contracts/run-result';

/*
 * The loop's own types: what the model decided (actions), how a call is executed (tasks) and what came of it
 * (results, observations). Internal to the runtime; the contracts that cross a boundary are in src/contracts/.
 */

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
  /** Runs as a local activity on the run's worker (a fast tool's call, docs/fast-steps.md). */
  local?: boolean;
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
  /** Where the whole output is stored when it was too large for history (`output` is then its preview). */
  outputRef?: OutputRef;
  error?: TaskError;
  /** Attempts the activity took (known when it completed; absent for calls never scheduled). */
  attempts?: number;
  /** Workflow time from scheduling to completion. */
  durationMs: number;
  /** A sub-agent's call: the tokens and cost of its run, which count in its parent's usage. */
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
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
