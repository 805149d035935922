import { z } from 'zod';
import { AgentRunInputSchema, BudgetSchema } from './run-input';
import { ToolCallCountsSchema, UsageSchema } from './run-result';
import { RunEventSchema } from './interaction-schemas';
import { FinishedCallSchema } from './agent-state';
import { ChatMessageSchema } from './chat-message';
import { ForkSeedSchema } from './fork';

/**
 * The run's fold of its event log (its phase, step, counts, calls in flight and waits) as the next run of a chain
 * starts from it: the fold goes on where it was, so a handover never changes what readers see.
 */
export const CarriedFoldSchema = z.object({
  phase: z.object({ name: z.enum(['running', 'waiting_for_budget', 'paused', 'idle', 'ended']), status: z.string().optional() }),
  running: z.array(z.object({ id: z.string(), tool: z.string(), startedAt: z.number() })),
  recent: z.array(FinishedCallSchema),
  approvals: z.array(z.string()),
  questions: z.array(z.string()),
});
export type CarriedFold = z.infer<typeof CarriedFoldSchema>;

/** A call of the waiting step that waits for a person: a gated call (approval) or the model's question. */
export const CarriedGateSchema = z.object({
  taskId: z.string(),
  /** The call's tool (absent in runs handed over by builds before it). */
  tool: z.string().optional(),
  kind: z.enum(['approval', 'question']),
  /** Workflow time it was asked at, and when it expires (the next run waits only for what is left). */
  askedAt: z.number(),
  expiresAt: z.number(),
});
export type CarriedGate = z.infer<typeof CarriedGateSchema>;

/**
 * Where a run that continued as new while it waited stands within its step: paused on its budget before the model
 * call (`before_step`) or before the calls (`before_tools`), or among its calls (`tools`): some finished, the rest
 * waiting for people. Never set with a call or a timer in flight: the run hands over only when nothing but people is
 * awaited.
 */
export const WaitingStepSchema = z.object({
  /** `before_tools` and `tools`: the step's answer is the carried transcript's last message; its calls are re-derived from it. */
  at: z.enum(['before_step', 'before_tools', 'tools']),
  /** Calls of the answer beyond the cap (reported in the observation). */
  dropped: z.object({ count: z.number().int().min(0), tools: z.array(z.string()) }).optional(),
  /** Results of the step's calls that finished before the handover (`TaskResult`s, as recorded). */
  results: z.array(z.looseObject({ id: z.string(), tool: z.string(), ok: z.boolean() })).optional(),
  /** Calls waiting for a person at the handover. */
  gates: z.array(CarriedGateSchema).optional(),
});
export type WaitingStep = z.infer<typeof WaitingStepSchema>;

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
  session: z
    .object({
      turns: z.number().int().min(0),
      turnStartStep: z.number().int().min(0),
      lastAnswer: z.string(),
      /** Workflow time the idle session ends at if no message comes (kept across handovers while idle). */
      idleUntil: z.number().optional(),
      /** Set when the session handed over within a turn (waiting for people), not while idle. */
      inTurn: z.boolean().optional(),
      /**
       * The Update ids of the latest messages and the turns they started, so a message sent again after a handover
       * (a client's retry, which Temporal deduplicates only within one run) is refused, not a second turn.
       */
      messageIds: z.array(z.object({ id: z.string().max(300), turn: z.number().int().min(1) })).max(64).optional(),
    })
    .optional(),
  /** Limits raised by `raise-budget` so far. */
  raised: BudgetSchema.omit({ onExhausted: true }).optional(),
  /** Set when the run handed over while it waited within a step (for people or a budget). */
  waiting: WaitingStepSchema.optional(),
  /** The newest events of the log and the next offset, so the log goes on across the chain. */
  events: z.object({ events: z.array(RunEventSchema), next: z.number().int().min(0) }).optional(),
  /** The fold of the log at the handover (its step, usage and call counts are the fields above). */
  fold: CarriedFoldSchema.optional(),
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
  /** The namespace has `AgentCostUsd` too (it came later): the run upserts its cost there as well. Set by the client. */
  costAttribute: z.boolean().optional(),
  /** Set by the workflow itself when it continues as new. */
  resume: ResumeStateSchema.optional(),
  /** A sub-agent's run: the agents from the root run to this one (set by its parent; docs/sub-agents.md). */
  agentPath: z.array(z.string().min(1).max(40)).max(10).optional(),
  /** A fork of another run (set by `fork`): where it comes from, and in its first run the transcript it starts from. */
  fork: ForkSeedSchema.optional(),
});
export type AgentWorkflowInput = z.input<typeof AgentWorkflowInputSchema>;
/** The input after defaults are applied. */
export type ResolvedAgentRunInput = z.output<typeof AgentWorkflowInputSchema>;
