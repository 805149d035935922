import { z } from 'zod';
import { BudgetSchema, PlanningSchema } from './budget';

/** The name an agent is called by, as a tool of another run: `agent__<name>` (docs/sub-agents.md). */
export const AGENT_TOOL_PREFIX = 'agent__';

/**
 * A named agent (docs/sub-agents.md), from a Markdown file with front matter in the worker's agents folder: the
 * front matter's fields, and the body as its instructions (the system prompt of its runs).
 */
export const AgentDefinitionSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'an agent name is 1 to 40 lower-case letters, digits, _ and -, starting with a letter'),
    description: z.string().min(1).max(1_000),
    /** The body of the file: what the agent is told (its runs' system prompt). */
    instructions: z.string().min(1).max(100_000),
    /** The tools it may call (names or patterns, as `allowedTools`; other agents as `agent__<name>`). @default all */
    tools: z.array(z.string().min(1)).max(200).optional(),
    model: z.string().min(1).optional(),
    planning: PlanningSchema.optional(),
    budget: BudgetSchema.optional(),
    maxSteps: z.number().int().min(1).max(10_000).optional(),
    /** Tools whose calls wait for a person's approval in its runs. */
    requireApproval: z.array(z.string().min(1)).max(200).optional(),
    /** The task queue its runs go to when another run calls it (workers there have its tools and model). @default the caller's */
    taskQueue: z.string().min(1).max(200).optional(),
  })
  .strict();
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;
