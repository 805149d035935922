import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ERROR_TYPES } from '../shared/errors';
import type { ToolActivityInput, ToolActivityOutput, ToolSpec } from '../shared/model';
import { boundText, outputText, utf8Bytes } from '../shared/summarize';
import type { Tool, ToolContext } from '../tools/define-tool';
import type { ToolRegistry } from '../tools/registry';

/** One line per schema problem: `path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`).join('; ');
}

/**
 * Largest tool output kept in history, in bytes of JSON text. Temporal refuses payloads over 2 MB and
 * warns above 512 KB (JSON framing included); a larger output is cut to its head and tail, and its real size is reported.
 */
export const DEFAULT_MAX_TOOL_OUTPUT_BYTES = 256 * 1024;

/** Heartbeat period of tools that declare no heartbeat timeout. */
const AUTO_HEARTBEAT_MS = 1_000;

/** Keeps an output under the history cap. */
export function capOutput(output: unknown, maxBytes: number): Pick<ToolActivityOutput, 'output' | 'outputBytes'> {
  const text = outputText(output);
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return { output };
  return { output: boundText(text, maxBytes).preview, outputBytes: bytes };
}

/** Wraps a tool as an activity: validates the input (non-retryable on failure), runs it, classifies errors. */
function toolActivity(tool: Tool, maxOutputBytes: number) {
  return async (request: ToolActivityInput): Promise<ToolActivityOutput> => {
    const activity = Context.current();
    const parsed = tool.input.safeParse(request.input);
    if (!parsed.success) {
      throw ApplicationFailure.create({
        type: ERROR_TYPES.toolInputInvalid,
        message: `invalid input for tool "${tool.spec.name}": ${describeIssues(parsed.error)}`,
        nonRetryable: true,
      });
    }
    const context: ToolContext = {
      signal: activity.cancellationSignal,
      heartbeat: (details) => activity.heartbeat(details),
      idempotencyKey: request.idempotencyKey,
      attempt: activity.info.attempt,
      workflowId: activity.info.workflowExecution?.workflowId ?? '',
      log: activity.log,
    };
    // Every tool heartbeats on its own, so cancellation reaches it without effort from the tool's author
    // (Temporal delivers cancellation in the answer to a heartbeat; the worker throttles what is sent).
    const heartbeatMs = tool.spec.heartbeatTimeoutMs;
    const ticker = setInterval(() => activity.heartbeat(), heartbeatMs ? Math.max(100, Math.floor(heartbeatMs / 4)) : AUTO_HEARTBEAT_MS);
    try {
      return { ...capOutput(await tool.run(parsed.data, context), maxOutputBytes), attempt: activity.info.attempt };
    } catch (error) {
      // Expected domain failures are shown to the model and not retried; everything else is retried by policy.
      if (error instanceof Error && error.name === 'ToolError') {
        throw ApplicationFailure.create({ type: ERROR_TYPES.toolError, message: error.message, nonRetryable: true });
      }
      throw error;
    } finally {
      clearInterval(ticker);
    }
  };
}

export type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;
export type ToolActivities = Record<string, ToolActivity> & { describeTools(): Promise<ToolSpec[]> };

/** One activity per registered tool, named after the tool, plus `describeTools` for the catalogue. */
export function createToolActivities(registry: ToolRegistry, maxOutputBytes = DEFAULT_MAX_TOOL_OUTPUT_BYTES): ToolActivities {
  const activities: Record<string, ToolActivity> = {};
  for (const tool of registry.tools.values()) {
    if (tool.spec.execution === 'workflow-timer') continue;
    activities[tool.spec.name] = toolActivity(tool, maxOutputBytes);
  }
  return Object.assign(activities, {
    /** The catalogue recorded in history at the start of a run, so replay never depends on worker memory. */
    async describeTools(): Promise<ToolSpec[]> {
      return registry.catalogue();
    },
  });
}
