import { z } from 'zod';
import { ChatMessageSchema, type ChatMessage } from './chat-message';
import type { AgentRunInput } from './run-input';

/** Forks of forks a run remembers (its lineage, nearest first); older ancestors are dropped. */
export const MAX_FORK_LINEAGE = 16;
/**
 * Bytes of transcript a fork starts with at most: a workflow's input is one payload, under Temporal's 2 MB limit. A
 * longer prefix is compacted as continue-as-new compacts one (docs/forks.md).
 */
export const FORK_SEED_MAX_BYTES = 1_000_000;

/** Where a fork comes from: the original run (the execution that planned the step) and the step. */
export const ForkOriginSchema = z.object({
  workflowId: z.string().min(1).max(1_000),
  /** The execution of the chain that planned `atStep` (a continue-as-new chain has several). */
  runId: z.string().min(1).max(100),
  atStep: z.number().int().min(1),
  /** The original's page in the Temporal UI, when the client knew the UI's address. */
  url: z.string().max(2_000).optional(),
});
export type ForkOrigin = z.infer<typeof ForkOriginSchema>;

/**
 * What a fork starts from, set by the client (`fork`): its origin, the workflow ids whose stored outputs it may read
 * (the origin's, and its own lineage's), and, in the first run of the fork only, the seed: the transcript the model
 * saw when it planned `atStep`, edited as asked, and an answer that stands in for the model's at that step.
 */
export const ForkSeedSchema = ForkOriginSchema.extend({
  lineage: z.array(z.string().min(1).max(1_000)).max(MAX_FORK_LINEAGE),
  seed: z
    .object({
      messages: z.array(ChatMessageSchema).min(1),
      answer: ChatMessageSchema.optional(),
    })
    .optional(),
});
export type ForkSeed = z.infer<typeof ForkSeedSchema>;

/** The memo key under which a fork keeps its origin (`ForkOrigin`), set by the client at start. */
export const FORK_MEMO = 'durableAgentFork';

/** The fork's origin as the Temporal UI shows it in the run's details (markdown). */
export function forkDetails(fork: ForkOrigin): string {
  const original = fork.url ? `[${fork.workflowId}](${fork.url})` : `\`${fork.workflowId}\``;
  return `Forked from ${original} at step ${fork.atStep}.`;
}

/** What the `forkPoint` query answers for a step. */
export interface ForkPoint {
  /** The first step this execution planned (earlier ones are in the execution it continued from). */
  firstStep: number;
  /** The last step it planned so far. */
  lastStep: number;
  /** The execution this one continued from, if any. */
  previousRunId?: string;
  /** The run's own input as its client gave it (no runtime fields). */
  input: AgentRunInput;
  /** Set when this execution planned the step: what the model was shown, and what it answered (once it did). */
  found?: { messages: ChatMessage[]; answer?: ChatMessage };
  /** The lineage of the run itself, when it is a fork. */
  fork?: Pick<ForkSeed, 'workflowId' | 'atStep' | 'lineage'>;
}
