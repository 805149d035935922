import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import type { RetrySpec, ToolEffects, ToolSpec } from '../shared/model';
import { TOOL_RETRY_DEFAULT, TOOL_TIMEOUT_DEFAULT_MS } from '../shared/profiles';

/** Names the OpenAI API accepts for functions; also used as activity type names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** What a tool's handler receives besides its parsed input. */
export interface ToolContext {
  /** Aborted when the call is cancelled or times out; pass it to fetch, child processes, streams. */
  signal: AbortSignal;
  /** Records liveness (and optional progress details); required for tools with a heartbeat timeout. */
  heartbeat(details?: unknown): void;
  /**
   * Stable across every retry of this call and different for every other call (`<workflowId>/<taskId>`).
   * Side-effecting tools pass it to the system they change (an `Idempotency-Key` header, a unique key
   * column) so a retried attempt does not repeat the effect.
   */
  idempotencyKey: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  workflowId: string;
  log: { info(message: string, meta?: Record<string, unknown>): void; warn(message: string, meta?: Record<string, unknown>): void };
}

export interface ToolDefinition<Schema extends z.ZodType> {
  /** The name the model calls; also the activity type in Temporal. Letters, digits, `_` and `-`. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** zod schema of the input; its `.describe()` texts become the JSON schema the model reads. */
  input: Schema;
  /** The handler. Throw `ToolError` for expected failures the model should see; other errors are retried. */
  run(input: z.output<Schema>, context: ToolContext): Promise<unknown>;
  /** Start-to-close timeout of one attempt. @default '30 seconds' */
  timeout?: Duration;
  /** Heartbeat timeout, for long tools that call `context.heartbeat()`. @default none */
  heartbeatTimeout?: Duration;
  /** Retry policy. @default TOOL_RETRY_DEFAULT (3 attempts, 200 ms doubling to 5 s) */
  retry?: Partial<RetrySpec>;
  /** What a retry may cost. @default 'read' */
  effects?: ToolEffects;
  /** Input field shown next to the tool name in the Temporal UI. @default the first string field */
  summaryField?: string;
}

/** A tool ready for the registry: its catalogue entry plus the parse-and-run function. */
export interface Tool {
  spec: ToolSpec;
  input: z.ZodType;
  run(input: unknown, context: ToolContext): Promise<unknown>;
}

/**
 * An expected, domain-level failure (not found, denied, bad request upstream). The model sees the message;
 * Temporal does not retry it.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** Raised when a tool definition is invalid; the message names the field. */
export class ToolDefinitionError extends Error {
  override name = 'ToolDefinitionError';
}

function durationMs(value: Duration | undefined, field: string, toolName: string): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  try {
    ms = msToNumber(value);
  } catch {
    throw new ToolDefinitionError(`Expected \`${field}\` of tool "${toolName}" to be a duration like '10s' or a number of ms, got \`${String(value)}\``);
  }
  if (!Number.isFinite(ms) || ms < 1) throw new ToolDefinitionError(`Expected \`${field}\` of tool "${toolName}" to be positive, got \`${String(value)}\``);
  return Math.round(ms);
}

/** JSON schema of a tool's input, as the model reads it. */
export function toolJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** Declares a tool: validates the definition and derives its catalogue entry. */
export function defineTool<Schema extends z.ZodType>(definition: ToolDefinition<Schema>): Tool {
  const { name } = definition;
  if (!TOOL_NAME.test(name)) {
    throw new ToolDefinitionError(`Expected a tool name of 1-64 letters, digits, "_" or "-", got \`${name}\``);
  }
  if (!definition.description.trim()) throw new ToolDefinitionError(`Tool "${name}" needs a description: the model reads it.`);
  const retry: RetrySpec = { ...TOOL_RETRY_DEFAULT, ...definition.retry };
  if (!Number.isInteger(retry.maximumAttempts) || retry.maximumAttempts < 1) {
    throw new ToolDefinitionError(`Expected \`retry.maximumAttempts\` of tool "${name}" to be an integer >= 1, got \`${retry.maximumAttempts}\``);
  }
  const heartbeatTimeoutMs = durationMs(definition.heartbeatTimeout, 'heartbeatTimeout', name);
  const spec: ToolSpec = {
    name,
    description: definition.description,
    inputSchema: toolJsonSchema(definition.input),
    timeoutMs: durationMs(definition.timeout, 'timeout', name) ?? TOOL_TIMEOUT_DEFAULT_MS,
    ...(heartbeatTimeoutMs ? { heartbeatTimeoutMs } : {}),
    retry,
    effects: definition.effects ?? 'read',
    ...(definition.summaryField ? { summaryField: definition.summaryField } : {}),
  };
  return {
    spec,
    input: definition.input,
    run: (input, context) => definition.run(input as z.output<Schema>, context),
  };
}
