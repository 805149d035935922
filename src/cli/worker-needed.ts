import { isPrivateTaskQueue, workerAdvice, type AgentRunHandle } from '../client';
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
