import { z } from 'zod';

/** Price of a model, in USD per million tokens. */
export const ModelPriceSchema = z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) });
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** Prices by model name; a worker's configuration (`DURABLE_AGENT_PRICES`, `runWorker({ prices })`) overrides or extends it. */
export const ModelPricesSchema = z.record(z.string().min(1), ModelPriceSchema);
export type ModelPrices = z.infer<typeof ModelPricesSchema>;

/**
 * List prices (USD per million tokens) of common models, for `budget.maxCostUsd`. A small table, documented in
 * docs/interaction.md ("Budgets that pause"); check your provider's current prices and override them in the worker's configuration.
 */
export const DEFAULT_MODEL_PRICES: ModelPrices = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
};

/**
 * The cost of one model call, or undefined when the model has no price. A dated snapshot name
 * (`gpt-4o-mini-2024-07-18`) uses the price of its base name.
 */
export function costOf(usage: { inputTokens: number; outputTokens: number }, model: string, prices: ModelPrices): number | undefined {
  const price = prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  if (!price) return undefined;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
