import { RUN_STATUS_WORDS, RUN_STATUSES, type AgentState, type FinishedCall, type RunEvent, type RunStatus } from '../client';

/** Finished calls kept for the view (it shows the last few). */
const RECENT_CALLS = 20;

/**
 * A run's progress rebuilt from its event log, in the shape the progress view draws (`AgentState`), so following a run
 * needs no polled snapshots: each event updates it. `maxSteps` is the run's input (events do not repeat it).
 */
export class EventProgress {
  private step = 0;
  private readonly usage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  private readonly toolCalls = { ok: 0, failed: 0 };
  private readonly running = new Map<string, { id: string; tool: string; startedAt: number }>();
  private readonly recent: FinishedCall[] = [];
  private readonly waitingApprovals = new Set<string>();
  private readonly waitingQuestions = new Set<string>();
  private pausedOnBudget = false;
  private idle = false;
  private ended?: string;

  constructor(private readonly maxSteps: number) {}

  apply(event: RunEvent): void {
    this.step = Math.max(this.step, event.step);
    switch (event.type) {
      case 'plan_done':
        this.usage.inputTokens += event.inputTokens ?? 0;
        this.usage.outputTokens += event.outputTokens ?? 0;
        this.usage.modelCalls += 1;
        break;
      case 'call_started':
        if (event.callId) this.running.set(event.callId, { id: event.callId, tool: event.tool ?? '?', startedAt: event.at });
        break;
      case 'call_finished':
      case 'call_denied':
        this.callEnded(event);
        break;
      case 'approval_needed':
        if (event.callId) this.waitingApprovals.add(event.callId);
        break;
      case 'approval_decided':
        if (event.callId) this.waitingApprovals.delete(event.callId);
        break;
      case 'question_asked':
        if (event.callId) this.waitingQuestions.add(event.callId);
        break;
      case 'question_answered':
        if (event.callId) this.waitingQuestions.delete(event.callId);
        break;
      case 'budget_exhausted':
        this.pausedOnBudget = true;
        break;
      case 'budget_raised':
        this.pausedOnBudget = false;
        break;
      case 'turn_answered':
        // A session's turn ended with an answer: the session goes idle (it has not ended).
        this.idle = true;
        this.running.clear();
        break;
      case 'turn_started':
        this.idle = false;
        break;
      case 'run_ended':
        this.ended = event.detail ?? 'ended';
        break;
      default:
        break;
    }
  }

  private callEnded(event: RunEvent): void {
    if (!event.callId) return;
    this.running.delete(event.callId);
    const ok = event.ok ?? event.type === 'call_finished';
    if (ok) this.toolCalls.ok += 1;
    else this.toolCalls.failed += 1;
    this.recent.push({
      id: event.callId,
      step: event.step,
      tool: event.tool ?? '?',
      ok,
      durationMs: event.durationMs ?? 0,
      ...(event.errorType ? { errorType: event.errorType } : {}),
    });
    if (this.recent.length > RECENT_CALLS) this.recent.shift();
  }

  /** True once `run_ended` was seen. */
  get hasEnded(): boolean {
    return this.ended !== undefined;
  }

  state(): AgentState {
    return {
      status: this.status(),
      step: this.step,
      maxSteps: this.maxSteps,
      pending: [...this.running.values()],
      usage: { ...this.usage },
      toolCalls: { ...this.toolCalls },
      recent: [...this.recent],
    };
  }

  private status(): AgentState['status'] {
    if (this.ended) return (RUN_STATUS_WORDS as readonly string[]).includes(this.ended) ? (this.ended as RunStatus) : RUN_STATUSES.running;
    if (this.waitingApprovals.size > 0) return RUN_STATUSES.waitingForApproval;
    if (this.waitingQuestions.size > 0) return RUN_STATUSES.waitingForInput;
    if (this.pausedOnBudget) return RUN_STATUSES.waitingForBudget;
    if (this.idle) return RUN_STATUSES.idle;
    return RUN_STATUSES.running;
  }
}
