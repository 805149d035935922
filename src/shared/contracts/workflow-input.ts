import { z } from 'zod';
import { AgentRunInputSchema } from './run-input';
import { ToolCallCountsSchema, UsageSchema } from './run-result';
import { RunEventSchema } from './interaction';
import { ChatMessageSchema } from './transcript';

/** Where a logical run stands when it continues as new: the next run of the chain goes on from here. */
export const ResumeStateSchema = z.object({
  step: z.number().int().min(0),
  usage: UsageSchema,
  toolCalls: ToolCallCountsSchema,
  messages: z.array(ChatMessageSchema),
  startedAt: z.number(),
  omittedTurns: z.number().int().min(0),
  runsSoFar: z.number().int().min(1),
  /** A session's place: turns answered so far, the step its current turn began at, the last answer. */
  session: z.object({ turns: z.number().int().min(0), turnStartStep: z.number().int().min(0), lastAnswer: z.string() }).optional(),
  /** The newest events of the log and the next offset, so the log goes on across the chain. */
  events: z.object({ events: z.array(RunEventSchema), next: z.number().int().min(0) }).optional(),
});
export type ResumeState = z.infer<typeof ResumeStateSchema>;

/**
 * The workflow's own input: the public run input plus what the runtime adds (internal, not part of the public
 * contract). Runs recorded before the split passed the same fields, so their histories keep parsing.
 */
export const AgentWorkflowInputSchema = AgentRunInputSchema.extend({
  /**
   * Upsert the AgentStatus / AgentStep / token search attributes as the run goes. The client sets it when the
   * namespace has them registered (upserting unregistered attributes would fail the workflow task).
   */
  searchAttributes: z.boolean().optional(),
  /** Set by the workflow itself when it continues as new. */
  resume: ResumeStateSchema.optional(),
});
export type AgentWorkflowInput = z.input<typeof AgentWorkflowInputSchema>;
/** The input after defaults are applied. */
export type ResolvedAgentRunInput = z.output<typeof AgentWorkflowInputSchema>;
