import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, proxyLocalActivities, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ChatMessage } from '../../contracts/chat-message';
import type { PlanHandoff, PlanRequest, PlanResult, TranscriptDelta } from '../../contracts/planner-io';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import type { TaskError } from '../../contracts/run-result';
import { PLANNER_DELTA_MAX_CHARS, PLANNER_HANDOFF_MS, PLANNER_HEARTBEAT_TIMEOUT_MS, PLANNER_RETRY, PLANNER_TIMEOUT_MS } from '../../contracts/limits';
import { toActivityRetry } from '../../core/retry';
import type { RecordedAnswer, RunState } from './run-state';

type Planner = { plan(request: PlanRequest): Promise<PlanResult | PlanHandoff> };

const { plan } = proxyActivities<Planner>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  heartbeatTimeout: PLANNER_HEARTBEAT_TIMEOUT_MS,
  retry: toActivityRetry(PLANNER_RETRY),
});

/** The same activity, run locally on the workflow's worker (`planner: 'local'`, and `auto` until it hands over). */
const local = proxyLocalActivities<Planner>({
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

/** How a run calls the model (`AgentRunInput.planner`, docs/agent-loop.md "The planner's mode"). */
export type PlannerMode = 'activity' | 'local' | 'auto';

/** How a step asks the model (see {@link askModel}). */
export interface PlannerOptions {
  input: ResolvedAgentRunInput;
  run: RunState;
  /** Cap on calls per answer, sent to the planner, which cuts its answer to it. */
  maxCalls?: number;
  /**
   * How the model is called: `activity`; `local`, a local activity whose request carries the whole transcript; `auto`,
   * a local one handed over to the activity when the model has not answered within PLANNER_HANDOFF_MS.
   * @default 'activity'
   */
  mode?: PlannerMode;
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
  const local = options.mode === 'local' || options.mode === 'auto';
  // A local planner never queries (its own workflow could not answer while the model call holds the workflow task).
  const sender = local ? new TranscriptSender(true) : (options.delta ?? new TranscriptSender());
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
  const summary = input.model ? `${label} · ${input.model}` : label;
  try {
    const result = local ? await askLocally(request, summary, options.mode === 'auto') : await onlyAnswer(plan.executeWithOptions({ summary }, [request]));
    // The planner cut the answer to `maxCalls` (and made its call ids unique); it is recorded as it came.
    return run.recordPlan(result);
  } catch (error) {
    if (isCancellation(error)) throw error;
    // A local activity's failure arrives unwrapped (an ApplicationFailure, a TimeoutFailure), a normal one inside an ActivityFailure.
    const localFailure = local && error instanceof TemporalFailure;
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

/**
 * The model call from a local activity. With `handOver` (a run planning `auto`), a call the model has not answered
 * within PLANNER_HANDOFF_MS comes back as a hand-off: the `plan` activity takes it over (on the same worker when the
 * server dispatches it eagerly, else it asks anew) and heartbeats its text as it writes. Its request carries no
 * transcript: the worker that parked the call has it, another one queries the run, whose workflow task is done.
 */
async function askLocally(request: PlanRequest, summary: string, handOver: boolean): Promise<PlanResult> {
  const options = { summary, startToCloseTimeout: PLANNER_TIMEOUT_MS, retry: toActivityRetry(PLANNER_RETRY) };
  const first = await local.plan.executeWithOptions(options, [handOver ? { ...request, handoffAfterMs: PLANNER_HANDOFF_MS } : request]);
  if (!('handoff' in first)) return first;
  const resume: PlanRequest = { ...request, delta: { from: request.messageCount, messages: [] }, resume: first.handoff.key };
  return onlyAnswer(plan.executeWithOptions({ summary: `${summary} · writing` }, [resume]));
}

/** The activity planner's result: an answer (only a local call given `handoffAfterMs` hands over). */
async function onlyAnswer(result: Promise<PlanResult | PlanHandoff>): Promise<PlanResult> {
  const answer = await result;
  if ('handoff' in answer) throw ApplicationFailure.nonRetryable('the planner activity handed its call over; only a local call may', ERROR_TYPES.modelMalformedOutput);
  return answer;
}
