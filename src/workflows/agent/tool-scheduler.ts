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
import type { Task, TaskError, TaskResult, ToolActivityInput, ToolActivityOutput, ToolCallAction, ToolSpec } from '../../shared/model';
import { scheduleToCloseMs } from '../../shared/profiles';
import { WaitInputSchema } from '../../shared/wait';
import type { OutputBudget } from './output-budget';
import type { Semaphore } from './semaphore';

type ToolActivity = (request: ToolActivityInput) => Promise<ToolActivityOutput>;

/**
 * The slot of one call in a step: a task to run as an activity, a durable timer (the `wait` tool),
 * or a result known without running anything.
 */
export type PlannedCall = { task: Task; spec: ToolSpec } | { timer: Task; seconds: number } | { result: TaskResult };

/** Tools the run may use: the catalogue, narrowed to `allowedTools` when given. */
export interface ToolAccess {
  catalogue: ReadonlyMap<string, ToolSpec>;
  allowed: ReadonlySet<string>;
}

function immediateFailure(call: ToolCallAction, id: string, error: TaskError): { result: TaskResult } {
  return { result: { id, callId: call.id, tool: call.tool, ok: false, error, durationMs: 0 } };
}

/**
 * Derives tasks from the model's calls. Unknown tools, disallowed tools and unparsable arguments become
 * error results here, so no activity is ever scheduled for them.
 */
export function planCalls(step: number, calls: readonly ToolCallAction[], access: ToolAccess): PlannedCall[] {
  return calls.map((call, index) => {
    const id = `s${step}-${index + 1}`;
    const spec = access.catalogue.get(call.tool);
    if (!spec) {
      const known = [...access.allowed].join(', ') || '(none)';
      return immediateFailure(call, id, { type: ERROR_TYPES.toolUnknown, message: `there is no tool named "${call.tool}"; available tools: ${known}` });
    }
    if (!access.allowed.has(call.tool)) {
      return immediateFailure(call, id, { type: ERROR_TYPES.toolNotAllowed, message: `tool "${call.tool}" is not allowed in this run` });
    }
    if (call.inputError !== undefined) {
      return immediateFailure(call, id, { type: ERROR_TYPES.toolInputInvalid, message: `invalid input for tool "${call.tool}": ${call.inputError}` });
    }
    const task: Task = { id, callId: call.id, tool: call.tool, input: call.input, timeoutMs: spec.timeoutMs, retry: spec.retry };
    if (spec.execution === 'workflow-timer') return planTimer(call, task, spec);
    return { task, spec };
  });
}

function planTimer(call: ToolCallAction, task: Task, spec: ToolSpec): PlannedCall {
  const parsed = WaitInputSchema.safeParse(call.input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
    return immediateFailure(call, task.id, { type: ERROR_TYPES.toolInputInvalid, message: `invalid input for tool "${call.tool}": ${problems}` });
  }
  const maxSeconds = spec.maxSeconds ?? Number.POSITIVE_INFINITY;
  if (parsed.data.seconds > maxSeconds) {
    return immediateFailure(call, task.id, {
      type: ERROR_TYPES.toolInputInvalid,
      message: `invalid input for tool "${call.tool}": seconds: at most ${maxSeconds} seconds, got ${parsed.data.seconds}`,
    });
  }
  return { timer: task, seconds: parsed.data.seconds };
}

/** One line for the Temporal UI: the tool and its most telling argument, never more than ~80 characters. */
export function callSummary(tool: string, input: unknown, summaryField?: string): string {
  let detail = '';
  if (input && typeof input === 'object') {
    const record = input as Record<string, unknown>;
    const value = summaryField !== undefined ? record[summaryField] : Object.values(record).find((entry) => typeof entry === 'string');
    if (typeof value === 'string' || typeof value === 'number') detail = String(value).replace(/\s+/g, ' ').trim();
  }
  if (detail.length > 60) detail = `${detail.slice(0, 59)}…`;
  return detail ? `${tool} ${detail}` : tool;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** The limit a timeout of this type hit, in words: each type has its own figure. */
function timeoutWords(timeoutType: string | undefined, spec: Pick<ToolSpec, 'timeoutMs' | 'heartbeatTimeoutMs' | 'retry'>): string {
  switch (timeoutType) {
    case 'SCHEDULE_TO_CLOSE':
      return `no result within ${seconds(scheduleToCloseMs(spec.timeoutMs, spec.retry))} over all attempts (schedule_to_close; each attempt may take ${seconds(spec.timeoutMs)})`;
    case 'HEARTBEAT':
      return `no heartbeat within ${seconds(spec.heartbeatTimeoutMs ?? spec.timeoutMs)} (heartbeat timeout)`;
    case 'START_TO_CLOSE':
      return `no result within ${seconds(spec.timeoutMs)} (start_to_close)`;
    default:
      return `no result within the call's limits (${String(timeoutType ?? 'timeout').toLowerCase()})`;
  }
}

/** Turns an activity failure into the error of a `TaskResult`. */
export function taskErrorOf(error: unknown, task: Task, spec: Pick<ToolSpec, 'timeoutMs' | 'heartbeatTimeoutMs' | 'retry'> = task): TaskError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) {
    return { type: ERROR_TYPES.toolTimeout, message: timeoutWords(String(cause.timeoutType ?? '').replace('TIMEOUT_TYPE_', ''), spec) };
  }
  if (cause instanceof CancelledFailure) return { type: ERROR_TYPES.toolCancelled, message: 'the call was cancelled' };
  if (cause instanceof ApplicationFailure) {
    if (cause.type === ERROR_TYPES.toolInputInvalid || cause.type === ERROR_TYPES.toolError) return { type: cause.type, message: cause.message };
    const attempts = task.retry.maximumAttempts;
    return { type: ERROR_TYPES.toolFailed, message: `${cause.type ? `${cause.type}: ` : ''}${cause.message} (gave up after up to ${attempts} attempt${attempts === 1 ? '' : 's'})` };
  }
  return { type: ERROR_TYPES.toolFailed, message: error instanceof Error ? error.message : String(error) };
}

