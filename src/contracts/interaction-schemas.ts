import { z } from 'zod';

/** How long an undecided approval (or an unanswered question) waits before it becomes a denial. @default 24 h */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 60 * 60 * 1_000;

/** A person's decision on one gated tool call. */
export const DecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    callId: z.string().min(1),
    decision: z.literal('approve'),
    /** Replaces the call's arguments (checked against the tool's schema by the client and again by the tool). */
    arguments: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ callId: z.string().min(1), decision: z.literal('deny'), reason: z.string().max(2_000).optional() }),
]);
export type Decision = z.infer<typeof DecisionSchema>;

/** The answer to the model's question (`ask_user`). */
export const ReplySchema = z.object({
  /** Which question; optional when exactly one is open. */
  questionId: z.string().min(1).optional(),
  text: z.string().min(1).max(100_000),
});
export type Reply = z.infer<typeof ReplySchema>;

/** The next message of a session. */
export const SendSchema = z.object({ text: z.string().trim().min(1).max(100_000) });
export type Send = z.infer<typeof SendSchema>;

/** The answer to one turn of a session. */
export const TurnAnswerSchema = z.object({
  turn: z.number().int().min(1),
  status: z.string(),
  answer: z.string(),
  /** The run handed over within the turn before it was answered: the answer comes from `turnAnswer` later. */
  continued: z.boolean().optional(),
});
export type TurnAnswer = z.infer<typeof TurnAnswerSchema>;

/** A tool call waiting for a decision. */
export const PendingApprovalSchema = z.object({
  /** The task id (`s<step>-<n>`), which `approve`/`deny` name. */
  callId: z.string(),
  tool: z.string(),
  arguments: z.unknown(),
  /** JSON Schema of the tool's input, to check edited arguments before sending them. */
  inputSchema: z.record(z.string(), z.unknown()),
  step: z.number().int(),
  askedAt: z.number(),
  expiresAt: z.number(),
  /** A sub-agent's call (docs/sub-agents.md): the agents it is in, from this run's child down (its `callId` is a path). */
  agents: z.array(z.string()).optional(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

/** A question of the model waiting for an answer. */
export const PendingQuestionSchema = z.object({
  questionId: z.string(),
  question: z.string(),
  step: z.number().int(),
  askedAt: z.number(),
  expiresAt: z.number(),
  /** A sub-agent's question: the agents it is in (its `questionId` is a path). */
  agents: z.array(z.string()).optional(),
});
export type PendingQuestion = z.infer<typeof PendingQuestionSchema>;

/** What a run waits for from people. */
export const PendingSchema = z.object({ approvals: z.array(PendingApprovalSchema), questions: z.array(PendingQuestionSchema) });
export type Pending = z.infer<typeof PendingSchema>;

/** Kinds of events in a run's log. */
export const RUN_EVENT_TYPES = [
  'step_started',
  'plan_done',
  'plan_failed',
  /** A fork's first step took an answer given to it instead of the model's (docs/forks.md). */
  'answer_given',
  'plan_graph',
  'call_started',
  'call_finished',
  'call_denied',
  'approval_needed',
  'approval_decided',
  'question_asked',
  'question_answered',
  'budget_exhausted',
  'budget_raised',
  'run_paused',
  'run_resumed',
  'turn_started',
  'turn_answered',
  'run_ended',
] as const;

/** One entry of a run's append-only event log; `offset` counts from the start of the logical run. */
export const RunEventSchema = z.object({
  offset: z.number().int().min(0),
  type: z.enum(RUN_EVENT_TYPES),
  /** Workflow time, ms since the epoch. */
  at: z.number(),
  step: z.number().int(),
  callId: z.string().optional(),
  tool: z.string().optional(),
  /** A short line for people (`ok 120 ms`, `ToolDenied: too risky`, usage, the question). */
  detail: z.string().optional(),
  /** `call_finished`, `call_denied`: whether the call succeeded, how long it took, and its error type. */
  ok: z.boolean().optional(),
  durationMs: z.number().optional(),
  errorType: z.string().optional(),
  /** `plan_graph`: the nodes of a plan the model submitted (`submit_plan`), with what each waits for. */
  nodes: z.array(z.object({ id: z.string(), tool: z.string(), dependsOn: z.array(z.string()) })).optional(),
  /** `plan_done`, `plan_failed`: the model call's tokens, and its cost in USD when the worker knows the model's price. */
  inputTokens: z.number().int().optional(),
  outputTokens: z.number().int().optional(),
  costUsd: z.number().optional(),
});
export type RunEvent = z.infer<typeof RunEventSchema>;

/** A page of the event log from an offset. */
export const EventPageSchema = z.object({
  events: z.array(RunEventSchema),
  /** The offset to ask for next. */
  next: z.number().int().min(0),
  /** Events before this offset were dropped (the log keeps the newest ones) . */
  firstKept: z.number().int().min(0),
  /** True once the run has ended: nothing more will come. */
  ended: z.boolean(),
});
export type EventPage = z.infer<typeof EventPageSchema>;

/** The retired `followEvents` Update's argument (kept so that histories with accepted follows replay). */
export const FollowRequestSchema = z.object({ from: z.number().int().min(0), limit: z.number().int().min(1).max(500).optional() });
export type FollowRequest = z.infer<typeof FollowRequestSchema>;
