import type { AgentClient } from '../client';
import { settleWithin } from './settle';

/** How long a cancelled private run gets to end before it is terminated. */
export const PRIVATE_RUN_CANCEL_GRACE_MS = 3_000;

/**
 * Ends the runs of a private task queue that are still open, while the in-process worker still polls: once the
 * runtime closes, nothing could ever resume them. Each is cancelled, and terminated if it has not ended within
 * `graceMs`; one line per run says which. Never throws: a run it cannot end is named with the command that ends it.
 */
export async function endPrivateRuns(
  agent: AgentClient,
  workflowIds: readonly string[],
  log: (line: string) => void,
  graceMs: number = PRIVATE_RUN_CANCEL_GRACE_MS,
): Promise<void> {
  await Promise.all(
    workflowIds.map(async (workflowId) => {
      const handle = agent.getHandle(workflowId);
      const description = await settleWithin(handle.describe(), graceMs);
      if (description && description.executionStatus !== 'RUNNING') return;
      await handle.cancel({ timeoutMs: graceMs }).catch(() => undefined);
      const result = await settleWithin(handle.result(), graceMs);
      if (result) {
        log(`Run ${workflowId} ${result.status === 'cancelled' ? 'was cancelled' : `ended (${result.status})`}: its worker stops with this process.`);
        return;
      }
      try {
        await handle.terminate(`its private worker stopped and it did not end within ${graceMs / 1_000} s of its cancel request`, { timeoutMs: graceMs });
        log(`Run ${workflowId} was terminated: it did not end within ${graceMs / 1_000} s of its cancel request, and its worker stops with this process.`);
      } catch {
        log(`Run ${workflowId} could not be cancelled or terminated (is the server still up?); end it with \`durable-agent cancel ${workflowId}\`.`);
      }
    }),
  );
}
