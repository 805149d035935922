import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../../contracts/error-types';
import type { TaskResult } from '../../../core/model';
import type { ToolActivityInput, ToolActivityOutput } from '../../../contracts/tool-spec';
import { DEFAULT_TOOL_UNAVAILABLE_AFTER_MS, READ_OUTPUT_TOOL } from '../../../contracts/limits';
import { scheduleToCloseMs, toActivityRetry } from '../../../core/retry';
import { failedResult } from '../../../core/task-result';
import { finished, type ExecutionContext, type TaskExecutor, type TaskOf } from './context';
import { taskErrorOf } from './failure';

type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;
/** What the workflow calls a tool's activity through, local or not: options for this call (its UI summary) and the input. */
interface ToolCallProxy {
  executeWithOptions(options: { summary?: string }, args: [ToolActivityInput]): Promise<ToolActivityOutput>;
}

/** Bytes of history a failed call may take (its bounded error message and failure framing). */
const FAILURE_BYTES = 6_144;

/** Runs a gated task once a person approved it, under the semaphore; never throws except for cancellation. */
async function runGated(gated: TaskOf<'activity'>, context: ExecutionContext): Promise<TaskResult> {
  // The wait for a person holds no permit: the step's other calls run meanwhile.
  const gate = await context.interaction.awaitApproval(gated, context.resumed?.gates.get(gated.id));
  if (!gate.run) return finished(failedResult(gated, gate.error), context);
  return context.semaphore.withPermit(() => callTool({ ...gated, input: gate.input }, context));
}

/**
 * The activity a task's calls go to: a local activity on this worker for a fast tool's call (docs/fast-steps.md),
 * otherwise an activity task, on the tool's own queue when it has one. Both with the tool's timeout and retry policy.
 */
function proxyOf(task: TaskOf<'activity'>, context: ExecutionContext): Record<string, ToolCallProxy | undefined> {
  const { executor } = task;
  const common = {
    startToCloseTimeout: task.timeoutMs,
    scheduleToCloseTimeout: scheduleToCloseMs(task.timeoutMs, task.retry),
    // A cancelled run ends only after its tools confirmed they stopped: nothing is left running.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...toActivityRetry(task.retry), nonRetryableErrorTypes: [ERROR_TYPES.toolInputInvalid, ERROR_TYPES.toolError] },
  };
  if (task.local) return proxyLocalActivities<Record<string, ToolActivity>>(common);
  return proxyActivities<Record<string, ToolActivity>>({
    ...common,
    ...(executor.taskQueue ? { taskQueue: executor.taskQueue } : {}),
    // A tool on another queue fails fast when no worker serves it, instead of waiting out its schedule-to-close.
    ...(executor.taskQueue ? { scheduleToStartTimeout: context.toolUnavailableAfterMs ?? DEFAULT_TOOL_UNAVAILABLE_AFTER_MS } : {}),
    ...(task.heartbeatTimeoutMs ? { heartbeatTimeout: task.heartbeatTimeoutMs } : {}),
  });
}

/** Calls a task's activity, holding a permit; never throws except for cancellation. */
async function callTool(task: TaskOf<'activity'>, context: ExecutionContext): Promise<TaskResult> {
  const { executor } = task;
  context.hooks.onStart?.(task);
  const maxOutputBytes = context.budget?.reserve();
  // Workflow time (the sandbox's Date.now() is deterministic), so durations replay identically.
  const started = Date.now();
  const activity = proxyOf(task, context)[executor.activityType];
  let result: TaskResult;
  try {
    if (!activity) throw new Error(`no activity proxy for ${executor.activityType}`);
    const response = await activity.executeWithOptions({ summary: task.summary }, [
      {
        taskId: task.id,
        input: task.input,
        idempotencyKey: `${workflowInfo().workflowId}/${task.id}`,
        ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
        ...(context.lineage?.length && task.tool === READ_OUTPUT_TOOL ? { outputsOf: [...context.lineage] } : {}),
        ...(context.recordedTools ? { recording: context.recordedTools } : {}),
      },
    ]);
    if (maxOutputBytes !== undefined) context.budget?.settle(maxOutputBytes, response.historyBytes);
    result = { id: task.id, callId: task.callId, tool: task.tool, ok: true, output: response.output, attempts: response.attempt, durationMs: Date.now() - started };
    if (response.outputBytes !== undefined) result.outputBytes = response.outputBytes;
    if (response.outputKind !== undefined) result.outputKind = response.outputKind;
    if (response.outputRef !== undefined) result.outputRef = response.outputRef;
  } catch (error) {
    // Cancelling the run is not a tool failure: let it end the run.
    if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
    if (maxOutputBytes !== undefined) context.budget?.settle(maxOutputBytes, FAILURE_BYTES);
    result = failedResult(task, taskErrorOf(error, task), Date.now() - started);
  }
  return finished(result, context);
}

/**
 * Runs a task as its activity (type and task queue from the task), under the semaphore, after its approval when it is
 * gated; never throws except for cancellation. No promise of its own when no approval is needed: every promise in
 * workflow code costs the SDK a stack trace (bench/RESULTS.md §7).
 */
export const activityExecutor: TaskExecutor<'activity'> = {
  kind: 'activity',
  run(task, context) {
    if (task.requiresApproval) return runGated(task, context);
    return context.semaphore.withPermit(() => callTool(task, context));
  },
};