export interface SchedulerHooks {
  onStart?(task: Task): void;
  onFinish?(result: TaskResult): void;
}

/** Bytes of history a failed call may take (its bounded error message and failure framing). */
const FAILURE_BYTES = 6_144;

/** Runs one task as the activity named after its tool, under the semaphore; never throws except for cancellation. */
async function runTask(task: Task, spec: ToolSpec, semaphore: Semaphore, hooks: SchedulerHooks, budget?: OutputBudget): Promise<TaskResult> {
  return semaphore.withPermit(async () => {
    hooks.onStart?.(task);
    const maxOutputBytes = budget?.reserve();
    // Workflow time (the sandbox's Date.now() is deterministic), so durations replay identically.
    const started = Date.now();
    const activities = proxyActivities<Record<string, ToolActivity>>({
      startToCloseTimeout: spec.timeoutMs,
      scheduleToCloseTimeout: scheduleToCloseMs(spec.timeoutMs, spec.retry),
      ...(spec.heartbeatTimeoutMs ? { heartbeatTimeout: spec.heartbeatTimeoutMs } : {}),
      // A cancelled run ends only after its tools confirmed they stopped: nothing is left running.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: spec.retry.maximumAttempts,
        initialInterval: spec.retry.initialIntervalMs,
        backoffCoefficient: spec.retry.backoffCoefficient,
        maximumInterval: spec.retry.maximumIntervalMs,
        nonRetryableErrorTypes: [ERROR_TYPES.toolInputInvalid, ERROR_TYPES.toolError],
      },
    });
    const activity = activities[task.tool];
    let result: TaskResult;
    try {
      if (!activity) throw new Error(`no activity proxy for ${task.tool}`);
      const response = await activity.executeWithOptions({ summary: callSummary(task.tool, task.input, spec.summaryField) }, [
        {
          taskId: task.id,
          input: task.input,
          idempotencyKey: `${workflowInfo().workflowId}/${task.id}`,
          ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
        },
      ]);
      if (maxOutputBytes !== undefined) budget?.settle(maxOutputBytes, response.historyBytes);
      result = { id: task.id, callId: task.callId, tool: task.tool, ok: true, output: response.output, attempts: response.attempt, durationMs: Date.now() - started };
      if (response.outputBytes !== undefined) result.outputBytes = response.outputBytes;
    } catch (error) {
      // Cancelling the run is not a tool failure: let it end the run.
      if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
      result = { id: task.id, callId: task.callId, tool: task.tool, ok: false, error: taskErrorOf(error, task, spec), durationMs: Date.now() - started };
      if (maxOutputBytes !== undefined) budget?.settle(maxOutputBytes, FAILURE_BYTES);
    }
    hooks.onFinish?.(result);
    return result;
  });
}

/** A durable timer in the workflow: no activity, no worker slot, no semaphore permit. */
async function runTimer(task: Task, seconds: number, hooks: SchedulerHooks): Promise<TaskResult> {
  hooks.onStart?.(task);
  const started = Date.now();
  await sleep(Math.round(seconds * 1000));
  const result: TaskResult = { id: task.id, callId: task.callId, tool: task.tool, ok: true, output: { waitedSeconds: seconds }, durationMs: Date.now() - started };
  hooks.onFinish?.(result);
  return result;
}

/** Executes a step's calls in parallel (at most the semaphore's permits at once); results keep the calls' order. */
export async function executeCalls(
  planned: readonly PlannedCall[],
  semaphore: Semaphore,
  hooks: SchedulerHooks = {},
  /** Shares out the step's history budget among its activities; absent in runs started before it existed. */
  budget?: (activities: number) => OutputBudget,
): Promise<TaskResult[]> {
  const stepBudget = budget?.(planned.filter((slot) => 'spec' in slot).length);
  // allSettled, not all: when the run is cancelled, wait for every call to finish its cancellation.
  const settled = await Promise.allSettled(
    planned.map((slot) => {
      if ('result' in slot) {
        hooks.onFinish?.(slot.result);
        return Promise.resolve(slot.result);
      }
      if ('timer' in slot) return runTimer(slot.timer, slot.seconds, hooks);
      return runTask(slot.task, slot.spec, semaphore, hooks, stepBudget);
    }),
  );
  const results: TaskResult[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    results.push(outcome.value);
  }
  return results;
}
