import { isOutcome, LIVE_STATUS_WORDS, RUN_STATUS_WORDS, type RunStatus } from '../contracts/status';

/** True for the statuses of a run that has not ended (`running`, `waiting_for_*`). */
function isLive(status: string | undefined): boolean {
  return status !== undefined && (LIVE_STATUS_WORDS as readonly string[]).includes(status);
}

/**
 * What a closed execution means for a run whose `AgentStatus` still says it is live (running or waiting): the workflow never got to
 * record its end (terminated, timed out, failed on a bug, cancelled from outside before it could publish).
 */
const STATUS_OF_CLOSED_EXECUTION: Readonly<Record<string, string>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'continued_as_new',
};

/** The status to show: the recorded agent status, unless it says live (running, waiting) for an execution that is closed. */
export function shownAgentStatus(executionStatus: string, recorded: string | undefined): string | undefined {
  if (!isLive(recorded)) return recorded;
  return STATUS_OF_CLOSED_EXECUTION[executionStatus] ?? recorded;
}

/** Statuses `list` can filter on: the agent's own, plus the ends Temporal imposes from outside. */
export type ListStatus = RunStatus | 'terminated' | 'timed_out';
export const LIST_STATUSES: readonly ListStatus[] = [...RUN_STATUS_WORDS, 'terminated', 'timed_out'];

/** The visibility spelling of each execution status a run can be closed with while its AgentStatus says running. */
const CLOSED_EXECUTION_OF: Readonly<Partial<Record<ListStatus, string>>> = {
  cancelled: 'Canceled',
  failed: 'Failed',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
};

/** Visibility query clause for a listed status, matching {@link shownAgentStatus}: a row shows a status exactly when it matches. */
export function listClause(status: ListStatus): string {
  if (isLive(status)) return `(AgentStatus = '${status}' AND ExecutionStatus = 'Running')`;
  const recorded = isOutcome(status) ? `AgentStatus = '${status}'` : undefined;
  const closed = CLOSED_EXECUTION_OF[status];
  const live = LIVE_STATUS_WORDS.map((word) => `'${word}'`).join(', ');
  const imposed = closed ? `(AgentStatus IN (${live}) AND ExecutionStatus = '${closed}')` : undefined;
  return `(${[recorded, imposed].filter(Boolean).join(' OR ')})`;
}

