import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { closeUpdate } from '../contracts/definitions';
import type { AgentRunResult } from '../contracts/run-result';
import { RUN_STATUSES } from '../contracts/status';
import { SessionEndedError, type SessionEnding } from './errors';
import type { RunDescription } from './run-handle';

/**
 * Why `chat` may not use `workflowId`: the session (or run) that holds it has ended. Read from the history of its last
 * run, so no worker is needed: its input says whether it was a session, its result how it ended, and a `close`
 * Update whether someone closed it. A session that nobody closed and that neither failed nor was cancelled ended the
 * only other way it can: by its idle timeout.
 */
export async function sessionEndedError(client: Client, holder: RunDescription): Promise<SessionEndedError> {
  const { workflowId } = holder;
  const shown = holder.agentStatus ?? holder.executionStatus.toLowerCase();
  const events = (await client.workflow.getHandle(workflowId, holder.runId).fetchHistory()).events ?? [];
  // Undefined when absent or unreadable (a payload codec): then the ending is said plainly, "ended".
  const decode = <T>(payloads: { payloads?: Payload[] | null } | null | undefined): T | undefined => {
    const payload = payloads?.payloads?.[0];
    try {
      return payload ? client.options.loadedDataConverter.payloadConverter.fromPayload<T>(payload) : undefined;
    } catch {
      return undefined;
    }
  };
  const input = decode<{ session?: boolean }>(events[0]?.workflowExecutionStartedEventAttributes?.input);
  const result = decode<Partial<AgentRunResult>>(events.at(-1)?.workflowExecutionCompletedEventAttributes?.result);
  const closed = events.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === closeUpdate.name);
  return new SessionEndedError(workflowId, result?.status ?? shown, endingOf(input, result?.status, closed));
}

function endingOf(input: { session?: boolean } | undefined, status: string | undefined, closed: boolean): SessionEnding {
  if (!input) return 'ended';
  if (input.session !== true) return 'not_a_session';
  if (closed) return 'closed';
  // After each answer a session goes idle; a failed or cancelled turn ends it, and so does its idle timer.
  return status && status !== RUN_STATUSES.failed && status !== RUN_STATUSES.cancelled ? 'idle_timeout' : 'ended';
}
