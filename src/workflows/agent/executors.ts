import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { ERROR_TYPES } from '../../shared/errors';
import type { Executor, Task, TaskError, TaskResult, ToolActivityInput, ToolActivityOutput } from '../../shared/model';
import { DEFAULT_TOOL_UNAVAILABLE_AFTER_MS, scheduleToCloseMs, toActivityRetry } from '../../shared/profiles';
import { WaitInputSchema } from '../../shared/wait';
import { AskUserInputSchema } from '../../shared/ask-user';
import type { CarriedGate } from '../../shared/contracts/workflow-input';
import type { Interaction } from './interaction';
import type { OutputBudget } from './output-budget';
import type { Semaphore } from './semaphore';

type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;

/** Notified as tasks start and finish (the run state and the UI details follow along). */
export interface SchedulerHooks {
  onStart?(task: Task): void;
  onFinish?(result: TaskResult): void;
  /** A task that had started before the run handed over goes on in this run (no new event). */
  onResumed?(task: Task): void;
}

/** What of a step the previous run of the chain finished or left waiting for people (a handover while waiting). */
export interface ResumedStep {
  results: ReadonlyMap<string, TaskResult>;
  gates: ReadonlyMap<string, CarriedGate>;
}

/** What executors share within a step. */
export interface ExecutionContext {
  semaphore: Semaphore;
  hooks: SchedulerHooks;
  /** The step's history budget for tool outputs; absent in runs started before it existed. */
  budget?: OutputBudget;
  /** Approvals and questions. */
  interaction: Interaction;
  /** How long a call to a tool on another task queue waits for a worker (`toolUnavailableAfterMs`). */
  toolUnavailableAfterMs?: number;
  /** The step as the previous run left it, when this run took over within it. */
  resumed?: ResumedStep;
}

/** Bytes of history a failed call may take (its bounded error message and failure framing). */
const FAILURE_BYTES = 6_144;

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** The limit a timeout of this type hit, in words: each type has its own figure. */
function timeoutWords(timeoutType: string | undefined, task: Pick<Task, 'timeoutMs' | 'heartbeatTimeoutMs' | 'retry'>): string {
  switch (timeoutType) {
    case 'SCHEDULE_TO_CLOSE':
      return `no result within ${seconds(scheduleToCloseMs(task.timeoutMs, task.retry))} over all attempts (schedule_to_close; each attempt may take ${seconds(task.timeoutMs)})`;
    case 'HEARTBEAT':
      return `no heartbeat within ${seconds(task.heartbeatTimeoutMs ?? task.timeoutMs)} (heartbeat timeout)`;
    case 'START_TO_CLOSE':
      return `no result within ${seconds(task.timeoutMs)} (start_to_close)`;
    default:
      return `no result within the call's limits (${String(timeoutType ?? 'timeout').toLowerCase()})`;
  }
}

/** Turns an activity failure into the error of a `TaskResult`. */
export function taskErrorOf(error: unknown, task: Pick<Task, 'timeoutMs' | 'heartbeatTimeoutMs' | 'retry'> & Partial<Pick<Task, 'tool' | 'executor'>>): TaskError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure && String(cause.timeoutType ?? '').endsWith('SCHEDULE_TO_START')) {
    const queue = task.executor?.kind === 'activity' ? task.executor.taskQueue : undefined;
    return {
      type: ERROR_TYPES.toolUnavailable,
      message: `no worker took the call${queue ? ` on task queue "${queue}"` : ''} in time, so it did not run; a worker serving ${task.tool ?? 'the tool'} must be started (\`durable-agent worker --tools ${task.tool ?? '<tool>'}${queue ? ` --task-queue ${queue}` : ''}\`)`,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: ERROR_TYPES.toolTimeout, message: timeoutWords(String(cause.timeoutType ?? '').replace('TIMEOUT_TYPE_', ''), task) };
  }
  if (cause instanceof CancelledFailure) return { type: ERROR_TYPES.toolCancelled, message: 'the call was cancelled' };
  if (cause instanceof ApplicationFailure) {
    if (cause.type === ERROR_TYPES.toolInputInvalid || cause.type === ERROR_TYPES.toolError) return { type: cause.type, message: cause.message };
    const attempts = task.retry.maximumAttempts;
    return { type: ERROR_TYPES.toolFailed, message: `${cause.type ? `${cause.type}: ` : ''}${cause.message} (gave up after up to ${attempts} attempt${attempts === 1 ? '' : 's'})` };
  }
  return { type: ERROR_TYPES.toolFailed, message: error instanceof Error ? error.message : String(error) };
}

