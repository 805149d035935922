import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { setCurrentDetails } from '@temporalio/workflow';
import type { ToolSpec } from '../../shared/model';
import { actionFromMessage, callsOf } from '../../shared/actions';
import { ERROR_TYPES } from '../../shared/errors';
import {
  AgentRunInputSchema,
  type AgentRunInput,
  type AgentRunResult,
  type PlannerContext,
  type PlanRequest,
  type PlanResult,
  type TaskError,
} from '../../shared/model';
import {
  CATALOGUE_TIMEOUT_MS,
  DEFAULT_CARRIED_TRANSCRIPT_BYTES,
  DEFAULT_MAX_CALLS_PER_ANSWER,
  DEFAULT_STEP_OUTPUT_BYTES,
  MAX_ARGUMENT_DEPTH,
  MIN_CALL_OUTPUT_BYTES,
  PLANNER_HEARTBEAT_TIMEOUT_MS,
  PLANNER_RETRY,
  PLANNER_TIMEOUT_MS,
} from '../../shared/profiles';
import { AGENT_STATE_QUERY, PLANNER_CONTEXT_QUERY } from '../../shared/queries';
import { AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_STATUS, AGENT_STEP } from '../../shared/search-attributes';
import { summarize } from '../../shared/summarize';
import { finalTurnMessage } from '../../shared/transcript';
import { OutputBudget } from './output-budget';
import { PATCHES } from './patches';
import { RunState, type AgentState } from './run-state';
import { Semaphore } from './semaphore';
import { executeCalls, planCalls, type ToolAccess } from './tool-scheduler';

export const plannerContextQuery = defineQuery<PlannerContext>(PLANNER_CONTEXT_QUERY);
export const agentStateQuery = defineQuery<AgentState>(AGENT_STATE_QUERY);

const { describeTools } = proxyActivities<{ describeTools(): Promise<ToolSpec[]> }>({
  startToCloseTimeout: CATALOGUE_TIMEOUT_MS,
  retry: { maximumAttempts: 5 },
});

const { plan } = proxyActivities<{ plan(request: PlanRequest): Promise<PlanResult> }>({
  startToCloseTimeout: PLANNER_TIMEOUT_MS,
  heartbeatTimeout: PLANNER_HEARTBEAT_TIMEOUT_MS,
  retry: {
    maximumAttempts: PLANNER_RETRY.maximumAttempts,
    initialInterval: PLANNER_RETRY.initialIntervalMs,
    backoffCoefficient: PLANNER_RETRY.backoffCoefficient,
    maximumInterval: PLANNER_RETRY.maximumIntervalMs,
  },
});

/** History size at which a run continues as new, well under Temporal's 50 MB limit. */
const DEFAULT_CONTINUE_AS_NEW_BYTES = 8_000_000;
/** Steps of transcript kept whole across continue-as-new. */
const DEFAULT_KEEP_STEPS = 10;

/** Raised inside the loop when the planner gave up; caught below, it ends the run with status `failed`. */
class PlannerGaveUp extends Error {
  override name = 'PlannerGaveUp';
  constructor(
    readonly error: TaskError,
    /** Tokens of a model call that answered but could not be used (for example an answer too large to record). */
    readonly usage?: { inputTokens: number; outputTokens: number },
  ) {
    super(error.message);
  }
}

function plannerGaveUp(error: ActivityFailure): PlannerGaveUp {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { usage?: { inputTokens?: unknown; outputTokens?: unknown } } | undefined;
    const usage = details?.usage;
    const tokens =
      typeof usage?.inputTokens === 'number' && typeof usage.outputTokens === 'number' ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : undefined;
    return new PlannerGaveUp({ type: cause.type ?? 'ModelInvocationError', message: cause.message }, tokens);
  }
  return new PlannerGaveUp({ type: ERROR_TYPES.modelTimeout, message: cause?.message ?? error.message });
}

function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_TYPES.agentInputInvalid, message, nonRetryable: true });
}

/**
 * The agent loop (DESIGN.md §4): plan → tasks → parallel execution under `maxParallel` → summarize → loop,
 * until a final answer, the step cap, a budget, or cancellation. Deterministic: all I/O is in activities.
 */
