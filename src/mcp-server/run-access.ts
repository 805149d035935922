import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { NoWorkerAnsweredError, type AgentRunHandle, type AgentRunResult, type AgentState, type RunDescription } from '../client';
import { workerAdvice } from '../client/worker-advice';
import { isDeadlineExceeded } from '../config/connect';
import type { McpToolContext } from './mcp-tool';
import { ToolRefusal } from './tool-errors';

/** How long a tool waits for a worker to answer a query before it says that one is needed. */
export const WORKER_ANSWER_MS = 3_000;
/** Upper bound on one call to the server that should answer at once (describe, a query once a worker answered). */
export const SERVER_CALL_MS = 10_000;
/** Longest a tool may be asked to wait (`waitSeconds`): an MCP call should come back within a minute. */
export const MAX_WAIT_SECONDS = 60;

/** The status to show for a run the server describes: the agent's own when known, else the execution's. */
export function shownStatus(description: RunDescription): string {
  return description.agentStatus ?? description.executionStatus.toLowerCase();
}

/** True while the run's execution is open (it may be waiting for people, a budget or a message). */
export function isOpen(description: RunDescription): boolean {
  return description.executionStatus === 'RUNNING';
}

/** The run's handle and the server's view of it (no worker needed). @throws RunNotFoundError */
export async function describeRun(context: McpToolContext, runId: string): Promise<{ handle: AgentRunHandle; description: RunDescription }> {
  const handle = context.agent.getHandle(runId);
  const description = await bounded(context, SERVER_CALL_MS, () => handle.describe());
  return { handle, description };
}

/** `call` with a gRPC deadline `ms` from now, so a tool never waits on the server without end. */
export async function bounded<T>(context: McpToolContext, ms: number, call: () => Promise<T>): Promise<T> {
  return context.agent.client.connection.withDeadline(Date.now() + ms, call);
}

/**
 * The live state through the run's worker. No worker answering is a refusal that says what to do: a run's live
 * state, pending calls and events are known only to a worker (this server runs none).
 */
export async function liveState(handle: AgentRunHandle, description: RunDescription, what: string): Promise<AgentState> {
  try {
    return await handle.state({ timeoutMs: WORKER_ANSWER_MS });
  } catch (error) {
    if (!(error instanceof NoWorkerAnsweredError)) throw error;
    const why = error.reason === 'timeout' ? `within ${WORKER_ANSWER_MS / 1_000} s` : `(no worker polls task queue "${description.taskQueue}")`;
    throw new ToolRefusal(`no worker answered for run ${description.workflowId} ${why}, and ${what} is known only to a worker: ${workerAdvice(description)}`, { cause: error });
  }
}

/**
 * The run's result if it ends within `ms`, else undefined. The wait is a gRPC long-poll aborted when time is up or
 * the client gives up on the call, so nothing is left waiting behind it.
 */
export async function resultWithin(context: McpToolContext, handle: AgentRunHandle, ms: number): Promise<AgentRunResult | undefined> {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), ms);
  const signal = AbortSignal.any([timer.signal, context.signal]);
  try {
    return await context.agent.client.connection.withAbortSignal(signal, () => handle.result());
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  } finally {
    clearTimeout(timeout);
  }
}

/** Sleeps `ms`, or less when the client gives up on the call. */
export async function pause(context: McpToolContext, ms: number): Promise<void> {
  await sleep(ms, undefined, { signal: context.signal }).catch(() => undefined);
}

/** What a run that has not ended waits for, and which tool moves it on. */
export function nextStepHint(status: string): string {
  switch (status) {
    case 'waiting_for_approval':
      return 'It waits for a decision on a tool call: call pending, then approve or deny.';
    case 'waiting_for_input':
      return 'The model asked a question: call pending to read it, then reply.';
    case 'waiting_for_budget':
      return 'Its budget (or a sub-agent\'s) is used up and it is paused: raise it with `durable-agent raise-budget` on this run, or end it with cancel_run.';
    case 'paused':
      return 'A client paused it: it waits before its next step until resume_run.';
    case 'idle':
      return 'It is a session waiting for its next message (`durable-agent send`).';
    default:
      return `Call run_result again with waitSeconds (up to ${MAX_WAIT_SECONDS}) to wait for it, or read its progress with run_events.`;
  }
}

/** How long a decision or reply may take to be confirmed by the run's worker (one that just answered a query). */
export const UPDATE_CONFIRM_MS = 30_000;

/**
 * Sends a decision or a reply to a run that is still going and whose worker answers. Checked first, so nothing is
 * sent that no worker would take (an Update waits for one without end): a run that has ended, or one no worker
 * serves, is refused with what to do, and nothing is recorded.
 */
export async function sendToLiveRun<T>(context: McpToolContext, runId: string, what: 'decision' | 'answer' | 'request', send: (handle: AgentRunHandle) => Promise<T>): Promise<T> {
  const { handle, description } = await describeRun(context, runId);
  if (!isOpen(description)) {
    throw new ToolRefusal(`run ${runId} has ended (${shownStatus(description)}); there is nothing to decide or answer. Call run_result for its result.`);
  }
  await liveState(handle, description, 'what it waits for');
  try {
    return await bounded(context, UPDATE_CONFIRM_MS, () => send(handle));
  } catch (error) {
    if (!isDeadlineExceeded(error) && !(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw error;
    throw new ToolRefusal(
      `run ${runId} did not confirm within ${UPDATE_CONFIRM_MS / 1_000} s (its worker may be busy or gone). Call pending: if it still waits, send the ${what} again.`,
      { cause: error },
    );
  }
}
