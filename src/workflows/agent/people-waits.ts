import { workflowInfo } from '@temporalio/workflow';
import type { Decision, Pending, PendingApproval, PendingQuestion } from '../../contracts/interaction-schemas';
import type { AgentRunStatus } from '../../contracts/status';
import type { CarriedGate } from '../../contracts/workflow-input';
import type { Task } from '../../core/model';
import type { EventLog } from './event-log';

/**
 * What a run waits for from people: gated calls awaiting a decision and questions awaiting an answer, the
 * decisions taken (a second one is refused), and the calls the run knows (to tell "unknown" from "not waiting").
 * Part of the run state: its changes are methods, and each appends to the run's event log.
 */
export class PeopleWaits {
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly questions = new Map<string, PendingQuestion>();
  private readonly decisions = new Map<string, Decision['decision']>();
  private readonly knownCalls = new Set<string>();

  constructor(
    private readonly events: EventLog,
    private readonly step: () => number,
    private readonly outcome: () => AgentRunStatus | undefined,
  ) {}

  get awaitingApproval(): boolean {
    return this.approvals.size > 0;
  }

  get awaitingAnswer(): boolean {
    return this.questions.size > 0;
  }

  /** A task of this run exists (the decide validator tells unknown ids from ids not waiting). */
  noteCall(task: Task): void {
    this.knownCalls.add(task.id);
  }

  /** A gated call now waits for a person (`resumed`: it already did before the run handed over; no new event). */
  approvalRequested(task: Task, gate: Pick<CarriedGate, 'askedAt' | 'expiresAt'>, resumed = false): void {
    this.knownCalls.add(task.id);
    this.approvals.set(task.id, {
      callId: task.id,
      tool: task.tool,
      arguments: task.input,
      inputSchema: task.inputSchema ?? {},
      step: this.step(),
      askedAt: gate.askedAt,
      expiresAt: gate.expiresAt,
    });
    if (!resumed) this.events.append({ type: 'approval_needed', step: this.step(), callId: task.id, tool: task.tool });
  }

  /** Why a decision on `callId` must be refused, or undefined when it may be taken. */
  decisionRefusal(callId: string): string | undefined {
    const outcome = this.outcome();
    if (outcome) return `the run has ended (${outcome}); there is nothing to decide`;
    const taken = this.decisions.get(callId);
    if (taken) return `call ${callId} was already decided (${taken === 'approve' ? 'approved' : 'denied'}); a decision cannot be changed`;
    if (this.approvals.has(callId)) return undefined;
    const waiting = [...this.approvals.keys()].join(', ') || 'none';
    if (this.knownCalls.has(callId)) return `call ${callId} is not awaiting a decision (calls awaiting one: ${waiting})`;
    return `there is no call ${callId} in this run (calls awaiting a decision: ${waiting})`;
  }

  /** A decision was taken (by a person, or by the expiry as a denial). */
  approvalDecided(callId: string, decision: Decision['decision'], detail: string): void {
    const pending = this.approvals.get(callId);
    this.approvals.delete(callId);
    this.decisions.set(callId, decision);
    this.events.append({ type: 'approval_decided', step: this.step(), callId, ...(pending ? { tool: pending.tool } : {}), detail });
  }

  decisionOf(callId: string): Decision['decision'] | undefined {
    return this.decisions.get(callId);
  }

  questionAsked(task: Task, question: string, gate: Pick<CarriedGate, 'askedAt' | 'expiresAt'>, resumed = false): void {
    this.knownCalls.add(task.id);
    this.questions.set(task.id, { questionId: task.id, question, step: this.step(), askedAt: gate.askedAt, expiresAt: gate.expiresAt });
    if (!resumed) this.events.append({ type: 'question_asked', step: this.step(), callId: task.id, tool: task.tool, detail: question.slice(0, 200) });
  }

  /** The id of the open question a reply answers, or why the reply is refused. */
  replyTarget(questionId: string | undefined): { questionId: string } | { refusal: string } {
    const outcome = this.outcome();
    if (outcome) return { refusal: `the run has ended (${outcome}); there is no question to answer` };
    const open = [...this.questions.keys()];
    if (questionId === undefined) {
      if (open.length === 1 && open[0]) return { questionId: open[0] };
      return { refusal: open.length === 0 ? 'the run has no open question' : `the run has ${open.length} open questions: name one (${open.join(', ')})` };
    }
    if (this.questions.has(questionId)) return { questionId };
    return { refusal: `there is no open question ${questionId} (open: ${open.join(', ') || 'none'})` };
  }

  questionSettled(questionId: string, answered: boolean): void {
    this.questions.delete(questionId);
    this.events.append({ type: 'question_answered', step: this.step(), callId: questionId, detail: answered ? 'answered' : 'expired' });
  }

  /** What the run waits for from people. */
  pending(): Pending {
    return { approvals: [...this.approvals.values()], questions: [...this.questions.values()] };
  }

  /** What the run waits for, and the command that answers it (for the UI details). */
  waitingDetails(): string {
    if (this.approvals.size === 0 && this.questions.size === 0) return '';
    const { workflowId } = workflowInfo();
    // As `durable-agent status` words them, one command a line (the UI's details frame cut off a command that
    // wrapped); a reply names its question only when several are open.
    const named = this.questions.size > 1;
    const lines = [
      ...[...this.approvals.values()].map(
        (call) => `- approval: ${call.tool} (${call.callId})\n  - \`durable-agent approve ${workflowId} ${call.callId}\`\n  - \`durable-agent deny ${workflowId} ${call.callId}\``,
      ),
      ...[...this.questions.values()].map(
        (question) =>
          `- question (${question.questionId}): ${question.question.replace(/\s+/g, ' ').slice(0, 120)}\n  - \`durable-agent reply ${workflowId} "…"${named ? ` --question ${question.questionId}` : ''}\``,
      ),
    ];
    // A blank line before the list: the UI's Markdown renderer runs a list on from the line above it otherwise.
    return `\n\nWaiting for:\n\n${lines.join('\n')}`;
  }
}
