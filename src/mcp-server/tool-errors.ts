import { WorkflowNotFoundError } from '@temporalio/client';
import {
  InteractionRefusedError,
  InvalidRunInputError,
  NoWorkerAnsweredError,
  RunEndedWithoutResultError,
  RunIdTakenError,
  RunNotFoundError,
  TemporalConnectionLostError,
  TemporalUnreachableError,
} from '../client';
import { isConnectionFailure, isDeadlineExceeded } from '../config/connect';

/**
 * A tool's refusal whose message is already what the client should read: what went wrong and what to do.
 * Raised by the tools themselves (a run that has ended, no worker to answer, a wait that ran out).
 */
export class ToolRefusal extends Error {
  override name = 'ToolRefusal';
}

/**
 * The text of a tool result with `isError: true` for `error`: the library's errors in words an MCP client (often an
 * LLM) can act on, naming the tool to call next instead of a CLI command. Anything unexpected is a bug: its stack
 * goes to `log`, and the client is told the call failed without the server going down.
 */
export function toolErrorMessage(error: unknown, namespace: string, log: (line: string) => void): string {
  if (error instanceof ToolRefusal || error instanceof RunEndedWithoutResultError) return error.message;
  if (error instanceof RunNotFoundError || error instanceof WorkflowNotFoundError) {
    return `no agent run with id "${error.workflowId}" in namespace "${namespace}": check the runId (start_run returns it). Nothing was done.`;
  }
  if (error instanceof InteractionRefusedError) {
    return `refused: ${error.message.replace(/\.$/, '')}. Nothing was recorded; call pending to see what the run waits for.`;
  }
  if (error instanceof InvalidRunInputError) return `${error.message.replace(/\.$/, '')}. Nothing was started; fix the arguments and call start_run again.`;
  if (error instanceof RunIdTakenError) {
    return `the run id "${error.workflowId}" is taken by a run that is ${error.status === 'running' ? 'still running' : `over (${error.status})`}: leave runId out for a fresh id, or choose another. Nothing was started.`;
  }
  if (error instanceof NoWorkerAnsweredError) {
    return `${error.message}: start a worker on the run's task queue (\`durable-agent worker\`) and call the tool again.`;
  }
  if (error instanceof TemporalUnreachableError || error instanceof TemporalConnectionLostError || isConnectionFailure(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return `cannot reach the Temporal server (${detail.replace(/\s+/g, ' ')}). Check that the server at TEMPORAL_ADDRESS runs, then call the tool again.`;
  }
  if (isDeadlineExceeded(error)) return 'the Temporal server did not answer in time. Call the tool again in a moment.';
  log(`durable-agent mcp-server: unexpected error in a tool call: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `unexpected error (a bug in durable-agent; please report it): ${error instanceof Error ? error.message : String(error)}`;
}
