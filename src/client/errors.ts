import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { WorkflowFailedError } from '@temporalio/client';
import { RUN_STATUSES } from '../contracts/status';

/** Raised when no agent run has the given id. */
export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
  constructor(readonly workflowId: string, namespace: string) {
    super(`no agent run with id "${workflowId}" in namespace "${namespace}". List runs with \`durable-agent list\`.`);
  }
}

/**
 * Raised by `state()` when no worker answered the live-state query: none polls the run's task queue (the
 * server says so), or none answered within the time asked for. The server's view (`describe()`) still works.
 */
export class NoWorkerAnsweredError extends Error {
  override name = 'NoWorkerAnsweredError';
  constructor(
    readonly workflowId: string,
    /** Why: `no poller` (the server saw no worker on the queue lately) or `timeout`. */
    readonly reason: 'no poller' | 'timeout',
    cause: unknown,
  ) {
    super(`no worker answered the live-state query of run "${workflowId}" (${reason === 'timeout' ? 'none answered in time' : 'none polls its task queue'})`, { cause });
  }
}

/** Raised by `start` when the workflow id is taken: by a run still going, or (unless allowed) by one that ended. */
export class RunIdTakenError extends Error {
  override name = 'RunIdTakenError';
  constructor(
    readonly workflowId: string,
    /** The shown status of the run that holds the id (`running`, `final`, `terminated`, …). */
    readonly status: string,
  ) {
    super(
      status === RUN_STATUSES.running
        ? `a run with id "${workflowId}" is already running: follow it with \`durable-agent status ${workflowId}\` or \`durable-agent result ${workflowId}\`, or choose another --id.`
        : `the id "${workflowId}" belongs to a run that already ended (${status}): see it with \`durable-agent status ${workflowId}\`, and choose another --id for a new run.`,
    );
  }
}

/**
 * Raised by `result()` when the run's execution closed without an agent result: terminated or timed out on the
 * server, cancelled before the workflow could answer, or failed on a bug. The agent's own endings (`failed`,
 * `cancelled`, …) are results, not this error.
 */
export class RunEndedWithoutResultError extends Error {
  override name = 'RunEndedWithoutResultError';
  constructor(
    readonly workflowId: string,
    /** `terminated`, `timed_out`, `cancelled` or `failed`. */
    readonly ending: string,
    detail: string,
  ) {
    super(`run "${workflowId}" ended without a result: ${ENDING_WORDS[ending] ?? ending}${detail ? ` (${detail})` : ''}. See it with \`durable-agent status ${workflowId}\`.`);
  }
}

const ENDING_WORDS: Readonly<Record<string, string>> = {
  terminated: 'it was terminated',
  timed_out: 'it timed out',
  cancelled: 'it was cancelled before it could answer',
  failed: 'its workflow failed',
};

/** How a run's execution ended when it has no agent result. */
export function endingOf(error: WorkflowFailedError): { ending: string; detail: string } {
  const cause = error.cause;
  if (cause instanceof TerminatedFailure) return { ending: 'terminated', detail: cause.message === 'Workflow execution terminated' ? '' : `reason: ${cause.message}` };
  if (cause instanceof TimeoutFailure) return { ending: 'timed_out', detail: '' };
  if (cause instanceof CancelledFailure) return { ending: 'cancelled', detail: '' };
  return { ending: 'failed', detail: cause?.message ?? error.message };
}

/** Raised when a run's input is invalid, before anything is started; names each bad field. */
export class InvalidRunInputError extends Error {
  override name = 'InvalidRunInputError';
}


/**
 * Raised when a run refuses what a client said to it (a decision or a reply): the call is unknown, not waiting,
 * already decided, the run has ended, or edited arguments do not match the tool's schema. Nothing was recorded.
 */
export class InteractionRefusedError extends Error {
  override name = 'InteractionRefusedError';
  /** The run that refused, when the handle that sent it knows (`AgentRunHandle` sets it). */
  workflowId?: string;
}

/** How the session (or run) that holds an id ended, as {@link SessionEndedError} tells it. */
export type SessionEnding = 'idle_timeout' | 'closed' | 'ended' | 'not_a_session';

const SESSION_ENDINGS: Readonly<Record<SessionEnding, (workflowId: string, status: string) => string>> = {
  idle_timeout: (workflowId) => `session "${workflowId}" ended by idle timeout: no message came while it waited`,
  closed: (workflowId, status) => `session "${workflowId}" was closed (${status})`,
  ended: (workflowId, status) => `session "${workflowId}" has ended (${status})`,
  not_a_session: (workflowId, status) => `the id "${workflowId}" belongs to a run that has ended (${status}) and was not a session`,
};

/**
 * Raised by `chat` when its id belongs to a session (or run) that has ended. An ended id is never reused for a new
 * session, so `status` and `result` of an id always show the one conversation it names. Nothing was sent.
 */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError';
  constructor(
    readonly workflowId: string,
    /** The shown status of the run that holds the id (`final`, `cancelled`, `terminated`, …). */
    readonly status: string,
    readonly ending: SessionEnding,
  ) {
    super(
      `${SESSION_ENDINGS[ending](workflowId, status)}; the message was not sent. Its last answer: \`durable-agent result ${workflowId}\`. ` +
        'An ended id is never reused: start a new session with another id (`durable-agent chat <new-id> …`).',
    );
  }
}
