import { RUN_STATUSES, type AgentRunHandle, type AgentState } from '../client';
import { approvalCommands, approvalLine, questionLine, replyCommand } from './interaction-output';
import { within } from './within';

/** Upper bound on the `pending` query of a followed run, so a busy worker cannot stall the progress loop. */
const PENDING_TIMEOUT_MS = 3_000;

/**
 * Tells the person following a run (`run` attached) what it waits for: when the live state says
 * `waiting_for_approval` or `waiting_for_input`, each new gated call and question is printed once, with the
 * exact commands that answer it (from another terminal); the run goes on waiting.
 */
export function createPendingNotice(handle: AgentRunHandle, print: (lines: string[]) => void): (state: AgentState) => Promise<void> {
  const shown = new Set<string>();
  return async (state) => {
    if (state.status !== RUN_STATUSES.waitingForApproval && state.status !== RUN_STATUSES.waitingForInput) return;
    const pending = await within(handle.pending(), PENDING_TIMEOUT_MS);
    if (!pending) return;
    const lines: string[] = [];
    for (const call of pending.approvals) {
      if (shown.has(call.callId)) continue;
      shown.add(call.callId);
      lines.push(`Waiting for approval: ${approvalLine(call)}`, ...approvalCommands(handle.workflowId, call.callId).map((command) => `  ${command}`));
    }
    for (const question of pending.questions) {
      if (shown.has(question.questionId)) continue;
      shown.add(question.questionId);
      lines.push(`Waiting for an answer: ${questionLine(question)}`, `  ${replyCommand(handle.workflowId, question.questionId, pending.questions.length > 1)}`);
    }
    if (lines.length > 0) print(lines);
  };
}
