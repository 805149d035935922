import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../../contracts/error-types';
import type { TaskResult } from '../../../core/model';
import type { ToolActivityInput, ToolActivityOutput } from '../../../contracts/tool-spec';
import { DEFAULT_TOOL_UNAVAILABLE_AFTER_MS, READ_OUTPUT_TOOL } from '../../../contracts/limits';
import { scheduleToCloseMs, toActivityRetry } from '../../../core/retry';
import { failedResult } from '../../../core/task-result';
import { finished, type ExecutionContext, type TaskExecutor, type TaskOf } from './context';
import { taskErrorOf } from './failure';

type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;

/** Bytes of history a failed call may take (its bounded error message and failure framing). */
const FAILURE_BYTES = 6_144;

/** Runs a gated task once a person approved it, under the semaphore; never throws except for cancellation. */
async function runGated(gated: TaskOf<'activity'>, context: ExecutionContext): Promise<TaskResult> {
  // The wait for a person holds no permit: the step's other calls run meanwhile.
  const gate = await context.interaction.awaitApproval(gated, context.resumed?.gates.get(gated.id));
  if (!gate.run) return finished(failedResult(gated, gate.error), context);
  return context.semaphore.withPermit(() => callTool({ ...gated, input: gate.input }, context));
}

/** Calls a task's activity, holding a permit; never throws except for cancellation. */
async function callTool(task: TaskOf<'activity'>, context: ExecutionContext): Promise<TaskResult> {
  const { executor } = task;
  context.hooks.onStart?.(task);
  const maxOutputBytes = context.budget?.reserve();
  // Workflow time (the sandbox's Date.now() is deterministic), so durations replay identically.
  const started = Date.now();
  const activities = proxyActivities<Record<string, ToolActivity>>({
    ...(executor.taskQueue ? { taskQueue: executor.taskQueue } : {}),
    startToCloseTimeout: task.timeoutMs,
    scheduleToCloseTimeout: scheduleToCloseMs(task.timeoutMs, task.retry),
    // A tool on another queue fails fast when no worker serves it, instead of waiting out its schedule-to-close.
    ...(executor.taskQueue ? { scheduleToStartTimeout: context.toolUnavailableAfterMs ?? DEFAULT_TOOL_UNAVAILABLE_AFTER_MS } : {}),
    ...(task.heartbeatTimeoutMs ? { heartbeatTimeout: task.heartbeatTimeoutMs } : {}),
    // A cancelled run ends only after its tools confirmed they stopped: nothing is left running.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...toActivityRetry(task.retry), nonRetryableErrorTypes: [ERROR_TYPES.toolInputInvalid, ERROR_TYPES.toolError] },
  });
  const activity = activities[executor.activityType];
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
