import { condition, setHandler } from '@temporalio/workflow';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DecisionSchema, FollowRequestSchema, ReplySchema, SendSchema, type Decision, type EventPage, type FollowRequest, type Send, type TurnAnswer } from '../../shared/contracts/interaction';
import { closeUpdate, decideUpdate, eventsQuery, FOLLOW_RELEASED, followEventsUpdate, pendingQuery, raiseBudgetUpdate, replyUpdate, sendUpdate } from '../../shared/contracts/handlers';
import { BudgetRaiseSchema, type Budget, type BudgetRaise } from '../../shared/contracts/run-input';
import { ERROR_TYPES } from '../../shared/errors';
import type { ResolvedAgentRunInput, Task, TaskError } from '../../shared/model';
import { describeIssues } from '../../shared/zod-issues';
import { jsonDepth } from '../../shared/actions';
import { MAX_ARGUMENT_DEPTH } from '../../shared/profiles';
import type { RunState } from './run-state';
import type { RunView } from './run-view';

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
  /** Set when the run hands over to its next run (continue-as-new) or ends: followers are answered and new ones refused. */
  private released = false;

  constructor(
    private readonly run: RunState,
    private readonly view: RunView,
    input: Pick<ResolvedAgentRunInput, 'approvalTimeoutMs'>,
  ) {
    this.timeoutMs = input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  /** Registers the handlers; call once, at the start of the workflow. */
  register(): void {
    setHandler(pendingQuery, () => this.run.people.pending());
    setHandler(eventsQuery, (request) => this.run.events.page(request?.from ?? 0, request?.limit, this.run.ended));
    setHandler(followEventsUpdate, (request) => this.follow(request), {
      validator: (request: FollowRequest) => {
        const parsed = FollowRequestSchema.safeParse(request);
        if (!parsed.success) throw new Error(`invalid follow request: ${describeIssues(parsed.error)}`);
        if (this.released || this.run.ended) throw new Error(FOLLOW_RELEASED);
      },
    });
    setHandler(decideUpdate, (decision) => this.decide(decision), { validator: (decision: Decision) => this.validateDecision(decision) });
    setHandler(sendUpdate, (message) => this.send(message), {
      validator: (message: Send) => {
        const parsed = SendSchema.safeParse(message);
        if (!parsed.success) throw new Error(`invalid message: ${describeIssues(parsed.error)}`);
        const refusal = this.run.messageRefusal();
        if (refusal) throw new Error(refusal);
      },
    });
    setHandler(closeUpdate, () => this.close(), {
      validator: () => {
        if (!this.run.input.session) throw new Error('this run is not a session; cancel it instead');
        if (this.run.ended) throw new Error('the session has already ended');
      },
    });
    setHandler(raiseBudgetUpdate, (raise) => this.raise(raise), {
      validator: (raise: BudgetRaise) => {
        const parsed = BudgetRaiseSchema.safeParse(raise);
        if (!parsed.success) throw new Error(`invalid budget raise: ${describeIssues(parsed.error)}`);
        const refusal = this.run.raiseRefusal(parsed.data);
        if (refusal) throw new Error(refusal);
      },
    });
    setHandler(replyUpdate, (reply) => this.reply(reply), {
      validator: (reply) => {
        const parsed = ReplySchema.safeParse(reply);
        if (!parsed.success) throw new Error(`invalid reply: ${describeIssues(parsed.error)}`);
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
    if (parsed.data.decision === 'approve' && parsed.data.arguments && jsonDepth(JSON.stringify(parsed.data.arguments)) > MAX_ARGUMENT_DEPTH) {
      throw new Error(`the edited arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels`);
    }
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

  /** Hands the message to the idle session and waits until its turn is answered. */
  private async send(message: Send): Promise<TurnAnswer> {
    const turn = this.run.turns + 1;
    this.run.messageArrived(message.text);
    await condition(() => this.run.turns >= turn || this.run.ended);
    return { ...this.run.latestTurn(), turn };
  }

  private close(): { closed: true } {
    this.run.closeSession();
    return { closed: true };
  }

  /** An idle session waits for its next message, its close, or its idle timeout (a durable timer). */
  async awaitMessage(idleTimeoutMs: number): Promise<'message' | 'close' | 'timeout'> {
    this.changed();
    const arrived = await condition(() => this.run.messageOrClose !== undefined, idleTimeoutMs);
    return arrived ? (this.run.messageOrClose ?? 'close') : 'timeout';
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
  async awaitBudget(stillExhausted: () => boolean, why: string): Promise<void> {
    this.run.setPausedOnBudget(true, why);
    this.changed();
    await condition(() => !stillExhausted());
    this.run.setPausedOnBudget(false);
    this.changed();
  }

  private changed(): void {
    this.view.show();
    this.view.publish();
  }

  /**
   * Waits (holding no permit) until a person decides on the call or the approval expires; an expiry is a denial.
   * The wait is a durable timer: it costs nothing and survives restarts.
   */
  async awaitApproval(task: Task): Promise<GateOutcome> {
    // Date.now() is the workflow task's time in the sandbox (recorded, replay-safe): the expiry shown to people.
    this.run.people.approvalRequested(task, Date.now() + this.timeoutMs);
    this.changed();
    const decided = await condition(() => this.run.people.decisionOf(task.id) !== undefined, this.timeoutMs);
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
  async ask(task: Task, question: string): Promise<{ answer: string } | { error: TaskError }> {
    this.run.people.questionAsked(task, question, Date.now() + this.timeoutMs);
    this.changed();
    const answered = await condition(() => this.answers.has(task.id), this.timeoutMs);
    this.run.people.questionSettled(task.id, answered);
    this.changed();
    const answer = this.answers.get(task.id);
    if (!answered || answer === undefined) {
      return { error: { type: ERROR_TYPES.questionTimeout, message: `nobody answered within ${Math.round(this.timeoutMs / 1000)} s` } };
    }
    return { answer };
  }
}
