import { condition, setHandler } from '@temporalio/workflow';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DecisionSchema, FollowRequestSchema, ReplySchema, SendSchema, type Decision, type EventPage, type FollowRequest, type Send, type TurnAnswer } from '../../shared/contracts/interaction';
import { closeUpdate, decideUpdate, eventsQuery, FOLLOW_RETIRED, followEventsUpdate, pendingQuery, raiseBudgetUpdate, replyUpdate, sendUpdate, turnAnswerQuery } from '../../shared/contracts/handlers';
import { BudgetRaiseSchema, type Budget, type BudgetRaise } from '../../shared/contracts/run-input';
import { ERROR_TYPES } from '../../shared/errors';
import type { ResolvedAgentRunInput, Task, TaskError } from '../../shared/model';
import type { CarriedGate } from '../../shared/contracts/workflow-input';
import { describeIssues } from '../../shared/zod-issues';
import { jsonDepth } from '../../shared/actions';
import { DEFAULT_MAX_EDIT_BYTES, MAX_ARGUMENT_DEPTH, MAX_MESSAGE_BYTES, MAX_REASON_BYTES } from '../../shared/profiles';
import { schemaProblems } from '../../shared/schema-check';
import { utf8Bytes } from '../../shared/summarize';
import type { HandoverPolicy } from './handover';
import type { RunState } from './run-state';
import type { RunView } from './run-view';

/** Refuses a text longer than `maxBytes` of UTF-8, naming what it is and both sizes. */
function refuseLongText(what: string, text: string | undefined, maxBytes: number): void {
  if (text === undefined) return;
  const bytes = utf8Bytes(text);
  if (bytes > maxBytes) throw new Error(`${what} has ${bytes} bytes; at most ${maxBytes} are accepted: shorten it`);
}

/** What a gate lets through: the call (with its arguments, edited or not), or the error result it becomes instead. */
export type GateOutcome = { run: true; input: unknown } | { run: false; error: TaskError };

/**
 * Everything a client may say to a running agent: decisions on gated calls and answers to questions (Updates with
 * validators: a refused update never touches history), and what it may read (pending interactions, the event
 * log). The state lives in `RunState`; this module wires handlers and the waits.
 */
export class Interaction {
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
    private readonly run: RunState,
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

  /** Registers the handlers; call once, at the start of the workflow. */
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
    setHandler(decideUpdate, this.counted((decision: Decision) => this.decide(decision)), { validator: (decision: Decision) => this.validateDecision(decision) });
    setHandler(sendUpdate, this.counted((message: Send) => this.send(message)), {
      validator: (message: Send) => {
        const parsed = SendSchema.safeParse(message);
        if (!parsed.success) throw new Error(`invalid message: ${describeIssues(parsed.error)}`);
        refuseLongText('the message', parsed.data.text, MAX_MESSAGE_BYTES);
        const refusal = this.run.messageRefusal();
        if (refusal) throw new Error(refusal);
      },
    });
    setHandler(closeUpdate, this.counted(() => this.close()), {
      validator: () => {
        if (!this.run.input.session) throw new Error('this run is not a session; cancel it instead');
        if (this.run.ended) throw new Error('the session has already ended');
      },
    });
    setHandler(raiseBudgetUpdate, this.counted((raise: BudgetRaise) => this.raise(raise)), {
      validator: (raise: BudgetRaise) => {
        const parsed = BudgetRaiseSchema.safeParse(raise);
        if (!parsed.success) throw new Error(`invalid budget raise: ${describeIssues(parsed.error)}`);
        const refusal = this.run.raiseRefusal(parsed.data);
        if (refusal) throw new Error(refusal);
      },
    });
    setHandler(replyUpdate, this.counted((reply: { questionId?: string; text: string }) => this.reply(reply)), {
      validator: (reply) => {
        const parsed = ReplySchema.safeParse(reply);
        if (!parsed.success) throw new Error(`invalid reply: ${describeIssues(parsed.error)}`);
        refuseLongText('the reply', parsed.data.text, MAX_MESSAGE_BYTES);
        const target = this.run.people.replyTarget(parsed.data.questionId);
        if ('refusal' in target) throw new Error(target.refusal);
      },
    });
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

