import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, proxyLocalActivities, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ChatMessage } from '../../contracts/chat-message';
import type { PlanRequest, PlanResult, TranscriptDelta } from '../../contracts/planner-io';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import type { TaskError } from '../../contracts/run-result';
import { PLANNER_DELTA_MAX_CHARS, PLANNER_HEARTBEAT_TIMEOUT_MS, PLANNER_RETRY, PLANNER_TIMEOUT_MS } from '../../contracts/limits';
import { toActivityRetry } from '../../core/retry';
import type { RecordedAnswer, RunState } from './run-state';

const { plan } = proxyActivities<{ plan(request: PlanRequest): Promise<PlanResult> }>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  heartbeatTimeout: PLANNER_HEARTBEAT_TIMEOUT_MS,
  retry: toActivityRetry(PLANNER_RETRY),
});

/** The same activity, run locally on the workflow's worker (`planner: 'local'`). */
const local = proxyLocalActivities<{ plan(request: PlanRequest): Promise<PlanResult> }>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  retry: toActivityRetry(PLANNER_RETRY),
});

/** Characters of a few messages' text: a cheap bound on what they add to a request. */
function charsOf(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) {
    chars += message.content.length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  return chars;
}

/**
 * What a run sends the planner of its transcript: the one sender of `PlanRequest.delta`. The activity planner's
 * sender sends the messages added since its previous request (the first also the catalogue); a delta larger than
 * PLANNER_DELTA_MAX_CHARS is not sent (the request says only where the transcript stands, and the worker queries
 * for it), so a request never adds more than that to history. A `whole` sender (a local planner, whose input never
 * enters history) sends the whole transcript and the catalogue (`from: 0`) every time, so its worker never queries.
 */
export class TranscriptSender {
  private sent = 0;

  /** @param whole send the whole transcript every time (a local planner) */
  constructor(private readonly whole = false) {}

  /** The delta of the run's next plan request: the transcript as it is now, less what was sent before. */
  next(run: Pick<RunState, 'step' | 'messageCount' | 'plannerContext'>): TranscriptDelta {
    const from = this.whole ? 0 : this.sent;
    const context = run.plannerContext({ step: run.step, messageCount: run.messageCount, includeTools: from === 0 });
    const count = context.messages.length;
    this.sent = count;
    const messages = context.messages.slice(from);
    if (this.whole) return { from, messages, tools: context.tools ?? [] };
    const chars = charsOf(messages);
    if (chars > PLANNER_DELTA_MAX_CHARS) return { from: count, messages: [] };
    const tools = context.tools && chars + JSON.stringify(context.tools).length <= PLANNER_DELTA_MAX_CHARS ? { tools: context.tools } : {};
    return { from, messages, ...tools };
  }
}

/** A fork's answer for its first step, used once instead of asking the model (docs/forks.md). */
export class GivenAnswer {
  constructor(private message: ChatMessage | undefined) {}

  /** The answer recorded as the step's, the first time; undefined after. */
  take(run: Pick<RunState, 'recordGivenAnswer'>): RecordedAnswer | undefined {
    const message = this.message;
    if (!message) return undefined;
    this.message = undefined;
    return run.recordGivenAnswer(message);
  }
}

/** Raised when the planner gave up; the workflow turns it into a `failed` result. */
export class PlannerGaveUp extends Error {
  override name = 'PlannerGaveUp';
  constructor(readonly error: TaskError) {
    super(error.message);
  }
}

/** The tokens a failed model call still cost, when the planner said (an answer too large to record, say). */
function usageOf(failure: ApplicationFailure): { inputTokens: number; outputTokens: number } | undefined {
  const usage = (failure.details?.[0] as { usage?: { inputTokens?: unknown; outputTokens?: unknown } } | undefined)?.usage;
  if (typeof usage?.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return undefined;
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
}

/** How a step asks the model (see {@link askModel}). */
export interface PlannerOptions {
  input: ResolvedAgentRunInput;
  run: RunState;
  /** Cap on calls per answer, sent to the planner, which cuts its answer to it. */
  maxCalls?: number;
  /** Call the model through a local activity (`planner: 'local'`): the request carries the whole transcript. */
  local?: boolean;
  /**
   * The run's sender of the transcript's new messages (the activity planner keeps one per run; without one, each
   * request is sent as a run's first). A local planner sends the whole transcript and needs none.
   */
  delta?: TranscriptSender;
}

/**
 * Asks the model for the next action through the `plan` activity. The request is a small reference (the
 * workflow, the step and how many messages to read) with the transcript's delta (see `PlanRequest.delta`).
 */
export async function askModel(options: PlannerOptions, finalTurn: boolean): Promise<RecordedAnswer> {
  const { input, run, maxCalls } = options;
  const { workflowId, runId } = workflowInfo();
  // A local planner never queries (its own workflow could not answer while the model call holds the workflow task).
  const sender = options.local ? new TranscriptSender(true) : (options.delta ?? new TranscriptSender());
  run.notePlanned();
  const request: PlanRequest = {
    workflowId,
    runId,
    step: run.step,
    finalTurn,
    messageCount: run.messageCount,
    ...(input.model ? { model: input.model } : {}),
    ...(maxCalls !== undefined ? { maxCalls } : {}),
    delta: sender.next(run),
  };
  const label = finalTurn ? 'plan final answer' : `plan step ${run.step}`;
  try {
    const summary = input.model ? `${label} · ${input.model}` : label;
    const result = options.local
      ? await local.plan.executeWithOptions({ summary, startToCloseTimeout: PLANNER_TIMEOUT_MS, retry: toActivityRetry(PLANNER_RETRY) }, [request])
      : await plan.executeWithOptions({ summary }, [request]);
    // The planner cut the answer to `maxCalls` (and made its call ids unique); it is recorded as it came.
    return run.recordPlan(result);
  } catch (error) {
    if (isCancellation(error)) throw error;
    // A local activity's failure arrives unwrapped (an ApplicationFailure, a TimeoutFailure), a normal one inside an ActivityFailure.
    const localFailure = options.local === true && error instanceof TemporalFailure;
    if (!(error instanceof ActivityFailure) && !localFailure) throw error;
    const cause = error instanceof ActivityFailure ? error.cause : error;
    if (cause instanceof ApplicationFailure) {
      const usage = usageOf(cause);
      if (usage) run.recordUsage(usage);
      throw new PlannerGaveUp({ type: cause.type ?? 'ModelInvocationError', message: cause.message });
    }
    throw new PlannerGaveUp({ type: ERROR_TYPES.modelTimeout, message: cause?.message ?? (error as Error).message });
  }
}
