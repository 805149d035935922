import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { closeUpdate, decideUpdate, eventsQuery, FOLLOW_RELEASED, followEventsUpdate, pendingQuery, raiseBudgetUpdate, replyUpdate, sendUpdate, type AgentWorkflow } from '../shared/contracts/handlers';
import type { Budget, BudgetRaise } from '../shared/contracts/run-input';
import type { Decision, EventPage, Pending, RunEvent, TurnAnswer } from '../shared/contracts/interaction';
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
  constructor(private readonly handle: () => WorkflowHandle<AgentWorkflow>) {}

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
    return refusalAware(() => this.handle().executeUpdate(decideUpdate, { args: [decision] }));
  }

  /** Raises the run's budget; a run paused on it (`waiting_for_budget`) goes on. Answers with the budget in force. */
  async raiseBudget(raise: BudgetRaise): Promise<Budget> {
    return refusalAware(() => this.handle().executeUpdate(raiseBudgetUpdate, { args: [raise] }));
  }

  /** Sends a session its next message and waits for that turn's answer. */
  async send(text: string): Promise<TurnAnswer> {
    return refusalAware(() => this.handle().executeUpdate(sendUpdate, { args: [{ text }] }));
  }

  /** Closes a session; it ends with its last turn's result. */
  async close(): Promise<void> {
    await refusalAware(() => this.handle().executeUpdate(closeUpdate, { args: [] }));
  }

  /** Answers the model's open question (name it when several are open). */
  async reply(text: string, questionId?: string): Promise<{ questionId: string }> {
    return refusalAware(() => this.handle().executeUpdate(replyUpdate, { args: [{ text, ...(questionId ? { questionId } : {}) }] }));
  }

  /**
   * The run's events from `from` on, as they come, until the run ends. Each event is yielded once, in offset order.
   * Following is a long-poll (the `followEvents` Update, answered when there is something new), not a polled
   * snapshot. Each answered poll adds about five small events to the run's history, so polls are spaced at least
   * `minIntervalMs` apart (default 250 ms): events that come meanwhile arrive together, and a run that waits (for a
   * person, a budget, a message) costs nothing. A run that has ended is read to its end by the `events` query.
   * Stops early, without error, when `signal` aborts.
   */
  async *events(options: { from?: number; signal?: AbortSignal; minIntervalMs?: number } = {}): AsyncGenerator<RunEvent> {
    const { signal } = options;
    const spacing = options.minIntervalMs ?? DEFAULT_POLL_SPACING_MS;
    let from = options.from ?? 0;
    let lastPoll = 0;
    while (!signal?.aborted) {
      const wait = lastPoll + spacing - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) return;
      lastPoll = Date.now();
      const page = await this.nextPage(from, signal);
      if (!page) return;
      for (const event of page.events) yield event;
      from = page.next;
      if (page.ended && page.events.length === 0) return;
    }
  }

  /** The next page from `from`: a long-poll while the run goes on; the query once it handed over or ended. */
  private async nextPage(from: number, signal?: AbortSignal): Promise<EventPage | undefined> {
    try {
      return await abortable(this.handle().executeUpdate(followEventsUpdate, { args: [{ from }] }), signal);
    } catch (error) {
      const refused = error instanceof WorkflowUpdateFailedError && error.cause instanceof Error && error.cause.message === FOLLOW_RELEASED;
      if (!refused && !(error instanceof WorkflowNotFoundError)) throw error;
      const page = await this.handle().query(eventsQuery, { from });
      if (page.events.length > 0 || page.ended) return page;
      // Handing over to the next run: ask that one in a moment. Closed without `run_ended` (terminated): nothing more comes.
      const running = (await this.handle().describe()).status.name === 'RUNNING';
      if (!running) return { ...page, ended: true };
      await sleep(HANDOVER_RETRY_MS, undefined, { signal }).catch(() => undefined);
      return page;
    }
  }
}

/** Least time between two follow polls: events of a burst arrive in one answer (and one set of history events). */
const DEFAULT_POLL_SPACING_MS = 250;

/** How long a follower waits before asking again while the run continues as new. */
const HANDOVER_RETRY_MS = 100;

/** The promise's value, or undefined as soon as `signal` aborts (the promise is left to settle unobserved). */
async function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return undefined;
  }
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    promise.catch(() => undefined);
  }
}