  private validateDecision(decision: Decision): void {
    const parsed = DecisionSchema.safeParse(decision);
    if (!parsed.success) throw new Error(`invalid decision: ${describeIssues(parsed.error)}`);
    const refusal = this.run.people.decisionRefusal(parsed.data.callId);
    if (refusal) throw new Error(refusal);
    if (parsed.data.decision === 'deny') return refuseLongText('the reason', parsed.data.reason, MAX_REASON_BYTES);
    const edited = parsed.data.arguments;
    if (!edited) return;
    // Each approved edit enters history twice (this Update and the call it schedules): bounded before it lands.
    const json = JSON.stringify(edited);
    refuseLongText('the edited arguments (as JSON)', json, this.maxEditBytes);
    if (jsonDepth(json) > MAX_ARGUMENT_DEPTH) throw new Error(`the edited arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels`);
    const waiting = this.run.people.pending().approvals.find((call) => call.callId === parsed.data.callId);
    const problems = waiting ? schemaProblems(waiting.inputSchema, edited) : [];
    if (problems.length > 0) throw new Error(`the edited arguments do not match the input schema of ${waiting?.tool ?? 'the tool'}: ${problems.join('; ')}`);
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

  private decide(decision: Decision): { callId: string; decision: Decision['decision'] } {
    if (decision.decision === 'approve' && decision.arguments) this.edits.set(decision.callId, decision.arguments);
    if (decision.decision === 'deny') this.reasons.set(decision.callId, decision.reason ?? 'no reason given');
    const detail = decision.decision === 'approve' ? (decision.arguments ? 'approved with edited arguments' : 'approved') : `denied: ${decision.reason ?? 'no reason given'}`;
    this.run.people.approvalDecided(decision.callId, decision.decision, detail);
    this.changed();
    return { callId: decision.callId, decision: decision.decision };
  }

  private reply(reply: { questionId?: string; text: string }): { questionId: string } {
    const target = this.run.people.replyTarget(reply.questionId);
    if ('refusal' in target) throw new Error(target.refusal);
    this.answers.set(target.questionId, reply.text);
    return target;
  }

  /**
   * Hands the message to the idle session and waits until its turn is answered; or, when the run hands over within
   * the turn (it waits for people), answers `continued` at once: the client reads the answer with `turnAnswer`.
   */
  private async send(message: Send): Promise<TurnAnswer> {
    const turn = this.run.turns + 1;
    this.run.messageArrived(message.text);
    await condition(() => this.run.turns >= turn || this.run.ended || this.released);
    if (this.run.turns < turn && !this.run.ended) return { turn, status: this.run.status, answer: '', continued: true };
    return { ...this.run.latestTurn(), turn };
  }

  /** The answer of turn `turn` once it is answered (the latest turn only), for a `send` that answered `continued`. */
  turnAnswer(turn: number): TurnAnswer | null {
    if (this.run.turns < turn && !this.run.ended) return null;
    const latest = this.run.latestTurn();
    return latest.turn === turn || this.run.ended ? { ...latest, turn } : null;
  }

  private close(): { closed: true } {
    this.run.closeSession();
    return { closed: true };
  }

  /**
   * An idle session waits for its next message, its close, or its idle timeout (a durable timer, `idleUntil` in
   * workflow time); or, when the run hands over while waiting, until a handover is due.
   */
  async awaitMessage(idleUntil: number): Promise<'message' | 'close' | 'timeout' | 'handover'> {
    this.changed();
    const arrived = await condition(() => this.run.messageOrClose !== undefined || this.handover.due(), Math.max(1, idleUntil - Date.now()));
    if (!arrived) return 'timeout';
    return this.run.messageOrClose ?? 'handover';
  }

  private raise(raise: BudgetRaise): Budget {
    const budget = this.run.raiseBudget(raise);
    this.changed();
    return budget;
  }

  /**
   * The budget is used up and `onExhausted` is `pause`: waits, with status `waiting_for_budget` and no model call,
   * until `stillExhausted` turns false after a `raise-budget` (the run goes on), or the run is cancelled.
   */
  async awaitBudget(stillExhausted: () => boolean, why: string, options: { resumed?: boolean } = {}): Promise<'lifted' | 'handover'> {
    this.run.setPausedOnBudget(true, why, options.resumed);
    this.changed();
    await condition(() => !stillExhausted() || this.handover.due());
    if (stillExhausted()) return 'handover';
    this.run.setPausedOnBudget(false);
    this.changed();
    return 'lifted';
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
    const gate = carried ?? { taskId: task.id, kind: 'approval' as const, askedAt: Date.now(), expiresAt: Date.now() + this.timeoutMs };
    this.run.people.approvalRequested(task, gate, carried !== undefined);
    this.changed();
    const decided = await this.parkedUntil(gate, () => this.run.people.decisionOf(task.id) !== undefined);
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
    const gate = carried ?? { taskId: task.id, kind: 'question' as const, askedAt: Date.now(), expiresAt: Date.now() + this.timeoutMs };
    this.run.people.questionAsked(task, question, gate, carried !== undefined);
    this.changed();
    const answered = await this.parkedUntil(gate, () => this.answers.has(task.id));
    this.run.people.questionSettled(task.id, answered);
    this.changed();
    const answer = this.answers.get(task.id);
    if (!answered || answer === undefined) {
      return { error: { type: ERROR_TYPES.questionTimeout, message: `nobody answered within ${Math.round(this.timeoutMs / 1000)} s` } };
    }
    return { answer };
  }

  /** Waits at a gate until `settled` or its expiry (what is left of it after a handover), parked meanwhile. */
  private async parkedUntil(gate: CarriedGate, settled: () => boolean): Promise<boolean> {
    this.parked.set(gate.taskId, gate);
    try {
      return await condition(settled, Math.max(1, gate.expiresAt - Date.now()));
    } finally {
      this.parked.delete(gate.taskId);
    }
  }
}
