import { actionFromMessage } from '../../shared/actions';
import { RUN_STATUSES } from '../../shared/contracts/status';
import type { AgentRunResult, ResolvedAgentRunInput } from '../../shared/model';
import { planFromAction } from '../../shared/plan/plan';
import { prepareNode, type ToolAccess } from '../../shared/plan/tasks';
import { DEFAULT_STEP_OUTPUT_BYTES, MAX_ARGUMENT_DEPTH, MIN_CALL_OUTPUT_BYTES } from '../../shared/profiles';
import { summarize } from '../../shared/summarize';
import { OutputBudget } from './output-budget';
import { askModel, type PlannerOptions } from './planner';
import type { Interaction } from './interaction';
import type { RunState } from './run-state';
import type { RunView } from './run-view';
import { runPlan } from './scheduler';
import type { Semaphore } from './semaphore';
import { stopReason } from './stop-reason';

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

/** One step of the loop: plan → graph → schedule → observe. */
export async function step(context: StepContext): Promise<StepOutcome> {
  const { input, run, view, access, semaphore, maxCalls } = context;
  const planner: PlannerOptions = { input, run, ...(maxCalls !== undefined ? { maxCalls } : {}) };
  const inputs = () => ({ step: run.step, usage: run.usage, startedAt: run.startedAt, now: Date.now() });

  const beforeStep = stopReason(inputs(), input, 'before_step');
  if (beforeStep?.status === RUN_STATUSES.maxSteps) return stop(await finalTurn(context, planner));
  if (beforeStep) return stop(run.finish(beforeStep.status, beforeStep.answer));

  run.beginStep();
  view.show();
  const answer = await askModel(planner, false);
  const action = actionFromMessage(answer.message, maxCalls !== undefined ? { maxDepth: MAX_ARGUMENT_DEPTH } : {});
  if (action.type === 'final') return stop(run.finish(RUN_STATUSES.final, action.answer));
  const beforeTools = stopReason(inputs(), input, 'before_tools');
  if (beforeTools && beforeTools.status !== RUN_STATUSES.maxSteps) return stop(run.finish(beforeTools.status, beforeTools.answer));

  const prepared = planFromAction(action, run.step).nodes.map((node) => prepareNode(node, access));
  for (const entry of prepared) if ('task' in entry) run.taskPrepared(entry.task);
  const activities = prepared.filter((entry) => 'task' in entry && entry.task.executor.kind === 'activity').length;
  const results = await runPlan(prepared, {
    semaphore,
    ...(context.interaction ? { interaction: context.interaction } : {}),
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
  run.recordObservation(summarize(results, input.observationBytesPerCall), answer.dropped, maxCalls);
  view.show();
  view.publish();
  return CONTINUE;
}
