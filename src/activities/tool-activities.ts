import type { Span } from '@opentelemetry/api';
import { recordToolResult, toolCallSpan } from '../observability/gen-ai-spans';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ERROR_TYPES } from '../contracts/error-types';
import type { OutputKind, ToolActivityInput, ToolActivityOutput, ToolSpec } from '../contracts/tool-spec';
import { MAX_ERROR_MESSAGE_BYTES } from '../contracts/limits';
import { boundText, outputText, utf8Bytes } from '../core/summarize';
import type { OutputStore } from '../outputs/output-store';
import type { OutputLocation } from '../outputs/output-keys';
import type { Tool, ToolContext } from '../tools/define-tool';
import type { ToolRegistry } from '../tools/registry';
import { answerFromRecording } from './recording';


/**
 * Largest tool output kept in history, in bytes of JSON text. Temporal refuses payloads over 2 MB and
 * warns above 512 KB (JSON framing included); a larger output is cut to its head and tail, and its real size is reported.
 */
export const DEFAULT_MAX_TOOL_OUTPUT_BYTES = 256 * 1024;

/** Heartbeat period of tools that declare no heartbeat timeout. */
const AUTO_HEARTBEAT_MS = 1_000;

/** Bytes a value takes in history as JSON (what the payload converter writes). */
export function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value ?? null) ?? 'null');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The head and tail of `text` (whose whole size is `totalBytes`) that fit `maxBytes` of JSON, with the omitted-bytes
 * marker between them. Escaping can inflate the cut text again: the text budget shrinks until its JSON fits. Only the
 * ends can reach the preview, so they are cut out first: a 5 MB output is never walked character by character.
 */
function headAndTail(text: string, totalBytes: number, maxBytes: number): { preview: string; historyBytes: number } {
  const ends = text.length > 2 * maxBytes ? `${text.slice(0, maxBytes)}${text.slice(-maxBytes)}` : text;
  let budget = maxBytes;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const preview = boundText(ends, budget, totalBytes).preview;
    const previewBytes = jsonBytes(preview);
    if (previewBytes <= maxBytes) return { preview, historyBytes: previewBytes };
    budget = Math.floor((budget * maxBytes) / previewBytes) - 64;
  }
  const preview = boundText(ends, Math.floor(maxBytes / 6) - 64, totalBytes).preview;
  return { preview, historyBytes: jsonBytes(preview) };
}

/**
 * Keeps an output under the history cap, measured in bytes of JSON (quotes and escapes included: a string
 * of control characters takes up to six times its length). A larger output is cut to its head and tail.
 */
export function capOutput(output: unknown, maxBytes: number): Pick<ToolActivityOutput, 'output' | 'outputBytes' | 'outputKind' | 'historyBytes'> {
  const historyBytes = jsonBytes(output);
  if (historyBytes <= maxBytes) return { output, historyBytes };
  const text = outputText(output);
  const bytes = Buffer.byteLength(text);
  const outputKind: OutputKind = output === null || output === undefined ? 'null' : Array.isArray(output) ? 'array' : (typeof output as OutputKind);
  const cut = headAndTail(text, bytes, maxBytes);
  return { output: cut.preview, outputBytes: bytes, outputKind, historyBytes: cut.historyBytes };
}

type KeptOutput = Pick<ToolActivityOutput, 'output' | 'outputBytes' | 'outputKind' | 'historyBytes' | 'outputRef'>;

/**
 * What of an output enters history. One that would be cut (over the cap) or is over the store's threshold is stored
 * whole (src/outputs/output-store.ts) and history gets its head and tail and its handle, so the model can read any part
 * with `read_output`; without a store, or when storing fails, it is cut (`capOutput`) and the observation says so.
 */
export async function keepOutput(output: unknown, maxBytes: number, outputs: OutputStore | undefined, location: OutputLocation, log: ToolContext['log']): Promise<KeptOutput> {
  const historyBytes = jsonBytes(output);
  if (!outputs || (historyBytes <= outputs.thresholdBytes && historyBytes <= maxBytes)) return capOutput(output, maxBytes);
  let saved;
  try {
    saved = await outputs.save(location, output);
  } catch (error) {
    // The call's work is done: a retry would run the tool again for a storage fault. Cut instead, and say why in the log.
    log.warn('could not store a large tool output; it is cut instead', { store: outputs.driver.description, error: (error as Error).message });
    return capOutput(output, maxBytes);
  }
  // The preview leaves room in the call's cap for the reference beside it.
  const preview = headAndTail(saved.text, saved.ref.bytes, Math.max(64, Math.min(outputs.previewBytes, maxBytes - jsonBytes(saved.ref) - 64)));
  return {
    output: preview.preview,
    outputBytes: saved.ref.bytes,
    outputKind: saved.ref.kind,
    outputRef: saved.ref,
    historyBytes: preview.historyBytes + jsonBytes(saved.ref),
  };
}

