import { patched } from '@temporalio/workflow';
import { actionFromMessage, callsOf } from '../../shared/actions';
import { ERROR_TYPES } from '../../shared/errors';
import type { ToolCallAction } from '../../shared/model';
import { budgetFinalTurnMessage } from '../../shared/transcript';
import { PATCHES } from './patches';
import { RUN_STATUSES } from '../../shared/contracts/status';
import type { AgentRunResult, ResolvedAgentRunInput } from '../../shared/model';
import { foldPlans, stepGraph } from '../../shared/plan/graph';
import type { ToolAccess } from '../../shared/plan/tasks';
import { DEFAULT_STEP_OUTPUT_BYTES, MAX_ARGUMENT_DEPTH, MIN_CALL_OUTPUT_BYTES } from '../../shared/profiles';
import { summarize } from '../../shared/summarize';
import { OutputBudget } from './output-budget';
import { askModel, type PlannerOptions, type TranscriptSender } from './planner';
import type { Interaction } from './interaction';
import type { RunState } from './run-state';
import type { RunView } from './run-view';
import { runPlan } from './scheduler';
import type { Semaphore } from './semaphore';
import { stopReason, type StopMoment, type StopReason } from './stop-reason';

/** What a step needs, fixed for the whole run. */
export interface StepContext {
  input: ResolvedAgentRunInput;
  run: RunState;
  view: RunView;
  access: ToolAccess;
  semaphore: Semaphore;
  /** Set in runs started with the size limits (patch `size-limits-v1`): the cap on calls per answer. */
  maxCalls?: number;
  /** Approvals and questions (patch `interaction-v1`). */
  interaction?: Interaction;
  /** `submit_plan` calls run as checked graphs (runs with `planning` `dag` or `auto`, patch `plans-v1`). */
  plans?: boolean;
  /** The model is called through a local activity (runs with `planner: 'local'`, patch `local-planner-v1`). */
  localPlanner?: boolean;
  /** The planner activity is sent the transcript's new messages (patch `planner-delta-v1`). */
  plannerDelta?: TranscriptSender;
  /** Fewer promises per call (patch `lean-scheduling-v1`); the semaphore was made to match. */
  lean?: boolean;
}

/** After a step: go on, or stop with this result. */
export type StepOutcome = { next: 'continue' } | { next: 'stop'; result: AgentRunResult };

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
 * Runs started before budgets could pause (no `budgets-v1` marker) stop at once, as they did.
 */
async function budgetExhausted(context: StepContext, planner: PlannerOptions, reason: StopReason, moment: StopMoment, unrun: readonly ToolCallAction[] = []): Promise<'resumed' | AgentRunResult> {
  const { run, input } = context;
  const why = 'answer' in reason ? reason.answer : 'Stopped: the budget is used up.';
  if (!patched(PATCHES.budgets)) return run.finish(RUN_STATUSES.budgetExceeded, why);
  if (input.budget?.onExhausted === 'pause' && context.interaction) {
    await context.interaction.awaitBudget(() => stopReason(stopInputs(run), { maxSteps: input.maxSteps, budget: run.budget() }, moment)?.status === RUN_STATUSES.budgetExceeded, why);
    return 'resumed';
  }
  if (unrun.length > 0) {
    const notRun = unrun.map((call, index) => ({
      id: `s${run.step}-${index + 1}`,
      callId: call.id,
      tool: call.tool,
      ok: false,
      error: { type: ERROR_TYPES.toolSkipped, message: 'not run: the budget is used up' },
      durationMs: 0,
    }));
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

/** One step of the loop: plan → graph → schedule → observe. */
export async function step(context: StepContext): Promise<StepOutcome> {
  const { input, run, view, access, semaphore, maxCalls } = context;
  const planner: PlannerOptions = {
    input,
    run,
    ...(maxCalls !== undefined ? { maxCalls } : {}),
    ...(context.localPlanner ? { local: true } : {}),
    ...(context.plannerDelta ? { delta: context.plannerDelta } : {}),
  };
  const limits = () => ({ maxSteps: input.maxSteps, budget: run.budget() });

  const beforeStep = stopReason(stopInputs(run), limits(), 'before_step');
  if (beforeStep?.status === RUN_STATUSES.maxSteps) return stop(await finalTurn(context, planner));
  if (beforeStep) {
    const outcome = await budgetExhausted(context, planner, beforeStep, 'before_step');
    if (outcome !== 'resumed') return stop(outcome);
  }

  run.beginStep();
  view.show();
  const answer = await askModel(planner, false);
  const action = actionFromMessage(answer.message, maxCalls !== undefined ? { maxDepth: MAX_ARGUMENT_DEPTH } : {});
  if (action.type === 'final') return stop(run.finish(RUN_STATUSES.final, action.answer));
  const beforeTools = stopReason(stopInputs(run), limits(), 'before_tools');
  if (beforeTools) {
    const outcome = await budgetExhausted(context, planner, beforeTools, 'before_tools', callsOf(action));
    if (outcome !== 'resumed') return stop(outcome);
  }

  const checked = { ...access, refuseInvalidInput: () => patched(PATCHES.inputCheck) };
  const { prepared, accepted } = stepGraph(action, run.step, checked, context.plans === true, maxCalls);
  for (const plan of accepted) run.planAccepted(plan);
  for (const entry of prepared) if ('task' in entry) run.people.noteCall(entry.task);
  const activities = prepared.filter((entry) => 'task' in entry && entry.task.executor.kind === 'activity').length;
  const results = await runPlan(prepared, {
    semaphore,
    ...(context.lean ? { lean: true } : {}),
    ...(context.interaction ? { interaction: context.interaction } : {}),
    ...(input.toolUnavailableAfterMs !== undefined ? { toolUnavailableAfterMs: input.toolUnavailableAfterMs } : {}),
    hooks: {
      onStart: (task) => {
        run.taskStarted(task);
        view.show();
      },
      onFinish: (result) => run.taskFinished(result),
    },
    ...(maxCalls !== undefined
      ? { budget: new OutputBudget(input.stepOutputBytes ?? DEFAULT_STEP_OUTPUT_BYTES, activities, MIN_CALL_OUTPUT_BYTES, Number.POSITIVE_INFINITY) }
      : {}),
  });
  run.recordObservation(foldPlans(summarize(results, input.observationBytesPerCall), accepted), answer.dropped, maxCalls);
  view.show();
  view.publish();
  return CONTINUE;
}
