import { isPrivateTaskQueue } from '../client/worker-advice';
import { defineMcpTool } from './mcp-tool';
import { describeRun, isOpen, resultWithin, SERVER_CALL_MS, shownStatus } from './run-access';
import { RUN_ID } from './tool-inputs';

/** How long `cancel_run` waits for the run to end after the request (a worker cancels its calls in flight first). */
const CANCEL_WAIT_MS = 10_000;

/** `cancel_run`: asks the run to stop; calls in flight are cancelled and it ends with status `cancelled`. */
export const cancelRunTool = defineMcpTool({
  name: 'cancel_run',
  title: 'Cancel a run',
  description:
    'Cancel a run: calls in flight are cancelled and the run ends with status cancelled (its result keeps what it did so far). ' +
    `Waits up to ${CANCEL_WAIT_MS / 1_000} s for the end; a run whose worker is down ends when a worker picks it up.`,
  input: { runId: RUN_ID },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ runId }, context) {
    const { handle, description } = await describeRun(context, runId);
    if (!isOpen(description)) {
      const status = shownStatus(description);
      return { text: `Run ${runId} has already ended (${status}); nothing to cancel.`, data: { runId, status, ended: true, alreadyEnded: true } };
    }
    await handle.cancel({ timeoutMs: SERVER_CALL_MS });
    const result = await resultWithin(context, handle, CANCEL_WAIT_MS);
    if (result) return { text: `Run ${runId} ended: ${result.status}.`, data: { runId, status: result.status, ended: true } };
    // A scripted `durable-agent run` took its private worker with it: nothing will ever end this run but a terminate.
    if (isPrivateTaskQueue(description.taskQueue)) {
      await handle.terminate('cancelled through the MCP server; its private worker (a scripted `durable-agent run`) is gone, so it could not end by itself', { timeoutMs: SERVER_CALL_MS });
      return { text: `Run ${runId} was terminated: its private worker is gone, so it could not end by itself.`, data: { runId, status: 'terminated', ended: true } };
    }
    return {
      text: `Cancel requested for run ${runId}, but no worker ended it within ${CANCEL_WAIT_MS / 1_000} s; it ends when a worker on task queue "${description.taskQueue}" picks it up (\`durable-agent worker\`).`,
      data: { runId, status: 'cancel_requested', ended: false },
    };
  },
});