/** Cuts an error message that would enter history to MAX_ERROR_MESSAGE_BYTES. */
function boundedMessage(message: string): string {
  return boundText(message, MAX_ERROR_MESSAGE_BYTES).preview;
}

/**
 * Converts what a tool threw into the failure recorded in history: expected domain failures are shown to the
 * model and not retried; everything else is retried by policy. Messages are bounded either way.
 */
function toolFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) {
    if (utf8Bytes(error.message) <= MAX_ERROR_MESSAGE_BYTES) return error;
    return ApplicationFailure.create({ type: error.type ?? undefined, message: boundedMessage(error.message), nonRetryable: error.nonRetryable ?? undefined });
  }
  if (error instanceof Error && error.name === 'ToolError') {
    return ApplicationFailure.create({ type: ERROR_TYPES.toolError, message: boundedMessage(error.message), nonRetryable: true });
  }
  if (error instanceof Error) {
    if (utf8Bytes(error.message) <= MAX_ERROR_MESSAGE_BYTES) return error;
    return ApplicationFailure.create({ type: error.name, message: boundedMessage(error.message) });
  }
  return ApplicationFailure.create({ type: 'Error', message: boundedMessage(String(error)) });
}

/**
 * Settles when the call is cancelled or passes its start-to-close deadline, whatever the tool does: a tool that
 * ignores its signal must not hold a worker slot past its timeout (its promise is abandoned).
 */
