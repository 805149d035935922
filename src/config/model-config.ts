import OpenAI from 'openai';
import { z } from 'zod';
import { DEFAULT_MODEL_PRICES, ModelPricesSchema, type ModelPrices } from '../contracts/pricing';
import { parseEnvironment } from './parse-environment';

export const DEFAULT_MODEL = 'gpt-4o-mini';

const ModelEnvironmentSchema = z.object({
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_BASE_URL: z.url({ message: 'expected a URL such as http://127.0.0.1:8000/v1' }).optional(),
  DURABLE_AGENT_MODEL: z.string().trim().min(1).default(DEFAULT_MODEL),
  /** Upper bound on one HTTP request to the model, in ms. */
  DURABLE_AGENT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(110_000),
  /** Prices in USD per million tokens, JSON: `{"my-model": {"inputPerMillion": 1, "outputPerMillion": 2}}`; merged over the built-in table. */
  DURABLE_AGENT_PRICES: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'expected JSON such as {"my-model": {"inputPerMillion": 1, "outputPerMillion": 2}}' });
        return z.NEVER;
      }
    })
    .pipe(ModelPricesSchema),
});

/** How the worker reaches the model. The API key stays in the worker: never in workflow input or history. */
export interface ModelConfig {
  apiKey?: string;
  baseURL?: string;
  defaultModel: string;
  requestTimeoutMs: number;
  /** Model prices for cost budgets. @default DEFAULT_MODEL_PRICES */
  prices?: ModelPrices;
}

export function loadModelConfig(env: NodeJS.ProcessEnv = process.env): ModelConfig {
  const values = parseEnvironment(ModelEnvironmentSchema, env, 'model configuration');
  return {
    ...(values.OPENAI_API_KEY ? { apiKey: values.OPENAI_API_KEY } : {}),
    ...(values.OPENAI_BASE_URL ? { baseURL: values.OPENAI_BASE_URL } : {}),
    defaultModel: values.DURABLE_AGENT_MODEL,
    requestTimeoutMs: values.DURABLE_AGENT_MODEL_TIMEOUT_MS,
    prices: { ...DEFAULT_MODEL_PRICES, ...values.DURABLE_AGENT_PRICES },
  };
}

/** An `openai` client with its own retries off (Temporal retries) and a bounded request time. */
export function createOpenAIClient(config: ModelConfig): OpenAI {
  return new OpenAI({
    // A compatible server without authentication (the scripted model, a local vLLM) still needs a value here.
    apiKey: config.apiKey ?? 'no-key',
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
    maxRetries: 0,
    timeout: config.requestTimeoutMs,
  });
}
