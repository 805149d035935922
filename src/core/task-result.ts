import type { TaskError } from '../contracts/run-result';
import type { TaskResult } from './model';

/** What names a result: its task id, the model's call id and the tool (a `Task` has all three). */
export type ResultOf = Pick<TaskResult, 'id' | 'callId' | 'tool'>;

/**
 * The result of a task that failed, or was decided without running (durationMs 0, the default): the one place that
 * builds one, with the fields in the order every result in history has them.
 */
export function failedResult(task: ResultOf, error: TaskError, durationMs = 0): TaskResult {
  return { id: task.id, callId: task.callId, tool: task.tool, ok: false, error, durationMs };
}
