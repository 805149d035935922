import { CancellationScope, condition } from '@temporalio/workflow';
import { actionFromMessage, callsOf } from '../../core/actions';
import { ERROR_TYPES } from '../../contracts/error-types';
import { failedResult } from '../../core/task-result';
import type { AgentAction, TaskResult, ToolCallAction } from '../../core/model';
import type { WaitingStep } from '../../contracts/workflow-input';
import { boundText, outputText, utf8Bytes } from '../../core/summarize';
import { budgetFinalTurnMessage } from '../../core/transcript';
import type { Features } from './features';
import { RUN_STATUSES } from '../../contracts/status';
import type { AgentRunResult } from '../../contracts/run-result';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { foldPlans, stepGraph, type AcceptedPlan } from '../../core/plan/graph';
import type { ToolAccess } from '../../core/plan/tasks';
import { DEFAULT_STEP_OUTPUT_BYTES, MAX_ARGUMENT_DEPTH, MIN_CALL_OUTPUT_BYTES } from '../../contracts/limits';
import { summarize } from '../../core/summarize';
import { OutputBudget } from './output-budget';
import { askModel, type GivenAnswer, type PlannerMode, type PlannerOptions, type TranscriptSender } from './planner';
import type { RunWaits } from './waits';
import type { RecordedAnswer, RunState } from './run-state';
import type { RunView } from './run-view';
import { runPlan } from './scheduler';
import type { ExecutionContext, ResumedStep } from './executors';
import type { Semaphore } from './semaphore';
import { stopReason, type StopMoment, type StopReason } from './stop-reason';

/** What a step needs, fixed for the whole run. */
export interface StepContext {
  input: ResolvedAgentRunInput;
  run: RunState;
  view: RunView;
  access: ToolAccess;
  semaphore: Semaphore;
  /** What the run's code path is (computed once when it started). */
  features: Features;
  /** The cap on calls per answer. */
  maxCalls: number;
  /** Approvals, questions, messages and budget raises. */
  interaction: RunWaits;
  /** `submit_plan` calls run as checked graphs (runs with `planning` `dag` or `auto`). */
  plans: boolean;
  /** How the model is called (the run's `planner`, `auto` by default for runs of the `plannerAuto` feature). */
  plannerMode: PlannerMode;
  /** The planner activity is sent the transcript's new messages (runs on the activity planner). */
  plannerDelta?: TranscriptSender;
  /** A fork's answer for its first step, instead of the model's (docs/forks.md). */
  given?: GivenAnswer;
}

/** After a step: go on, stop with this result, or hand over to the next run while waiting (continue-as-new). */
export type StepOutcome = { next: 'continue' } | { next: 'stop'; result: AgentRunResult } | { next: 'handover'; waiting: WaitingStep };

const CONTINUE: StepOutcome = { next: 'continue' };

function stop(result: AgentRunResult): StepOutcome {
  return { next: 'stop', result };
}

