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
  /**
   * How long this worker's local model calls of the `auto` planner wait for the answer before handing the call over to
   * the `plan` activity, in ms (docs/agent-loop.md, "The planner's mode"). @default the run's own, 200 ms
   */
  DURABLE_AGENT_PLANNER_HANDOFF_MS: z.coerce.number().int().min(0).max(60_000, 'expected at most 60000 (a minute)').optional(),
  /** `off` asks for whole answers instead of streams (a server whose streams are broken); docs/streaming.md. */
  DURABLE_AGENT_MODEL_STREAM: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on'),
  /** A JSON object merged into every request that offers tools: `{"tool_choice": "required"}`, a provider's options. */
  DURABLE_AGENT_MODEL_EXTRA_BODY: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'expected a JSON object such as {"tool_choice": "required"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.unknown(), { message: 'expected a JSON object such as {"tool_choice": "required"}' }).optional()),
});

/** How the worker reaches the model. The API key stays in the worker: never in workflow input or history. */
export interface ModelConfig {
  apiKey?: string;
  baseURL?: string;
  defaultModel: string;
  requestTimeoutMs: number;
  /** Model prices for cost budgets. @default DEFAULT_MODEL_PRICES */
  prices?: ModelPrices;
  /** Stream answers and show their text live (docs/streaming.md). @default true */
  stream?: boolean;
  /** Merged into every request that offers tools (`DURABLE_AGENT_MODEL_EXTRA_BODY`). */
  extraBody?: Record<string, unknown>;
  /** The `auto` planner's hand-off time on this worker, in ms (`DURABLE_AGENT_PLANNER_HANDOFF_MS`). @default the run's (200 ms) */
  handoffAfterMs?: number;
}

export function loadModelConfig(env: NodeJS.ProcessEnv = process.env): ModelConfig {
  const values = parseEnvironment(ModelEnvironmentSchema, env, 'model configuration');
  return {
    ...(values.OPENAI_API_KEY ? { apiKey: values.OPENAI_API_KEY } : {}),
    ...(values.OPENAI_BASE_URL ? { baseURL: values.OPENAI_BASE_URL } : {}),
    defaultModel: values.DURABLE_AGENT_MODEL,
    requestTimeoutMs: values.DURABLE_AGENT_MODEL_TIMEOUT_MS,
    prices: { ...DEFAULT_MODEL_PRICES, ...values.DURABLE_AGENT_PRICES },
    stream: values.DURABLE_AGENT_MODEL_STREAM === 'on',
    ...(values.DURABLE_AGENT_MODEL_EXTRA_BODY ? { extraBody: values.DURABLE_AGENT_MODEL_EXTRA_BODY } : {}),
    ...(values.DURABLE_AGENT_PLANNER_HANDOFF_MS !== undefined ? { handoffAfterMs: values.DURABLE_AGENT_PLANNER_HANDOFF_MS } : {}),
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
