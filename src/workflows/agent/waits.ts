import { condition, setHandler } from '@temporalio/workflow';
import { DEFAULT_APPROVAL_TIMEOUT_MS, FollowRequestSchema, type Decision, type EventPage, type FollowRequest, type Send, type TurnAnswer } from '../../contracts/interaction-schemas';
import { eventsQuery, FOLLOW_RETIRED, followEventsUpdate, pendingQuery, turnAnswerQuery } from '../../contracts/definitions';
import type { Budget, BudgetRaise } from '../../contracts/run-input';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import type { Task } from '../../core/model';
import type { TaskError } from '../../contracts/run-result';
import type { CarriedGate } from '../../contracts/workflow-input';
import { describeIssues } from '../../core/zod-issues';
import { jsonDepth } from '../../core/actions';
import { DEFAULT_MAX_EDIT_BYTES, MAX_ARGUMENT_DEPTH } from '../../contracts/limits';
import { schemaProblems } from '../../core/schema-check';
import { utf8Bytes } from '../../core/summarize';
import type { HandoverPolicy } from './handover';
import { registerInteractions } from './interaction-effects';
import type { RunState } from './run-state';
import type { RunView } from './run-view';
import { expiryTimerSummary, idleTimerSummary } from './ui-words';

/** What a gate lets through: the call (with its arguments, edited or not), or the error result it becomes instead. */
export type GateOutcome = { run: true; input: unknown } | { run: false; error: TaskError };

/**
 * What a run waits for from its clients, and what they said: approvals and questions (gates of a step's calls), a
 * session's next message, a budget raise, a resume. It registers the queries and, from the interaction table, every
 * Update with its validator (interaction-effects.ts); the run's state lives in `RunState`.
 */
export class RunWaits {
  private readonly answers = new Map<string, string>();
  private readonly edits = new Map<string, Record<string, unknown>>();
  private readonly reasons = new Map<string, string>();
  private readonly timeoutMs: number;
  private readonly maxEditBytes: number;
  /** Set when the run hands over to its next run (continue-as-new) or ends: followers are answered and new ones refused. */
  private released = false;
  /** Calls of the current step waiting for a person now (what a handover while waiting carries). */
  private readonly parked = new Map<string, CarriedGate>();

  constructor(
    readonly run: RunState,
    private readonly view: RunView,
    input: Pick<ResolvedAgentRunInput, 'approvalTimeoutMs' | 'maxEditBytes'>,
    private readonly handover: HandoverPolicy,
  ) {
    this.timeoutMs = input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.maxEditBytes = input.maxEditBytes ?? DEFAULT_MAX_EDIT_BYTES;
  }

  /** Runs an Update's handler, counted towards the handover (Temporal limits Updates per execution). */
  private counted<Args extends unknown[], Result>(handler: (...args: Args) => Result): (...args: Args) => Result {
    return (...args: Args) => {
      this.handover.updateAccepted();
      return handler(...args);
    };
  }

  /** Registers the queries and the handlers of every interaction (src/workflows/agent/interaction-effects.ts); call once, at the start. */
  register(): void {
    setHandler(pendingQuery, () => this.run.people.pending());
    setHandler(turnAnswerQuery, (turn) => this.turnAnswer(turn));
    setHandler(eventsQuery, (request) => this.run.events.page(request?.from ?? 0, request?.limit, this.run.ended));
    // Retired: an Update held open to read took one of the run's 10 in-flight Update slots, so a few interrupted
    // followers locked every decision out. Every new follow is refused (nothing reaches history); readers use the
    // `events` query. The handler stays so that histories with accepted follows replay.
    setHandler(followEventsUpdate, this.counted((request: FollowRequest) => this.follow(request)), {
      validator: (request: FollowRequest) => {
        const parsed = FollowRequestSchema.safeParse(request);
        if (!parsed.success) throw new Error(`invalid follow request: ${describeIssues(parsed.error)}`);
        throw new Error(FOLLOW_RETIRED);
      },
    });
    registerInteractions(this, (handler) => this.counted(handler));
  }

  /** Answers as soon as the log has an event at `request.from` or later, or the run ends or hands over. */
  private async follow(request: FollowRequest): Promise<EventPage> {
    await condition(() => this.run.events.next > request.from || this.run.ended || this.released);
    return this.run.events.page(request.from, request.limit, this.run.ended);
  }

  /**
   * Answers every follower and refuses new ones: called before continue-as-new (a follower asks again and lands on
   * the next run) and when the run ends, so that no follow Update is left open.
   */
  releaseFollowers(): void {
    this.released = true;
  }

