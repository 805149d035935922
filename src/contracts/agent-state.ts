import { z } from 'zod';
import { ToolCallCountsSchema, UsageSchema } from './run-result';
import { BudgetSchema } from './budget';
import { RUN_STATUS_WORDS, type RunStatus } from './status';

/** What the model was shown for a plan: recorded in the plan's result, so the UI and replay show it. */
export const PromptSeenSchema = z.object({
  messageCount: z.number().int().min(0),
  /** First 16 hex digits of the SHA-256 of the messages' JSON. */
  transcriptHash: z.string(),
  tools: z.number().int().min(0),
  /** How the planner got the transcript: from the run by query, from its worker's cache, or inline (a local planner). */
  read: z.enum(['query', 'cache', 'inline']).optional(),
});
export type PromptSeen = z.infer<typeof PromptSeenSchema>;

/** A finished tool call, as the live view lists it. */
export const FinishedCallSchema = z.object({
  id: z.string(),
  step: z.number().int(),
  tool: z.string(),
  ok: z.boolean(),
  errorType: z.string().optional(),
  durationMs: z.number(),
});
export type FinishedCall = z.infer<typeof FinishedCallSchema>;

/** Live state of a run, returned by the `agentState` query. */
export const AgentStateSchema = z.object({
  status: z.enum(RUN_STATUS_WORDS as [RunStatus, ...RunStatus[]]),
  step: z.number().int().min(0),
  maxSteps: z.number().int().min(1),
  pending: z.array(z.object({ id: z.string(), tool: z.string(), startedAt: z.number() })),
  usage: UsageSchema,
  toolCalls: ToolCallCountsSchema,
  /** The most recent finished calls, newest last. */
  recent: z.array(FinishedCallSchema),
  /** What the model was shown at the latest plan. */
  lastPrompt: PromptSeenSchema.optional(),
  /** A session only: turns answered so far, and the steps of the current turn (`maxSteps` caps each turn). */
  session: z.object({ turnsAnswered: z.number().int().min(0), turnStep: z.number().int().min(0) }).optional(),
  /** A fork: the run it was forked from, and the step (docs/forks.md). */
  fork: z.object({ workflowId: z.string(), atStep: z.number().int().min(1) }).optional(),
  /** The budget in force (the input's, with what `raise-budget` raised), when the run has one. */
  budget: BudgetSchema.optional(),
  /** What the run has used of each limit, measured as its budget measures it (tokens, cost, wall time since it began). */
  budgetUsed: z.object({ maxTokens: z.number(), maxWallTimeMs: z.number(), maxCostUsd: z.number() }).optional(),
});
export type AgentState = z.infer<typeof AgentStateSchema>;
