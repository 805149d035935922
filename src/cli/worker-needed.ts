import { isPrivateTaskQueue, workerAdvice, type AgentClient, type AgentRunHandle } from '../client';
import { within } from './within';

export { workerAdvice };

/** Raised when a command needs a worker to read a run (`pending`, `follow`) and none answered. */
export class WorkerNeededError extends Error {
  override name = 'WorkerNeededError';
}

/** How long an Update may go unanswered before the command says that no worker has taken it yet. */
export const NO_WORKER_NOTICE_MS = 3_000;

/**
 * Waits for an Update (`what` is done once a worker takes it). An Update waits for a worker as long as it takes; when
 * none answered after {@link NO_WORKER_NOTICE_MS}, one line on stderr says so and what to do, and the wait goes on
 * (until the answer or Ctrl-C).
 */
export async function awaitWithWorkerNotice<T>(handle: AgentRunHandle, sending: Promise<T>, what: string): Promise<T> {
  let answered = false;
  const timer = setTimeout(() => {
    void within(handle.describe(), NO_WORKER_NOTICE_MS).then((description) => {
      if (answered) return;
      const queue = description ? ` on task queue "${description.taskQueue}"` : '';
      const orphan = description && isPrivateTaskQueue(description.taskQueue) ? ` Note: ${workerAdvice(description)}` : '';
      process.stderr.write(
        `durable-agent: no worker has taken the ${what} yet; it will be applied when a worker starts (\`durable-agent worker\`${queue}). ` +
          `Still waiting (Ctrl-C stops waiting).${orphan}\n`,
      );
    });
  }, NO_WORKER_NOTICE_MS);
  try {
    return await sending;
  } finally {
    answered = true;
    clearTimeout(timer);
  }
}

/** The line that says no worker polls `taskQueue`, and what starts one. */
export function noWorkerLine(workflowId: string, taskQueue: string, address: string): string {
  if (isPrivateTaskQueue(taskQueue)) return `no worker polls its private task queue: ${workerAdvice({ workflowId, taskQueue })}`;
  return `no worker polls task queue "${taskQueue}" at ${address}: start one with \`durable-agent worker\` (TEMPORAL_TASK_QUEUE=${taskQueue})`;
}

/**
 * While `waiting` (a run's result) is not settled: after {@link NO_WORKER_NOTICE_MS}, if the run is still open and no
 * worker polls its task queue, one line on stderr says so and what to start; the wait goes on.
 */
export async function awaitResultWithWorkerNotice<T>(agent: AgentClient, handle: AgentRunHandle, waiting: Promise<T>): Promise<T> {
  let settled = false;
  const timer = setTimeout(() => {
    void (async () => {
      const description = await within(handle.describe(), NO_WORKER_NOTICE_MS);
      if (settled || !description || description.executionStatus !== 'RUNNING') return;
      if ((await agent.workerPolls(description.taskQueue)) !== false || settled) return;
      process.stderr.write(`durable-agent: run ${handle.workflowId} is waiting, but ${noWorkerLine(handle.workflowId, description.taskQueue, agent.config.address)}. Still waiting (Ctrl-C stops waiting; the run goes on).\n`);
    })();
  }, NO_WORKER_NOTICE_MS);
  try {
    return await waiting;
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}
