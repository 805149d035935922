import { z } from 'zod';
import { OUTCOME_STATUS_WORDS, type AgentRunStatus } from './status';

/** Tokens and model calls of a run (the whole continue-as-new chain). */
export const UsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  modelCalls: z.number().int().min(0),
  /** What the model calls cost, in USD, when the worker knows the model's price. */
  costUsd: z.number().min(0).optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** A typed failure: `type` is one of the error catalogue's words (`src/contracts/error-types.ts`). */
export const TaskErrorSchema = z.object({ type: z.string(), message: z.string() });
export type TaskError = z.infer<typeof TaskErrorSchema>;

/** Tool calls that succeeded and failed. */
export const ToolCallCountsSchema = z.object({ ok: z.number().int().min(0), failed: z.number().int().min(0) });

/** The typed result of a run: every agent outcome is one of these (only bugs and infrastructure fail the workflow). */
export const AgentRunResultSchema = z.object({
  status: z.enum(OUTCOME_STATUS_WORDS as [AgentRunStatus, ...AgentRunStatus[]]),
  answer: z.string(),
  steps: z.number().int().min(0),
  usage: UsageSchema,
  toolCalls: ToolCallCountsSchema,
  /** Set when `status` is `failed`: what went wrong. */
  error: TaskErrorSchema.optional(),
});
export type AgentRunResult = z.infer<typeof AgentRunResultSchema>;
