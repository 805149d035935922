import { setTimeout as sleep } from 'node:timers/promises';
import { QueryRejectedError, WorkflowClient, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { agentStateQuery, ENDED_EVENT_LOG_MEMO, eventsQuery, pendingQuery, turnAnswerQuery, type AgentWorkflow } from '../contracts/definitions';
import { INTERACTIONS, MESSAGE_UPDATE_ID_PREFIX, type InteractionArgs, type InteractionName, type InteractionResult } from '../contracts/interactions';
import type { Budget, BudgetRaise } from '../contracts/run-input';
import { isOutcome } from '../contracts/status';
import { EventPageSchema, type Decision, type EventPage, type Pending, type RunEvent, type TurnAnswer } from '../contracts/interaction-schemas';
import { compileJsonSchema } from '../tools/json-schema';
import { InteractionRefusedError } from './errors';

/** Sends an Update, turning a refusal by the run's validator into an `InteractionRefusedError` with its reason. */
async function refusalAware<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      throw new InteractionRefusedError(reason, { cause: error });
    }
    throw error;
  }
}

/** What a client says to a running agent and reads from it; used by `AgentRunHandle`. */
export class RunInteraction {
  /** The same namespace and converter, with queries refused by the server for a run that is not open (no worker replay). */
  private openOnly?: WorkflowClient;

  constructor(private readonly handle: () => WorkflowHandle<AgentWorkflow>) {}

  private openHandle(): WorkflowHandle<AgentWorkflow> {
    const handle = this.handle();
    this.openOnly ??= new WorkflowClient({ ...handle.client.options, queryRejectCondition: 'NOT_OPEN' });
    return this.openOnly.getHandle<AgentWorkflow>(handle.workflowId);
  }

  /**
   * Says something to the run: any interaction of the table (src/contracts/interactions.ts), sent as its
   * Update. The run's validator checks it before anything reaches history; a refusal is an `InteractionRefusedError`.
   */
  async interact<Name extends InteractionName>(name: Name, args: InteractionArgs<Name>, options: { updateId?: string } = {}): Promise<InteractionResult<Name>> {
    const update = INTERACTIONS[name].update as UpdateDefinition<InteractionResult<Name>, [unknown]>;
    // `close` takes no argument: its Update is sent with none.
    const sent = { args: (args === undefined ? [] : [args]) as [unknown], ...(options.updateId ? { updateId: options.updateId } : {}) };
    return refusalAware(() => this.handle().executeUpdate(update, sent));
  }

  /** Calls waiting for a decision and questions waiting for an answer. Needs a worker. */
  async pending(): Promise<Pending> {
    return this.handle().query(pendingQuery);
  }

  /**
   * Decides on one gated call. Edited arguments are checked against the tool's schema first (and again by the
   * tool). Waits for a worker to take the decision: with none up, the call waits until one starts.
   */
  async decide(decision: Decision): Promise<{ callId: string; decision: Decision['decision'] }> {
    if (decision.decision === 'approve' && decision.arguments) {
      const pending = (await this.pending()).approvals.find((call) => call.callId === decision.callId);
      if (pending) {
        const checked = compileJsonSchema(pending.inputSchema)(decision.arguments);
        if (!checked.ok) throw new InteractionRefusedError(`the edited arguments do not match the input schema of ${pending.tool}: ${checked.problems}`);
      }
    }
    return this.interact('decide', decision);
  }

  /** Raises the run's budget; a run paused on it (`waiting_for_budget`) goes on. Answers with the budget in force. */
  async raiseBudget(raise: BudgetRaise): Promise<Budget> {
    return this.interact('raiseBudget', raise);
  }

  /**
   * Sends a session its next message and waits for that turn's answer. When the run hands over to its next run
   * within the turn (it waits for people), the answer is read from the next run by query.
   */
  async send(text: string, options: { messageId?: string } = {}): Promise<TurnAnswer> {
    let sent: TurnAnswer;
    try {
      sent = await this.interact('send', { text }, options.messageId ? { updateId: `${MESSAGE_UPDATE_ID_PREFIX}${options.messageId}` } : {});
    } catch (error) {
      // The message arrived before the run handed over: its turn's answer (waited for while the turn goes on), unless a
      // later turn has been answered since (then the refusal says which turn it was).
      const turn = error instanceof InteractionRefusedError ? Number(/was already sent: it is turn (\d+)/.exec(error.message)?.[1] ?? 0) : 0;
      if (!turn) throw error;
      const answer = await this.handle().query(turnAnswerQuery, turn).catch(() => null);
      if (answer) return answer;
      const state = await this.handle().query(agentStateQuery).catch(() => undefined);
      if (state && !isOutcome(state.status) && (state.session?.turnsAnswered ?? 0) < turn) return this.turnAnswer(turn);
      throw error;
    }
    return sent.continued ? this.turnAnswer(sent.turn) : sent;
  }