  /** Why a decision must be refused (edited arguments too large, too deep or off the tool's schema), or undefined. */
  decisionRefusal(decision: Decision): string | undefined {
    const refusal = this.run.people.decisionRefusal(decision.callId);
    if (refusal || decision.decision === 'deny') return refusal;
    const edited = decision.arguments;
    if (!edited) return undefined;
    // Each approved edit enters history twice (this Update and the call it schedules): bounded before it lands.
    const json = JSON.stringify(edited);
    const bytes = utf8Bytes(json);
    if (bytes > this.maxEditBytes) return `the edited arguments (as JSON) has ${bytes} bytes; at most ${this.maxEditBytes} are accepted: shorten it`;
    if (jsonDepth(json) > MAX_ARGUMENT_DEPTH) return `the edited arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels`;
    const waiting = this.run.people.pending().approvals.find((call) => call.callId === decision.callId);
    const problems = waiting ? schemaProblems(waiting.inputSchema, edited) : [];
    if (problems.length > 0) return `the edited arguments do not match the input schema of ${waiting?.tool ?? 'the tool'}: ${problems.join('; ')}`;
    return undefined;
  }

  /** Whether every call parked at a gate is still undecided: nothing but people is awaited there. */
  gatesUndecided(): boolean {
    for (const gate of this.parked.values()) {
      if (gate.kind === 'approval' ? this.run.people.decisionOf(gate.taskId) !== undefined : this.answers.has(gate.taskId)) return false;
    }
    return this.parked.size > 0;
  }

  /** Calls waiting for a person now, for a handover while waiting. */
  parkedGates(): CarriedGate[] {
    return [...this.parked.values()];
  }

  /** Whether the run should hand over to its next run at this safe point. */
  handoverDue(): boolean {
    return this.handover.due();
  }

  decide(decision: Decision): { callId: string; decision: Decision['decision'] } {
    if (decision.decision === 'approve' && decision.arguments) this.edits.set(decision.callId, decision.arguments);
    if (decision.decision === 'deny') this.reasons.set(decision.callId, decision.reason ?? 'no reason given');
    const detail = decision.decision === 'approve' ? (decision.arguments ? 'approved with edited arguments' : 'approved') : `denied: ${decision.reason ?? 'no reason given'}`;
    this.run.people.approvalDecided(decision.callId, decision.decision, detail);
    this.changed();
    return { callId: decision.callId, decision: decision.decision };
  }

  reply(reply: { questionId?: string; text: string }): { questionId: string } {
    const target = this.run.people.replyTarget(reply.questionId);
    if ('refusal' in target) throw new Error(target.refusal);
    this.answers.set(target.questionId, reply.text);
    return target;
  }

  /**
   * Hands the message to the idle session and waits until its turn is answered; or, when the run hands over within
   * the turn (it waits for people), answers `continued` at once: the client reads the answer with `turnAnswer`.
   */
  async send(message: Send, updateId?: string): Promise<TurnAnswer> {
    const session = this.run.session;
    const turn = session.turns + 1;
    session.messageArrived(message.text, updateId);
    await condition(() => session.turns >= turn || this.run.ended || this.released);
    if (session.turns < turn && !this.run.ended) return { turn, status: this.run.status, answer: '', continued: true };
    return { ...session.latest(), turn };
  }

  /** The answer of turn `turn` once it is answered (the latest turn only), for a `send` that answered `continued`. */
  turnAnswer(turn: number): TurnAnswer | null {
    if (this.run.session.turns < turn && !this.run.ended) return null;
    const latest = this.run.session.latest();
    return latest.turn === turn || this.run.ended ? { ...latest, turn } : null;
  }

  close(): { closed: true } {
    this.run.session.close();
    return { closed: true };
  }

  /**
   * An idle session waits for its next message, its close, or its idle timeout (a durable timer, `idleUntil` in
   * workflow time); or, when the run hands over while waiting, until a handover is due.
   */
  async awaitMessage(idleUntil: number): Promise<'message' | 'close' | 'timeout' | 'handover'> {
    this.changed();
    const session = this.run.session;
    const timeout = Math.max(1, idleUntil - Date.now());
    const arrived = await condition(() => session.messageOrClose !== undefined || this.handover.due(), timeout, { summary: idleTimerSummary(timeout) });
    if (!arrived) return 'timeout';
    return session.messageOrClose ?? 'handover';
  }

  raise(raise: BudgetRaise): Budget {
    this.run.raiseBudget(raise);
    this.changed();
    return this.run.budget.current() ?? {};
  }

  /**
   * The budget is used up and `onExhausted` is `pause`: waits, with status `waiting_for_budget` and no model call,
   * until `stillExhausted` turns false after a `raise-budget` (the run goes on), or the run is cancelled. A run that
   * handed over while it waited is in that phase already (its fold is carried).
   */
  async awaitBudget(stillExhausted: () => boolean, why: string): Promise<'lifted' | 'handover'> {
    const { run } = this;
    if (run.phase.name !== 'waiting_for_budget') run.machine.transition({ type: 'budget_exhausted', step: run.step, detail: why });
    this.changed();
    await condition(() => !stillExhausted() || this.handover.due());
    if (stillExhausted()) return 'handover';
    run.machine.transition({ type: 'run_resumed', step: run.step, detail: 'budget raised' });
    this.changed();
    return 'lifted';
  }

  /** A pause asked for by a client (`pause`), not yet in effect; and a resume of a paused run. */
  private pauseAsked?: { reason?: string };
  private resumeAsked = false;

