import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../../contracts/error-types';
import type { Task } from '../../../core/model';
import type { TaskError } from '../../../contracts/run-result';
import { scheduleToCloseMs } from '../../../core/retry';

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
    // Failures the model can act on keep their own type (and are never retried: there is no "gave up" to add).
    if (cause.type === ERROR_TYPES.toolInputInvalid || cause.type === ERROR_TYPES.toolError || cause.type === ERROR_TYPES.outputExpired) return { type: cause.type, message: cause.message };
    const attempts = task.retry.maximumAttempts;
    return { type: ERROR_TYPES.toolFailed, message: `${cause.type ? `${cause.type}: ` : ''}${cause.message} (gave up after up to ${attempts} attempt${attempts === 1 ? '' : 's'})` };
  }
  return { type: ERROR_TYPES.toolFailed, message: error instanceof Error ? error.message : String(error) };
}
