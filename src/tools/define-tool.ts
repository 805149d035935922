import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import type { Executor, RetrySpec, ToolEffects, ToolSpec } from '../contracts/tool-spec';
import { TOOL_RETRY_DEFAULT, TOOL_TIMEOUT_DEFAULT_MS } from '../contracts/limits';
import { describeIssues } from '../core/zod-issues';
import { compileJsonSchema, type JsonSchema } from './json-schema';

/** Names the OpenAI API accepts for functions; also the default activity type. */
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
  /** The run's namespace. @default 'default' when absent (a context made by hand) */
  namespace?: string;
  /** Other runs whose stored outputs this call may read (a fork's lineage, for `read_output`). */
  outputsOf?: readonly string[];
  log: { info(message: string, meta?: Record<string, unknown>): void; warn(message: string, meta?: Record<string, unknown>): void };
}

/** What every tool definition says, whatever describes its input. */
export interface ToolDefinitionBase {
  /** The name the model calls; also the activity type by default. Letters, digits, `_` and `-`. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** Start-to-close timeout of one attempt. @default '30 seconds' */
  timeout?: Duration;
  /** Heartbeat timeout, for long tools that call `context.heartbeat()`. @default none */
  heartbeatTimeout?: Duration;
  /** Retry policy. @default TOOL_RETRY_DEFAULT (3 attempts, 200 ms doubling to 5 s); one attempt for `mutating` tools */
  retry?: Partial<RetrySpec>;
  /**
   * What a retry may cost. `read` and `idempotent` tools are retried by policy; a `mutating` tool runs a single
   * attempt unless it declares `usesIdempotencyKey` (a retry could repeat its effect). @default 'read'
   */
  effects?: ToolEffects;
  /** The tool passes `context.idempotencyKey` to what it changes, so retrying a `mutating` call is safe. @default false */
  usesIdempotencyKey?: boolean;
  /** Input field shown next to the tool name in the Temporal UI. @default the first string field */
  summaryField?: string;
  /**
   * Every call waits for a person's approval (`durable-agent approve|deny`) before it runs; the step's other calls
   * run meanwhile. A run can gate more tools with `requireApproval`. @default false
   */
  requiresApproval?: boolean;
  /**
   * The tool's calls are short (well under a second, no heartbeat): they run as local activities on the run's own
   * worker, inside the workflow task that scheduled them, with the same timeout and retry policy (docs/fast-steps.md).
   * A run can turn it off (`fastTools: false`) or choose its own fast tools. @default false
   */
  fast?: boolean;
  /** Activity type the tool is registered under. @default the tool's name */
  activityType?: string;
  /**
   * Task queue of the workers that run this tool (tools with their own workers, resources or rate limits).
   * Those workers register the tool too; the agent's worker only needs it in its catalogue. @default the run's queue
   */
  taskQueue?: string;
}

/** A tool whose input is a zod schema; its `.describe()` texts become the JSON schema the model reads. */
export interface ZodToolDefinition<Schema extends z.ZodType> extends ToolDefinitionBase {
  input: Schema;
  /** The handler. Throw `ToolError` for expected failures the model should see; other errors are retried. */
  run(input: z.output<Schema>, context: ToolContext): Promise<unknown>;
}

/** A tool whose input is described by a JSON Schema (as MCP servers do); validated with ajv. */
export interface JsonSchemaToolDefinition<Input = unknown> extends ToolDefinitionBase {
  inputSchema: JsonSchema;
  /** The handler; gets the input once it matched the schema. */
  run(input: Input, context: ToolContext): Promise<unknown>;
}

/** The outcome of checking a call's input against a tool's schema. */
export type InputCheck = { ok: true; value: unknown } | { ok: false; problems: string };