  /** Why a pause must be refused, or undefined. */
  pauseRefusal(): string | undefined {
    const { run } = this;
    if (run.ended) return `the run has ended (${run.status}); there is nothing to pause`;
    if (run.phase.name === 'paused' && !this.resumeAsked) return 'the run is paused already: resume it with `durable-agent resume`';
    if (this.pauseAsked) return 'a pause is asked for already: the run pauses before its next step';
    return undefined;
  }

  requestPause(reason?: string): { state: 'paused' | 'pausing' } {
    this.pauseAsked = reason !== undefined ? { reason } : {};
    return { state: this.run.phase.name === 'paused' ? 'paused' : 'pausing' };
  }

  /** Why a resume must be refused, or undefined. */
  resumeRefusal(): string | undefined {
    const { run } = this;
    if (run.ended) return `the run has ended (${run.status}); there is nothing to resume`;
    if (run.phase.name !== 'paused' && !this.pauseAsked) return `the run is not paused (it is ${run.status})`;
    if (run.phase.name === 'paused' && this.resumeAsked) return 'the run is resuming already';
    return undefined;
  }

  requestResume(): { state: 'resumed' | 'pause_withdrawn' } {
    if (this.run.phase.name === 'paused') {
      this.resumeAsked = true;
      return { state: 'resumed' };
    }
    this.pauseAsked = undefined;
    return { state: 'pause_withdrawn' };
  }

  /**
   * Between steps: when a pause was asked for (or the run handed over while paused), the run pauses here, holding no
   * permit and scheduling nothing, until a resume (it goes on), a cancellation, or a handover that is due.
   */
  async pausePoint(): Promise<'go' | 'handover'> {
    const { run } = this;
    if (run.phase.name !== 'paused') {
      if (!this.pauseAsked) return 'go';
      run.machine.transition({ type: 'run_paused', step: run.step, detail: this.pauseAsked.reason ?? 'paused by request' });
      this.pauseAsked = undefined;
      this.changed();
    }
    await condition(() => this.resumeAsked || this.handover.due());
    if (!this.resumeAsked) return 'handover';
    this.resumeAsked = false;
    run.machine.transition({ type: 'run_resumed', step: run.step, detail: 'resumed by request' });
    this.changed();
    return 'go';
  }

  private changed(): void {
    this.view.show();
    this.view.publish();
  }

  /**
   * Waits (holding no permit) until a person decides on the call or the approval expires; an expiry is a denial.
   * The wait is a durable timer: it costs nothing and survives restarts.
   */
  async awaitApproval(task: Task, carried?: CarriedGate): Promise<GateOutcome> {
    // Date.now() is the workflow task's time in the sandbox (recorded, replay-safe): the expiry shown to people.
    const gate = carried ?? { taskId: task.id, tool: task.tool, kind: 'approval' as const, askedAt: Date.now(), expiresAt: Date.now() + this.timeoutMs };
    this.run.people.approvalRequested(task, gate, carried !== undefined);
    this.changed();
    const decided = await this.parkedUntil(gate, expiryTimerSummary('approval', task.tool, task.id), () => this.run.people.decisionOf(task.id) !== undefined);
    if (!decided) {
      this.run.people.approvalDecided(task.id, 'deny', 'expired');
      this.changed();
      return { run: false, error: { type: ERROR_TYPES.toolApprovalTimeout, message: `nobody approved the call within ${Math.round(this.timeoutMs / 1000)} s; it did not run` } };
    }
    if (this.run.people.decisionOf(task.id) === 'deny') {
      return { run: false, error: { type: ERROR_TYPES.toolDenied, message: `a person denied the call: ${this.reasons.get(task.id) ?? 'no reason given'}; it did not run` } };
    }
    return { run: true, input: this.edits.get(task.id) ?? task.input };
  }

  /** Asks a person the model's question and waits for the answer (or the expiry). */
  async ask(task: Task, question: string, carried?: CarriedGate): Promise<{ answer: string } | { error: TaskError }> {
    const gate = carried ?? { taskId: task.id, tool: task.tool, kind: 'question' as const, askedAt: Date.now(), expiresAt: Date.now() + this.timeoutMs };
    this.run.people.questionAsked(task, question, gate, carried !== undefined);
    this.changed();
    const answered = await this.parkedUntil(gate, expiryTimerSummary('question', task.tool, task.id), () => this.answers.has(task.id));
    this.run.people.questionSettled(task.id, answered);
    this.changed();
    const answer = this.answers.get(task.id);
    if (!answered || answer === undefined) {
      return { error: { type: ERROR_TYPES.questionTimeout, message: `nobody answered within ${Math.round(this.timeoutMs / 1000)} s` } };
    }
    return { answer };
  }

  /**
   * Waits at a gate until `settled` or its expiry (what is left of it after a handover), parked meanwhile. `summary`:
   * the expiry timer's line in the UI (metadata, not matched on replay).
   */
  private async parkedUntil(gate: CarriedGate, summary: string, settled: () => boolean): Promise<boolean> {
    this.parked.set(gate.taskId, gate);
    try {
      return await condition(settled, Math.max(1, gate.expiresAt - Date.now()), { summary });
    } finally {
      this.parked.delete(gate.taskId);
    }
  }
}