/** Runs a task as its activity (type and task queue from the task), under the semaphore; never throws except for cancellation. */
async function runGated(gated: Task, context: ExecutionContext): Promise<TaskResult> {
  // The wait for a person holds no permit: the step's other calls run meanwhile.
  const gate = await context.interaction.awaitApproval(gated, context.resumed?.gates.get(gated.id));
  if (!gate.run) return finished({ id: gated.id, callId: gated.callId, tool: gated.tool, ok: false, error: gate.error, durationMs: 0 }, context);
  return context.semaphore.withPermit(() => callTool({ ...gated, input: gate.input }, context));
}

/**
 * Runs a task as its activity (type and task queue from the task), under the semaphore, after its approval when it is
 * gated; never throws except for cancellation. No promise of its own when no approval is needed: every promise in
 * workflow code costs the SDK a stack trace (bench/RESULTS.md §7).
 */
function runActivity(task: Task, context: ExecutionContext): Promise<TaskResult> {
  if (task.requiresApproval) return runGated(task, context);
  return context.semaphore.withPermit(() => callTool(task, context));
}

/** Calls a task's activity, holding a permit; never throws except for cancellation. */
async function callTool(task: Task, context: ExecutionContext): Promise<TaskResult> {
  const executor = task.executor as Extract<Executor, { kind: 'activity' }>;
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
      },
    ]);
    if (maxOutputBytes !== undefined) context.budget?.settle(maxOutputBytes, response.historyBytes);
    result = { id: task.id, callId: task.callId, tool: task.tool, ok: true, output: response.output, attempts: response.attempt, durationMs: Date.now() - started };
    if (response.outputBytes !== undefined) result.outputBytes = response.outputBytes;
    if (response.outputKind !== undefined) result.outputKind = response.outputKind;
  } catch (error) {
    // Cancelling the run is not a tool failure: let it end the run.
    if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
    if (maxOutputBytes !== undefined) context.budget?.settle(maxOutputBytes, FAILURE_BYTES);
    result = { id: task.id, callId: task.callId, tool: task.tool, ok: false, error: taskErrorOf(error, task), durationMs: Date.now() - started };
  }
  context.hooks.onFinish?.(result);
  return result;
}

/** A durable timer in the workflow: no activity, no worker slot, no semaphore permit. */
async function runTimer(task: Task, context: ExecutionContext): Promise<TaskResult> {
  // Validated when the task was prepared; parsed again here because the task carries the raw input.
  const { seconds: waitSeconds } = WaitInputSchema.parse(task.input);
  context.hooks.onStart?.(task);
  const started = Date.now();
  await sleep(Math.round(waitSeconds * 1000));
  const result: TaskResult = { id: task.id, callId: task.callId, tool: task.tool, ok: true, output: { waitedSeconds: waitSeconds }, durationMs: Date.now() - started };
  context.hooks.onFinish?.(result);
  return result;
}

function finished(result: TaskResult, context: ExecutionContext): TaskResult {
  context.hooks.onFinish?.(result);
  return result;
}

/** The model asks a person (`ask_user`): the run waits, with status `waiting_for_input`, for a `reply` Update. */
async function runQuestion(task: Task, context: ExecutionContext): Promise<TaskResult> {
  const started = Date.now();
  const base = { id: task.id, callId: task.callId, tool: task.tool };
  const { question } = AskUserInputSchema.parse(task.input);
  const carried = context.resumed?.gates.get(task.id);
  if (carried) context.hooks.onResumed?.(task);
  else context.hooks.onStart?.(task);
  const outcome = await context.interaction.ask(task, question, carried);
  const durationMs = Date.now() - started;
  if ('error' in outcome) return finished({ ...base, ok: false, error: outcome.error, durationMs }, context);
  return finished({ ...base, ok: true, output: { answer: outcome.answer }, durationMs }, context);
}

/** How each kind of task runs: a map, not flags. */
const EXECUTORS: { [Kind in Executor['kind']]: (task: Task, context: ExecutionContext) => Promise<TaskResult> } = {
  activity: runActivity,
  timer: runTimer,
  question: runQuestion,
};

/** Runs one task with the executor its kind names. */
export function execute(task: Task, context: ExecutionContext): Promise<TaskResult> {
  return EXECUTORS[task.executor.kind](task, context);
}
