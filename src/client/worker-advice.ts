import type { RunDescription } from './run-handle';

/**
 * Task queues of `durable-agent run` with a scripted model start with this: the model and the worker live in that
 * one command, so once it ends no worker can ever resume such a run.
 */
export const PRIVATE_TASK_QUEUE_PREFIX = 'durable-agent-local-';

/** True for a run on a private task queue of an ended `run` command (see {@link PRIVATE_TASK_QUEUE_PREFIX}). */
export function isPrivateTaskQueue(taskQueue: string): boolean {
  return taskQueue.startsWith(PRIVATE_TASK_QUEUE_PREFIX);
}

/** What to do when no worker serves the run's task queue: start one there, or, for a scripted run whose command ended, give up on it. */
export function workerAdvice(description: Pick<RunDescription, 'workflowId' | 'taskQueue'>): string {
  const { workflowId, taskQueue } = description;
  if (isPrivateTaskQueue(taskQueue)) {
    return (
      `run ${workflowId} was started by \`durable-agent run\` with a scripted model, whose private worker (task queue "${taskQueue}") ` +
      `ends with that command, so nothing can serve it any more. End it with \`durable-agent cancel ${workflowId}\`.`
    );
  }
  return `start a worker with \`TEMPORAL_TASK_QUEUE=${taskQueue} durable-agent worker\`: it resumes the run where it stopped.`;
}
