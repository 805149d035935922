import { workflowInfo } from '@temporalio/workflow';
import type { RunPhase } from '../../core/run-fold';

/**
 * What the Temporal UI shows of a run besides its details table: the one-line summaries of the timers the loop starts
 * (docs/ui.md). A summary names a tool and a call id, never arguments, answers or anything a tool returned: it is
 * stored in history as it is and shown to whoever may read the run.
 */

/** A duration as people read it on a timeline: `45s`, `1.5s`, `10m`, `2.5h`, `1d`. */
export function shortDuration(ms: number): string {
  const units: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]];
  for (const [unit, size] of units) if (ms >= size) return `${Math.round((ms / size) * 10) / 10}${unit}`;
  return `${Math.round(ms / 100) / 10}s`;
}

/**
 * A cost in USD as the details and `status` show it: `$1.25`, `$0.0123`, `<$0.0001` (a price the worker knows makes even
 * a short run cost a fraction of a cent).
 */
export function usdWords(cost: number): string {
  if (cost > 0 && cost < 0.00005) return '<$0.0001';
  return `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
}

/** The `wait` tool's timer. */
export function waitTimerSummary(seconds: number, taskId: string): string {
  return `wait ${shortDuration(Math.round(seconds * 1000))} (call ${taskId})`;
}

/** The expiry of a call that waits for a person: an approval, or an answer to `ask_user`. */
export function expiryTimerSummary(kind: 'approval' | 'question', tool: string, taskId: string): string {
  return kind === 'approval' ? `approval for ${tool} call ${taskId} expires` : `answer to ${tool} call ${taskId} expires`;
}

/** An idle session's timeout. */
export function idleTimerSummary(ms: number): string {
  return `session idle timeout in ${shortDuration(ms)}`;
}

/**
 * What a run in this phase waits for and the command that ends the wait, as `durable-agent status` words it (calls
 * waiting for people are listed by `PeopleWaits.waitingDetails`).
 */
export function phaseWaitDetails(phase: RunPhase): string {
  if (phase.name !== 'waiting_for_budget' && phase.name !== 'paused' && phase.name !== 'idle') return '';
  // Read only when the run waits: a run that does not can be drawn outside a workflow (unit tests).
  const { workflowId } = workflowInfo();
  switch (phase.name) {
    case 'waiting_for_budget':
      return `\n\nWaiting for a budget raise:\n\n- \`durable-agent raise-budget ${workflowId} --tokens <n>\` (or \`--usd\`, \`--time\`)`;
    case 'paused':
      return `\n\nPaused: \`durable-agent resume ${workflowId}\``;
    case 'idle':
      return `\n\nWaiting for the next message: \`durable-agent send ${workflowId} "…"\``;
  }
}
