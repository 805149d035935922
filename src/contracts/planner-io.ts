import type { PromptSeen } from './agent-state';
import type { ChatMessage } from './chat-message';
import type { ToolSpec } from './tool-spec';

/** What the planner cut from an answer beyond the cap (`limitToolCalls` in src/core/actions.ts). */
export interface DroppedCalls {
  count: number;
  /** Tool names of the dropped calls, each once, in order (at most 20, each cut to `MAX_ECHO_CHARS`). */
  tools: string[];
}

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
  /**
   * A local call of a run planning `auto` (docs/agent-loop.md): when the model has not answered within this many
   * milliseconds, the call is parked on its worker and the activity returns a {@link PlanHandoff} instead of an answer.
   */
  handoffAfterMs?: number;
  /** The parked call this activity takes over and streams to its end (from a {@link PlanHandoff}); asked anew when this worker has none. */
  resume?: string;
}

/** A local model call that took longer than `handoffAfterMs`: parked on its worker under `key` for the run's `plan` activity. */
export interface PlanHandoff {
  handoff: { key: string };
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