function abandonment(signal: AbortSignal, deadlineMs: number | undefined): { promise: Promise<never>; dispose(): void; controller: AbortController } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      controller.abort(signal.reason);
      reject(signal.reason instanceof Error ? signal.reason : new Error('the call was cancelled'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    if (deadlineMs !== undefined && Number.isFinite(deadlineMs)) {
      timer = setTimeout(() => {
        const reason = new Error(`the call ran past its ${deadlineMs} ms timeout`);
        controller.abort(reason);
        reject(reason);
      }, deadlineMs);
    }
  });
  promise.catch(() => undefined);
  return {
    promise,
    controller,
    dispose: () => {
      if (timer) clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}

/** What every tool activity of a worker shares. */
interface ToolActivitySettings {
  maxOutputBytes: number;
  outputs: OutputStore | undefined;
}

/** A tool's logger that adds `attributes` to every entry's metadata. */
function withAttributes(log: ToolContext['log'], attributes: Record<string, unknown>): ToolContext['log'] {
  return {
    info: (message, meta) => log.info(message, { ...attributes, ...meta }),
    warn: (message, meta) => log.warn(message, { ...attributes, ...meta }),
  };
}

/** Wraps a tool as an activity: validates the input (non-retryable on failure), runs it, classifies errors. */
function toolActivity(tool: Tool, settings: ToolActivitySettings) {
  const { maxOutputBytes, outputs } = settings;
  return (request: ToolActivityInput): Promise<ToolActivityOutput> => {
    const activity = Context.current();
    return toolCallSpan(activity.info, tool.spec.name, request.taskId, request.input, (span) => runTool(activity, request, span));
  };

  async function runTool(activity: Context, request: ToolActivityInput, span: Span): Promise<ToolActivityOutput> {
    // The tool's own check, at the tool worker's boundary (this worker may serve another queue, or another build of
    // the tool than the catalogue the run recorded): the full validator (zod or ajv), whose parsed value (defaults,
    // transforms) is what `run` receives. The workflow's schema check before scheduling is partial and cannot see
    // inputs resolved from plan references, so this one is never skipped.
    const checked = tool.validate(request.input);
    if (!checked.ok) {
      throw ApplicationFailure.create({
        type: ERROR_TYPES.toolInputInvalid,
        message: boundedMessage(`invalid input for tool "${tool.spec.name}": ${checked.problems}`),
        nonRetryable: true,
      });
    }
    // A run that takes its tool results from a recording (docs/forks.md): a matching call is answered without running.
    if (request.recording) {
      const recorded = await answerFromRecording(activity.client, request.recording, activity.info.activityType, request.input, activity.info.attempt);
      if (recorded) return recorded;
    }
    const deadline = abandonment(activity.cancellationSignal, activity.info.startToCloseTimeoutMs);
    const context: ToolContext = {
      signal: deadline.controller.signal,
      // A local activity (a fast tool's call, docs/fast-steps.md) has no heartbeat: its worker cancels it directly.
      heartbeat: activity.info.isLocal ? () => undefined : (details) => activity.heartbeat(details),
      idempotencyKey: request.idempotencyKey,
      attempt: activity.info.attempt,
      workflowId: activity.info.workflowExecution?.workflowId ?? '',
      namespace: activity.info.workflowNamespace ?? activity.info.activityNamespace,
      ...(request.outputsOf ? { outputsOf: request.outputsOf } : {}),
      // The call's id (`s2-1`) and tool on every line the tool logs, beside the run and activity the SDK adds.
      log: withAttributes(activity.log, { callId: request.taskId, tool: tool.spec.name }),
    };
    // Every tool heartbeats on its own, so cancellation reaches it without effort from the tool's author
    // (Temporal delivers cancellation in the answer to a heartbeat; the worker throttles what is sent).
    const heartbeatMs = tool.spec.heartbeatTimeoutMs;
    const ticker = activity.info.isLocal ? undefined : setInterval(() => activity.heartbeat(), heartbeatMs ? Math.max(100, Math.floor(heartbeatMs / 4)) : AUTO_HEARTBEAT_MS);
    const cap = Math.min(maxOutputBytes, request.maxOutputBytes ?? maxOutputBytes);
    try {
      const output = await Promise.race([tool.run(checked.value, context), deadline.promise]);
      recordToolResult(span, output);
      const location: OutputLocation = { namespace: context.namespace ?? 'default', workflowId: context.workflowId, taskId: request.taskId, attempt: context.attempt };
      return { ...(await keepOutput(output, cap, outputs, location, activity.log)), attempt: activity.info.attempt };
    } catch (error) {
      throw toolFailure(error);
    } finally {
      clearInterval(ticker);
      deadline.dispose();
    }
  }
}

export type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;
export type ToolActivities = Record<string, ToolActivity> & { describeTools(): Promise<ToolSpec[]> };

/** Options of {@link createToolActivities}. */
export interface ToolActivityOptions {
  /** Largest output kept in history. @default DEFAULT_MAX_TOOL_OUTPUT_BYTES */
  maxOutputBytes?: number;
  /**
   * The registry may grow after the worker started (MCP servers that connect late): its new tools run through the
   * SDK's `default` activity, and an activity type no tool has gets this reason, if any, in a retryable
   * `McpServerUnavailable` failure. Unset: every tool is registered under its own activity type, and nothing else.
   */
  unavailable?: (activityType: string) => string | undefined;
  /** Where outputs too large for history are stored (docs/outputs.md); unset: they are cut. @default none */
  outputs?: OutputStore;
}

/**
 * The `default` activity: the Temporal worker runs it for any activity type it did not register at creation. It runs
 * the tool that joined the registry since, or fails retryably: the next attempt may find the tool here, or another worker.
 */
function lateToolActivity(registry: ToolRegistry, settings: ToolActivitySettings, unavailable: (activityType: string) => string | undefined): ToolActivity {
  return async (request) => {
    const { activityType } = Context.current().info;
    const tool = registry.byActivityType(activityType);
    if (tool) return toolActivity(tool, settings)(request);
    const reason = unavailable(activityType);
    if (reason) throw ApplicationFailure.create({ type: ERROR_TYPES.mcpServerUnavailable, message: boundedMessage(reason), nonRetryable: false });
    throw ApplicationFailure.create({ type: 'NotFoundError', message: `no tool with activity type "${activityType}" is registered on this worker; start a worker that serves it`, nonRetryable: false });
  };
}

/** One activity per activity tool, under its activity type, plus `describeTools` for the catalogue (of every tool). */
export function createToolActivities(registry: ToolRegistry, options: ToolActivityOptions = {}): ToolActivities {
  const { maxOutputBytes = DEFAULT_MAX_TOOL_OUTPUT_BYTES, unavailable, outputs } = options;
  const settings: ToolActivitySettings = { maxOutputBytes, outputs };
  const activities: Record<string, ToolActivity> = {};
  // Each tool that runs as an activity is registered under its activity type; a workflow-side tool registers none.
  for (const [activityType, tool] of registry.activityTools) activities[activityType] = toolActivity(tool, settings);
  if (unavailable) activities.default = lateToolActivity(registry, settings, unavailable);
  return Object.assign(activities, {
    /** The catalogue recorded in history at the start of a run, so replay never depends on worker memory. */
    async describeTools(): Promise<ToolSpec[]> {
      return registry.catalogue();
    },
  });
}
