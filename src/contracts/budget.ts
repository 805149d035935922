import { z } from 'zod';

/**
 * A run's budget and planning mode: their own module, since agent definitions (src/contracts/agent-definition.ts)
 * and the tool catalogue use them without the whole run input.
 */
export const BudgetSchema = z.object({
  /** The budget is used up once input + output tokens reach this. */
  maxTokens: z.number().int().min(1).optional(),
  /** The budget is used up once the run has lasted this long (workflow time). */
  maxWallTimeMs: z.number().int().min(1).optional(),
  /** The budget is used up once the model calls cost this much, in USD (prices: the worker's price table). */
  maxCostUsd: z.number().positive().optional(),
  /**
   * What happens when the budget is used up: `stop` (one last tool-less turn, then `budget_exceeded`) or `pause`
   * (status `waiting_for_budget`, no model call, until a `raise-budget` Update raises it or the run is cancelled).
   * @default 'stop'
   */
  onExhausted: z.enum(['stop', 'pause']).optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

/** What `raise-budget` may set: new, higher limits. */
export const BudgetRaiseSchema = z
  .object({
    maxTokens: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    maxWallTimeMs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    maxCostUsd: z.number().positive().max(1e12).optional(),
  })
  .strict()
  .refine((raise) => raise.maxTokens !== undefined || raise.maxWallTimeMs !== undefined || raise.maxCostUsd !== undefined, 'give at least one of maxTokens, maxWallTimeMs, maxCostUsd');
export type BudgetRaise = z.infer<typeof BudgetRaiseSchema>;

/** How a run plans: one answer at a time (`react`), a checked plan with dependencies (`dag`), or the model's choice. */
export const PlanningSchema = z.enum(['react', 'dag', 'auto']);