  /**
   * Waits for the answer of a session's turn `turn` (a `send` answered `continued`: the run handed over within the
   * turn while it waited for people). Reads by query, so it needs a worker while it waits.
   */
  async turnAnswer(turn: number): Promise<TurnAnswer> {
    for (;;) {
      const answer = await this.handle().query(turnAnswerQuery, turn).catch(() => null);
      if (answer) return answer;
      await sleep(TURN_POLL_MS);
    }
  }

  /** Closes a session; it ends with its last turn's result. */
  async close(): Promise<void> {
    await this.interact('close', undefined);
  }

  /** Answers the model's open question (name it when several are open). */
  async reply(text: string, questionId?: string): Promise<{ questionId: string }> {
    return this.interact('reply', { text, ...(questionId ? { questionId } : {}) });
  }

  /**
   * The run's events from `from` on, as they come, until the run ends. Each event is yielded once, in offset order.
   * Reads are queries (`events`): they never enter the run's history nor take one of its Update slots, so any number
   * of followers, live or abandoned, leave every decision free. Polls are spaced `minIntervalMs` apart while events
   * come (default 500 ms) and back off, doubling, to `maxIntervalMs` (default 2 s) while none do. A run that has ended
   * is read from its memo (the server answers; no worker replays it), or by one query for runs that left none.
   * Stops early, without error, when `signal` aborts.
   */
  async *events(options: { from?: number; signal?: AbortSignal; minIntervalMs?: number; maxIntervalMs?: number } = {}): AsyncGenerator<RunEvent> {
    const { signal } = options;
    const fastest = options.minIntervalMs ?? DEFAULT_POLL_MIN_MS;
    const slowest = Math.max(fastest, options.maxIntervalMs ?? DEFAULT_POLL_MAX_MS);
    let from = options.from ?? 0;
    let interval = fastest;
    while (!signal?.aborted) {
      const page = await this.readPage(from);
      for (const event of page.events) {
        if (event.offset >= from) yield event;
      }
      from = Math.max(from, page.next);
      // An ended run's log may take more than one page: read on at once until a page comes back empty.
      if (page.ended) {
        if (page.events.length === 0) return;
        continue;
      }
      interval = page.events.length > 0 ? fastest : Math.min(slowest, interval * 2);
      await sleep(interval, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One page from `from`: by query while the run is open; from its memo (or one query) once it has closed. */
  async readPage(from: number, limit?: number): Promise<EventPage> {
    try {
      return await this.openHandle().query(eventsQuery, { from, ...(limit !== undefined ? { limit } : {}) });
    } catch (error) {
      if (!(error instanceof QueryRejectedError)) throw error;
    }
    const memo = (await this.handle().describe()).memo?.[ENDED_EVENT_LOG_MEMO];
    const parsed = EventPageSchema.safeParse(memo);
    if (parsed.success) {
      const events = parsed.data.events.filter((event) => event.offset >= from).slice(0, limit);
      return { ...parsed.data, events, next: events.length > 0 && limit !== undefined ? (events[events.length - 1]?.offset ?? from) + 1 : parsed.data.next };
    }
    // Closed without a log in its memo (terminated, or ended on older code): one query, which a worker answers by replay.
    const page = await this.handle().query(eventsQuery, { from, ...(limit !== undefined ? { limit } : {}) }).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw error;
      return undefined;
    });
    return { ...(page ?? { events: [], next: from, firstKept: from }), ended: true };
  }
}

/** Least time between two polls while events come. */
const DEFAULT_POLL_MIN_MS = 500;
/** Most time between two polls while none come (the interval doubles up to it). */
const DEFAULT_POLL_MAX_MS = 2_000;
/** How often a `send` whose run handed over within the turn asks for the turn's answer. */
const TURN_POLL_MS = 500;