export async function agentWorkflow(rawInput: AgentRunInput): Promise<AgentRunResult> {
  const parsed = AgentRunInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw invalidInput(`invalid agent input: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ')}`);
  }
  const input = parsed.data;
  // Runs started before the size limits existed replay without them (their histories have no marker).
  const sizeLimits = patched(PATCHES.sizeLimits);
  const maxCalls = input.maxCallsPerAnswer ?? DEFAULT_MAX_CALLS_PER_ANSWER;
  const run = new RunState(input);
  const { startedAt } = run;
  setHandler(plannerContextQuery, () => run.plannerContext());
  setHandler(agentStateQuery, () => run.snapshot());
  const { workflowId, runId } = workflowInfo();

  const askModel = async (finalTurn: boolean): Promise<PlanResult> => {
    const request: PlanRequest = {
      workflowId,
      runId,
      step: run.step,
      finalTurn,
      ...(input.model ? { model: input.model } : {}),
      ...(sizeLimits ? { maxCalls } : {}),
    };
    const label = finalTurn ? 'plan final answer' : `plan step ${run.step}`;
    try {
      const result = await plan.executeWithOptions({ summary: input.model ? `${label} · ${input.model}` : label }, [request]);
      run.recordPlan(result, sizeLimits ? maxCalls : undefined);
      return result;
    } catch (error) {
      if (error instanceof ActivityFailure && !isCancellation(error)) {
        const gaveUp = plannerGaveUp(error);
        if (gaveUp.usage) run.recordUsage(gaveUp.usage);
        throw gaveUp;
      }
      throw error;
    }
  };

  const show = () => setCurrentDetails(run.details());
  /** Keeps the search attributes in step with the run, so `list --status` and the UI can filter on them. */
  const publish = () => {
    if (!input.searchAttributes) return;
    upsertSearchAttributes([
      { key: AGENT_STATUS, value: run.status },
      { key: AGENT_STEP, value: run.step },
      { key: AGENT_INPUT_TOKENS, value: run.usage.inputTokens },
      { key: AGENT_OUTPUT_TOKENS, value: run.usage.outputTokens },
    ]);
  };

  try {
    const catalogue = await describeTools();
    const byName = new Map(catalogue.map((spec) => [spec.name, spec]));
    const unknown = (input.allowedTools ?? []).filter((name) => !byName.has(name));
    if (unknown.length > 0) {
      return run.result('failed', `The run allows tools that no worker registered: ${unknown.join(', ')}.`, {
        type: ERROR_TYPES.agentInputInvalid,
        message: `unknown tools in allowedTools: ${unknown.join(', ')}; registered tools: ${catalogue.map((spec) => spec.name).join(', ') || '(none)'}`,
      });
    }
    const allowed = new Set(input.allowedTools ?? catalogue.map((spec) => spec.name));
    const access: ToolAccess = { catalogue: byName, allowed };
    run.tools = catalogue.filter((spec) => allowed.has(spec.name));
    const semaphore = new Semaphore(input.maxParallel);

    while (run.step < input.maxSteps) {
      // Date.now() in the workflow sandbox is the workflow task's time, recorded in history: replay-safe.
      if (input.budget?.maxWallTimeMs !== undefined && Date.now() - startedAt >= input.budget.maxWallTimeMs) {
        return run.result('budget_exceeded', `Stopped: the wall-time budget of ${input.budget.maxWallTimeMs} ms is used up after ${run.step} steps.`);
      }
      run.step += 1;
      show();
      await askModel(false);
      const answer = run.lastAnswer();
      const action = actionFromMessage(answer.message, sizeLimits ? { maxDepth: MAX_ARGUMENT_DEPTH } : {});
      if (action.type === 'final') return run.result('final', action.answer);
      if (input.budget?.maxTokens !== undefined && run.usage.inputTokens + run.usage.outputTokens >= input.budget.maxTokens) {
        return run.result('budget_exceeded', `Stopped: the token budget of ${input.budget.maxTokens} is used up after ${run.step} steps.`);
      }
      const results = await executeCalls(planCalls(run.step, callsOf(action), access), semaphore, {
        onStart: (task) => {
          run.taskStarted(task);
          show();
        },
        onFinish: (result) => run.taskFinished(result),
      }, sizeLimits ? (activities) => new OutputBudget(input.stepOutputBytes ?? DEFAULT_STEP_OUTPUT_BYTES, activities, MIN_CALL_OUTPUT_BYTES, Number.POSITIVE_INFINITY) : undefined);
      run.recordObservation(summarize(results, input.observationBytesPerCall), answer.dropped, maxCalls);
      show();
      publish();
      const info = workflowInfo();
      const historyLimit = input.continueAsNewAtHistoryBytes ?? DEFAULT_CONTINUE_AS_NEW_BYTES;
      if (run.step < input.maxSteps && (info.continueAsNewSuggested || info.historySize >= historyLimit)) {
        // Same logical run, fresh history: the workflow id stays, the chain is followed by result()/status.
        const keepSteps = input.keepStepsOnContinue ?? DEFAULT_KEEP_STEPS;
        await continueAsNew<typeof agentWorkflow>({ ...rawInput, resume: run.resumeState(keepSteps, sizeLimits ? DEFAULT_CARRIED_TRANSCRIPT_BYTES : undefined) });
      }
    }

    // The step cap: one last turn without tools, so the model can answer from what it has.
    run.messages.push(finalTurnMessage(input.maxSteps));
    const last = await askModel(true);
    const answer = last.message.content.trim();
    return run.result(
      'max_steps',
      `Stopped: max steps reached (${input.maxSteps}).${answer ? ` The model's answer from what it had: ${answer}` : ''}`,
    );
  } catch (error) {
    if (error instanceof PlannerGaveUp) {
      return run.result('failed', `The run failed: the model call gave up (${error.error.type}): ${error.error.message}`, error.error);
    }
    if (isCancellation(error) && CancellationScope.current().consideredCancelled) {
      return run.result('cancelled', `Cancelled after ${run.step} step${run.step === 1 ? '' : 's'}.`);
    }
    throw error;
  } finally {
    show();
    publish();
  }
}
