import { isOutcome, LIVE_STATUS_WORDS, RUN_STATUS_WORDS, RUN_STATUSES, type RunStatus } from '../shared/contracts/status';

/**
 * What a closed execution means for a run whose `AgentStatus` still says `running`: the workflow never got to
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

/** The status to show: the recorded agent status, unless it says `running` for an execution that is closed. */
export function shownAgentStatus(executionStatus: string, recorded: string | undefined): string | undefined {
  if (recorded !== RUN_STATUSES.running) return recorded;
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
  if ((LIVE_STATUS_WORDS as readonly string[]).includes(status)) return `(AgentStatus = '${status}' AND ExecutionStatus = 'Running')`;
  const recorded = isOutcome(status) ? `AgentStatus = '${status}'` : undefined;
  const closed = CLOSED_EXECUTION_OF[status];
  const imposed = closed ? `(AgentStatus = 'running' AND ExecutionStatus = '${closed}')` : undefined;
  return `(${[recorded, imposed].filter(Boolean).join(' OR ')})`;
}

