import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, proxyLocalActivities, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../shared/errors';
import type { ChatMessage, PlanRequest, PlanResult, ResolvedAgentRunInput, TaskError } from '../../shared/model';
import { PLANNER_DELTA_MAX_CHARS, PLANNER_HEARTBEAT_TIMEOUT_MS, PLANNER_RETRY, PLANNER_TIMEOUT_MS, toActivityRetry } from '../../shared/profiles';
import type { RecordedAnswer, RunState } from './run-state';

const { plan } = proxyActivities<{ plan(request: PlanRequest): Promise<PlanResult> }>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  heartbeatTimeout: PLANNER_HEARTBEAT_TIMEOUT_MS,
  retry: toActivityRetry(PLANNER_RETRY),
});

/** The same activity, run locally on the workflow's worker (`planner: 'local'`): the transcript goes in its input. */
const local = proxyLocalActivities<{ plan(request: PlanRequest): Promise<PlanResult> }>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  retry: toActivityRetry(PLANNER_RETRY),
});

/** What a local planner is sent: the transcript as it is now, and the catalogue. */
function inlineContext(run: RunState): NonNullable<PlanRequest['context']> {
  const context = run.plannerContext({ step: run.step, messageCount: run.messageCount, includeTools: true });
  return { ...context, tools: context.tools ?? [] };
}

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
 * What this run has sent the planner so far, so that each request carries only the messages added since the
 * previous one; the first request of a run also carries the catalogue. One per run.
 * A delta larger than PLANNER_DELTA_MAX_CHARS is not sent: the request says only where the transcript stands,
 * and the worker queries for it.
 */
export class TranscriptSender {
  private sent = 0;

  next(run: RunState): NonNullable<PlanRequest['delta']> {
    const from = this.sent;
    const context = run.plannerContext({ step: run.step, messageCount: run.messageCount, includeTools: from === 0 });
    const count = context.messages.length;
    this.sent = count;
    const messages = context.messages.slice(from);
    const chars = charsOf(messages);
    if (chars > PLANNER_DELTA_MAX_CHARS) return { from: count, messages: [] };
    const tools = context.tools && chars + JSON.stringify(context.tools).length <= PLANNER_DELTA_MAX_CHARS ? { tools: context.tools } : {};
    return { from, messages, ...tools };
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

export interface PlannerOptions {
  input: ResolvedAgentRunInput;
  run: RunState;
  /** Cap on calls per answer, sent to the planner and enforced on its answer; absent in runs started before it. */
  maxCalls?: number;
  /** Call the model through a local activity with the transcript inline (`planner: 'local'`). */
  local?: boolean;
  /** Send the planner activity the transcript's new messages (the activity planner; a local one gets the transcript inline). */
  delta?: TranscriptSender;
}

/**
 * Asks the model for the next action through the `plan` activity. The request is a small reference (the
 * workflow, the step and how many messages to read), so the transcript enters history once, as observations.
 */
export async function askModel(options: PlannerOptions, finalTurn: boolean): Promise<RecordedAnswer> {
  const { input, run, maxCalls } = options;
  const { workflowId, runId } = workflowInfo();
  const request: PlanRequest = {
    workflowId,
    runId,
    step: run.step,
    finalTurn,
    messageCount: run.messageCount,
    ...(input.model ? { model: input.model } : {}),
    ...(maxCalls !== undefined ? { maxCalls } : {}),
  };
  const label = finalTurn ? 'plan final answer' : `plan step ${run.step}`;
  try {
    const summary = input.model ? `${label} · ${input.model}` : label;
    const result = options.local
      ? await local.plan.executeWithOptions({ summary, startToCloseTimeout: PLANNER_TIMEOUT_MS, retry: toActivityRetry(PLANNER_RETRY) }, [{ ...request, context: inlineContext(run) }])
      : await plan.executeWithOptions({ summary }, [options.delta ? { ...request, delta: options.delta.next(run) } : request]);
    return run.recordPlan(result, maxCalls);
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