/** A tool that runs as an activity on a worker, ready for the registry: its catalogue entry plus the check-and-run functions. */
export interface Tool {
  spec: ToolSpec;
  /**
   * Checks input against the tool's schema: the parsed value, or every problem as `path: message`. The tool's
   * activity calls it once per attempt, before `run`.
   */
  validate(input: unknown): InputCheck;
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

/** JSON schema of a zod input schema, as the model reads it. */
export function toolJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** The retry policy a tool gets: its own over the default, and one attempt for a `mutating` tool that cannot be retried safely. */
function retryOf(definition: ToolDefinitionBase): RetrySpec {
  const { name } = definition;
  const mutatingUnsafe = definition.effects === 'mutating' && !definition.usesIdempotencyKey;
  if (mutatingUnsafe && (definition.retry?.maximumAttempts ?? 1) > 1) {
    throw new ToolDefinitionError(
      `Tool "${name}" is \`mutating\` with \`retry.maximumAttempts\` ${definition.retry?.maximumAttempts}: a retry could repeat its effect. ` +
        'Pass `context.idempotencyKey` to what it changes and declare `usesIdempotencyKey: true`, or drop the retry.',
    );
  }
  const retry: RetrySpec = { ...TOOL_RETRY_DEFAULT, ...(mutatingUnsafe ? { maximumAttempts: 1 } : {}), ...definition.retry };
  if (!Number.isInteger(retry.maximumAttempts) || retry.maximumAttempts < 1) {
    throw new ToolDefinitionError(`Expected \`retry.maximumAttempts\` of tool "${name}" to be an integer >= 1, got \`${retry.maximumAttempts}\``);
  }
  return retry;
}

/**
 * Checks the parts of a definition that do not depend on how the input is described, and derives the catalogue entry;
 * its calls run as the tool's activity unless another `executor` is given (a workflow-side tool).
 */
export function specOf(definition: ToolDefinitionBase, inputSchema: Record<string, unknown>, executor?: Executor): ToolSpec {
  const { name } = definition;
  if (!TOOL_NAME.test(name)) throw new ToolDefinitionError(`Expected a tool name of 1-64 letters, digits, "_" or "-", got \`${name}\``);
  if (!definition.description.trim()) throw new ToolDefinitionError(`Tool "${name}" needs a description: the model reads it.`);
  if (definition.activityType !== undefined && !definition.activityType.trim()) throw new ToolDefinitionError(`Expected \`activityType\` of tool "${name}" to be a non-empty string`);
  if (definition.taskQueue !== undefined && !definition.taskQueue.trim()) throw new ToolDefinitionError(`Expected \`taskQueue\` of tool "${name}" to be a non-empty string`);
  const heartbeatTimeoutMs = durationMs(definition.heartbeatTimeout, 'heartbeatTimeout', name);
  if (definition.fast) {
    const why = heartbeatTimeoutMs ? 'it heartbeats' : definition.taskQueue ? 'it runs on its own task queue' : definition.requiresApproval ? 'every call waits for an approval' : undefined;
    if (why) throw new ToolDefinitionError(`Tool "${name}" is \`fast\` but ${why}: a fast tool runs as a local activity on the run's own worker, which cannot. Drop \`fast\` or the other setting.`);
  }
  return {
    name,
    description: definition.description,
    inputSchema,
    timeoutMs: durationMs(definition.timeout, 'timeout', name) ?? TOOL_TIMEOUT_DEFAULT_MS,
    ...(heartbeatTimeoutMs ? { heartbeatTimeoutMs } : {}),
    retry: retryOf(definition),
    effects: definition.effects ?? 'read',
    ...(definition.usesIdempotencyKey ? { usesIdempotencyKey: true } : {}),
    ...(definition.requiresApproval ? { requiresApproval: true } : {}),
    ...(definition.fast ? { fast: true } : {}),
    ...(definition.summaryField ? { summaryField: definition.summaryField } : {}),
    executor: executor ?? { kind: 'activity', activityType: definition.activityType ?? name, ...(definition.taskQueue ? { taskQueue: definition.taskQueue } : {}) },
  };
}

/** Declares a tool with a zod or a JSON Schema input: validates the definition and derives its catalogue entry. */
export function defineTool<Schema extends z.ZodType>(definition: ZodToolDefinition<Schema>): Tool;
export function defineTool<Input = unknown>(definition: JsonSchemaToolDefinition<Input>): Tool;
export function defineTool(definition: ZodToolDefinition<z.ZodType> | JsonSchemaToolDefinition): Tool {
  if ('input' in definition && definition.input !== undefined) {
    const schema = definition.input;
    return {
      spec: specOf(definition, toolJsonSchema(schema)),
      validate: (input) => {
        const parsed = schema.safeParse(input);
        return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: describeIssues(parsed.error) };
      },
      run: (input, context) => definition.run(input, context),
    };
  }
  const jsonDefinition = definition as JsonSchemaToolDefinition;
  if (!jsonDefinition.inputSchema || typeof jsonDefinition.inputSchema !== 'object') {
    throw new ToolDefinitionError(`Tool "${definition.name}" needs an input schema: \`input\` (zod) or \`inputSchema\` (JSON Schema).`);
  }
  let check: (input: unknown) => InputCheck;
  try {
    check = compileJsonSchema(jsonDefinition.inputSchema);
  } catch (error) {
    throw new ToolDefinitionError(`The \`inputSchema\` of tool "${definition.name}" is not a valid JSON Schema: ${(error as Error).message}`);
  }
  return {
    spec: specOf(definition, jsonDefinition.inputSchema),
    validate: check,
    run: (input, context) => jsonDefinition.run(input, context),
  };
}