/** The step cap: one last turn without tools, so the model can answer from what it has. */
async function finalTurn(context: StepContext, planner: PlannerOptions): Promise<AgentRunResult> {
  const { run, input } = context;
  run.beginFinalTurn();
  const last = await askModel(planner, true);
  const answer = last.message.content.trim();
  return run.finish(RUN_STATUSES.maxSteps, `Stopped: max steps reached (${input.maxSteps}).${answer ? ` The model's answer from what it had: ${answer}` : ''}`);
}

/**
 * The budget is used up. `onExhausted: 'pause'`: wait (status `waiting_for_budget`) until a raise lifts it, then go
 * on. Otherwise the calls the model asked for get "not run" results and the model gets one tool-less turn.
 */
async function budgetExhausted(
  context: StepContext,
  planner: PlannerOptions,
  reason: StopReason,
  moment: StopMoment,
  unrun: readonly ToolCallAction[] = [],
): Promise<'resumed' | 'handover' | AgentRunResult> {
  const { run, input } = context;
  const why = 'answer' in reason ? reason.answer : 'Stopped: the budget is used up.';
  if (input.budget?.onExhausted === 'pause') {
    const stillExhausted = () => stopReason(stopInputs(run), { maxSteps: input.maxSteps, budget: run.budget.current() }, moment)?.status === RUN_STATUSES.budgetExceeded;
    const lifted = await context.interaction.awaitBudget(stillExhausted, why);
    return lifted === 'lifted' ? 'resumed' : 'handover';
  }
  if (unrun.length > 0) {
    const notRun = unrun.map((call, index) => failedResult({ id: `s${run.step}-${index + 1}`, callId: call.id, tool: call.tool }, { type: ERROR_TYPES.toolSkipped, message: 'not run: the budget is used up' }));
    run.recordObservation(summarize(notRun, input.observationBytesPerCall));
  }
  run.beginFinalTurn(budgetFinalTurnMessage(why.replace(/^Stopped: /, 'The budget is used up: ')));
  const last = await askModel(planner, true);
  const answer = last.message.content.trim();
  return run.finish(RUN_STATUSES.budgetExceeded, `${why}${answer ? ` The model's answer from what it had: ${answer}` : ''}`);
}

function stopInputs(run: RunState) {
  return { step: run.turnStep, usage: run.usage, startedAt: run.startedAt, now: Date.now() };
}

/**
 * One step of the loop: plan → graph → schedule → observe. `resume`: the previous run of the chain handed over
 * within this step while it waited (for a budget raise, or for people among its calls); the step goes on from there.
 */
export async function step(context: StepContext, resume?: WaitingStep): Promise<StepOutcome> {
  const { input, run, maxCalls } = context;
  const planner: PlannerOptions = {
    input,
    run,
    ...(maxCalls !== undefined ? { maxCalls } : {}),
    mode: context.plannerMode,
    ...(context.plannerDelta ? { delta: context.plannerDelta } : {}),
  };
  const limits = () => ({ maxSteps: input.maxSteps, budget: run.budget.current() });

  let answer: RecordedAnswer;
  if (resume?.at === 'before_tools' || resume?.at === 'tools') {
    answer = run.resumedAnswer(resume.dropped);
  } else {
    // A pause asked for by a client takes effect here, between steps (and goes on here after a handover while paused).
    if ((await context.interaction.pausePoint()) === 'handover') return { next: 'handover', waiting: { at: 'before_step' } };
    const beforeStep = stopReason(stopInputs(run), limits(), 'before_step');
    if (beforeStep?.status === RUN_STATUSES.maxSteps) return stop(await finalTurn(context, planner));
    if (beforeStep) {
      const outcome = await budgetExhausted(context, planner, beforeStep, 'before_step');
      if (outcome === 'handover') return { next: 'handover', waiting: { at: 'before_step' } };
      if (outcome !== 'resumed') return stop(outcome);
    }
    run.beginStep();
    answer = context.given?.take(run) ?? (await askModel(planner, false));
  }
  const action = actionFromMessage(answer.message, maxCalls !== undefined ? { maxDepth: MAX_ARGUMENT_DEPTH } : {});
  if (action.type === 'final') return stop(run.finish(RUN_STATUSES.final, action.answer));
  if (resume?.at !== 'tools') {
    const beforeTools = stopReason(stopInputs(run), limits(), 'before_tools');
    if (beforeTools) {
      const outcome = await budgetExhausted(context, planner, beforeTools, 'before_tools', callsOf(action));
      if (outcome === 'handover') return { next: 'handover', waiting: { at: 'before_tools', ...(answer.dropped ? { dropped: answer.dropped } : {}) } };
      if (outcome !== 'resumed') return stop(outcome);
    }
  }
  return runTools(context, answer, action, resume?.at === 'tools' ? resume : undefined);
}

/**
 * Bytes of finished results a handover within a step carries: the carried input must stay under Temporal's 2 MB
 * payload limit, with the transcript's own 400 KB beside it.
 */
const CARRIED_RESULTS_BYTES = 1_000_000;

/**
 * The finished results a handover carries: whole when they fit, otherwise each output cut to the observation's preview
 * size (marked as cut, as the tool activity marks its own cuts: a reference into it then says it cannot be reached).
 */
function carriedResults(results: readonly TaskResult[], previewBytes: number): TaskResult[] {
  if (carriedBytes(results) <= CARRIED_RESULTS_BYTES) return [...results];
  return results.map((result) => {
    if (!result.ok) return result;
    const text = outputText(result.output);
    const bound = boundText(text, previewBytes, result.outputBytes);
    if (bound.omittedBytes === 0) return result;
    return { ...result, output: bound.preview, outputBytes: bound.bytes, outputKind: result.outputKind ?? kindOf(result.output) };
  });
}

function kindOf(output: unknown): NonNullable<TaskResult['outputKind']> {
  if (output === null) return 'null';
  if (Array.isArray(output)) return 'array';
  const kind = typeof output;
  return kind === 'string' || kind === 'number' || kind === 'boolean' ? kind : 'object';
}

/** What the calls of a step carried from the previous run took of the step's output budget. */
function carriedBytes(results: readonly TaskResult[]): number {
  return results.reduce((bytes, result) => bytes + utf8Bytes(JSON.stringify(result.output ?? null)), 0);
}

/** The step's calls: graph → schedule (eagerly, under the semaphore, gates for people) → observation. */
async function runTools(context: StepContext, answer: RecordedAnswer, action: AgentAction, resume?: WaitingStep): Promise<StepOutcome> {
  const { input, run, view, access, semaphore, maxCalls } = context;
  const { prepared, accepted } = stepGraph(action, run.step, access, context.plans, maxCalls);
  // After a handover the plans and calls were logged by the previous run.
  if (!resume) for (const plan of accepted) run.planAccepted(plan);
  for (const entry of prepared) if ('task' in entry) run.people.noteCall(entry.task);
  const carried = (resume?.results ?? []) as unknown as TaskResult[];
  const resumed: ResumedStep | undefined = resume ? { results: new Map(carried.map((result) => [result.id, result])), gates: new Map((resume.gates ?? []).map((gate) => [gate.taskId, gate])) } : undefined;
  const activities = prepared.filter((entry) => 'task' in entry && entry.task.executor.kind === 'activity' && !resumed?.results.has(entry.node.id)).length;
  const finished: TaskResult[] = [...carried];
  // Calls and timers in flight (from the hooks, with no promise of their own): a run hands over only when none is.
  const inFlight = new Set<string>();
  const execution: ExecutionContext = {
    semaphore,
    interaction: context.interaction,
    ...(input.toolUnavailableAfterMs !== undefined ? { toolUnavailableAfterMs: input.toolUnavailableAfterMs } : {}),
    ...(resumed ? { resumed } : {}),
    ...(input.fork ? { lineage: input.fork.lineage } : {}),
    ...(input.recordedTools ? { recordedTools: input.recordedTools } : {}),
    subAgents: {
      path: input.agentPath ?? [],
      parentGoal: input.goal,
      budgetLeft: () => run.budget.left(),
      flags: {
        ...(input.searchAttributes ? { searchAttributes: true } : {}),
        ...(input.costAttribute ? { costAttribute: true } : {}),
        // A child hands over (continue-as-new) as its parent does.
        ...(input.continueAsNewAtHistoryBytes !== undefined ? { continueAsNewAtHistoryBytes: input.continueAsNewAtHistoryBytes } : {}),
        ...(input.continueAsNewAfterUpdates !== undefined ? { continueAsNewAfterUpdates: input.continueAsNewAfterUpdates } : {}),
      },
      started: 0,
    },
    hooks: {
      onStart: (task) => {
        if (task.executor.kind !== 'question') inFlight.add(task.id);
        run.taskStarted(task);
      },
      onFinish: (result) => {
        inFlight.delete(result.id);
        run.taskFinished(result);
        finished.push(result);
      },
      onResumed: (task) => run.taskResumed(task),
    },
    budget: new OutputBudget((input.stepOutputBytes ?? DEFAULT_STEP_OUTPUT_BYTES) - carriedBytes(carried), activities, MIN_CALL_OUTPUT_BYTES, Number.POSITIVE_INFINITY),
  };
  if (resume) view.show();
  const { interaction } = context;
  // Only a step with a call that may wait for a person can hand over within itself; the others need no scope.
  const mayWait = resume !== undefined || prepared.some((entry) => 'task' in entry && (entry.task.requiresApproval === true || entry.task.executor.kind === 'question'));
  if (!mayWait) return observed(context, await runPlan(prepared, execution), answer, accepted);
  const scope = new CancellationScope();
  let settled = false;
  const planned = scope.run(() => runPlan(prepared, execution)).finally(() => {
    settled = true;
  });
  // Hand over only when nothing but people is awaited: no call or timer in flight, none waiting for a permit, and
  // every parked call still undecided. Not cancellable: a cancelled run waits for its calls' cancellation below.
  const quiet = CancellationScope.nonCancellable(() =>
    condition(() => settled || (inFlight.size === 0 && semaphore.idle && interaction.gatesUndecided() && interaction.handoverDue())),
  );
  await Promise.race([planned.catch(() => undefined), quiet]);
  if (!settled) {
    const carry = carriedResults(finished, input.observationBytesPerCall) as unknown as NonNullable<WaitingStep['results']>;
    const waiting: WaitingStep = { at: 'tools', ...(answer.dropped ? { dropped: answer.dropped } : {}), results: carry, gates: interaction.parkedGates() };
    scope.cancel();
    await planned.catch(() => undefined);
    return { next: 'handover', waiting };
  }
  return observed(context, await planned, answer, accepted);
}

/** The step's results become its observation in the transcript. */
function observed(context: StepContext, results: readonly TaskResult[], answer: RecordedAnswer, accepted: readonly AcceptedPlan[]): StepOutcome {
  const { input, run, view, maxCalls } = context;
  run.recordObservation(foldPlans(summarize(results, input.observationBytesPerCall), accepted), answer.dropped, maxCalls);
  view.show();
  view.publish();
  return CONTINUE;
}
