import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { agentStateQuery, plannerContextQuery } from '../../shared/contracts/handlers';
import { RUN_STATUSES } from '../../shared/contracts/status';
import { ERROR_TYPES } from '../../shared/errors';
import { AgentWorkflowInputSchema, type AgentRunResult, type AgentWorkflowInput, type ResolvedAgentRunInput } from '../../shared/model';
import { DEFAULT_CARRIED_TRANSCRIPT_BYTES, DEFAULT_MAX_CALLS_PER_ANSWER } from '../../shared/profiles';
import { describeIssues } from '../../shared/zod-issues';
import { submitPlanSpec } from '../../shared/plan/dag';
import { loadCatalogue } from './catalogue';
import { Interaction } from './interaction';
import { PATCHES } from './patches';
import { PlannerGaveUp, TranscriptSender } from './planner';
import { RunState } from './run-state';
import { RunView } from './run-view';
import { Semaphore } from './semaphore';
import { step } from './step';

export { agentStateQuery, plannerContextQuery };

/** History size at which a run continues as new, well under Temporal's 50 MB limit. */
const DEFAULT_CONTINUE_AS_NEW_BYTES = 8_000_000;
/** Steps of transcript kept whole across continue-as-new. */
const DEFAULT_KEEP_STEPS = 10;

/**
 * The run's input, validated; or, when it is invalid, the `failed` result that says why (every agent outcome is a
 * result). Runs started before that rule existed failed their workflow instead, and replay keeps it so.
 */
function parseInput(rawInput: AgentWorkflowInput): { input: ResolvedAgentRunInput } | { invalid: AgentRunResult } {
  const parsed = AgentWorkflowInputSchema.safeParse(rawInput);
  if (parsed.success) return { input: parsed.data };
  const error = { type: ERROR_TYPES.agentInputInvalid, message: `invalid agent input: ${describeIssues(parsed.error)}` };
  if (!patched(PATCHES.outcomeRule)) throw ApplicationFailure.create({ ...error, nonRetryable: true });
  const usage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  return { invalid: { status: RUN_STATUSES.failed, answer: `The run did not start: its input is invalid (${error.message}).`, steps: 0, usage, toolCalls: { ok: 0, failed: 0 }, error } };
}

/** Turn endings after which a session goes idle (failures and cancellation end it). */
const TURN_ENDINGS: ReadonlySet<string> = new Set([RUN_STATUSES.final, RUN_STATUSES.maxSteps, RUN_STATUSES.budgetExceeded]);

/** How long an idle session waits for its next message. */
const DEFAULT_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1_000;

/**
 * Continues as new when history is large (or Temporal suggests it): same logical run, fresh history. A session
 * continues only while idle (`idle`), and only once every update handler has finished: a decision or a message must
 * land in this run.
 */
async function continueAsNewIfDue(
  rawInput: AgentWorkflowInput,
  input: ResolvedAgentRunInput,
  run: RunState,
  sizeLimits: boolean,
  options: { idle?: boolean; interaction?: Interaction | undefined } = {},
): Promise<void> {
  const info = workflowInfo();
  const historyLimit = input.continueAsNewAtHistoryBytes ?? DEFAULT_CONTINUE_AS_NEW_BYTES;
  if (!(info.continueAsNewSuggested || info.historySize >= historyLimit)) return;
  if (input.session ? !options.idle : run.step >= input.maxSteps) return;
  // Followers are answered (they ask the next run); decisions and replies are synchronous handlers, and an idle
  // session's `send` returns its answer in this activation: all of them finish before the run hands over.
  options.interaction?.releaseFollowers();
  await condition(allHandlersFinished);
  const resume = run.resumeState(input.keepStepsOnContinue ?? DEFAULT_KEEP_STEPS, sizeLimits ? DEFAULT_CARRIED_TRANSCRIPT_BYTES : undefined);
  await continueAsNew<typeof agentWorkflow>({ ...rawInput, resume });
}

/** The result of an error that ends the run with a status, or undefined for errors that must fail the workflow. */
function outcomeOf(error: unknown, run: RunState): AgentRunResult | undefined {
  if (error instanceof PlannerGaveUp) {
    return run.finish(RUN_STATUSES.failed, `The run failed: the model call gave up (${error.error.type}): ${error.error.message}`, error.error);
  }
  if (isCancellation(error) && CancellationScope.current().consideredCancelled) {
    return run.finish(RUN_STATUSES.cancelled, `Cancelled after ${run.step} step${run.step === 1 ? '' : 's'}.`);
  }
  return undefined;
}

/**
 * The agent loop (DESIGN.md §4): plan → tasks → parallel execution under `maxParallel` → summarize → loop,
 * until a final answer, the step cap, a budget, or cancellation. Wiring only: the step is in `step.ts`, the
 * state machine in `run-state.ts`. Deterministic: all I/O is in activities.
 */
export async function agentWorkflow(rawInput: AgentWorkflowInput): Promise<AgentRunResult> {
  const parsed = parseInput(rawInput);
  if ('invalid' in parsed) return parsed.invalid;
  const { input } = parsed;
  // Runs started before the size limits existed replay without them (their histories have no marker).
  const sizeLimits = patched(PATCHES.sizeLimits);
  const localPlanner = input.planner === 'local' && patched(PATCHES.localPlanner);
  // The planner activity is sent the transcript's new messages, not just their count (runs started on this code).
  const plannerDelta = !localPlanner && patched(PATCHES.plannerDelta) ? new TranscriptSender() : undefined;
  // Permits taken without a `condition` round when free, and no promise of its own per call (runs started on this code).
  const lean = patched(PATCHES.leanScheduling);
  const run = new RunState(input);
  const view = new RunView(run, input);
  setHandler(plannerContextQuery, (request) => run.plannerContext(request));
  setHandler(agentStateQuery, () => run.snapshot());
  // Runs started before approvals and questions existed keep running without them.
  const interaction = patched(PATCHES.interaction) ? new Interaction(run, view, input) : undefined;
  interaction?.register();

  try {
    const catalogue = await loadCatalogue(input);
    if ('problem' in catalogue) return run.finish(RUN_STATUSES.failed, catalogue.problem.answer, catalogue.problem.error);
    // Plans with dependencies: `submit_plan` is offered with the tools (runs that plan with it only).
    const planning = input.planning === 'dag' || input.planning === 'auto' ? input.planning : undefined;
    const plans = planning !== undefined && patched(PATCHES.plans);
    run.recordCatalogue(plans && planning ? [...catalogue.tools, submitPlanSpec(planning)] : catalogue.tools);
    const context = {
      input,
      run,
      view,
      access: catalogue.access,
      semaphore: new Semaphore(input.maxParallel, lean),
      ...(sizeLimits ? { maxCalls: input.maxCallsPerAnswer ?? DEFAULT_MAX_CALLS_PER_ANSWER } : {}),
      ...(interaction ? { interaction } : {}),
      ...(plans ? { plans } : {}),
      ...(localPlanner ? { localPlanner } : {}),
      ...(plannerDelta ? { plannerDelta } : {}),
      ...(lean ? { lean } : {}),
    };
    const sessions = input.session === true && interaction !== undefined && patched(PATCHES.sessions);
    // A session continued as new while idle: it waits for the next message before it steps.
    if (sessions && run.status === RUN_STATUSES.idle) {
      const next = await interaction.awaitMessage(input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      if (next !== 'message') return run.endSession(`The session ended (${next === 'close' ? 'closed' : 'idle timeout'}).`);
      run.beginTurn();
    }
    for (;;) {
      const outcome = await step(context);
      if (outcome.next === 'continue') {
        await continueAsNewIfDue(rawInput, input, run, sizeLimits, { interaction });
        continue;
      }
      if (!sessions || !TURN_ENDINGS.has(outcome.result.status)) return outcome.result;
      // A session: the turn is answered; go idle until the next message, the close, or the idle timeout.
      run.turnAnswered(outcome.result);
      await continueAsNewIfDue(rawInput, input, run, sizeLimits, { idle: true, interaction });
      const next = await interaction.awaitMessage(input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
      if (next !== 'message') return run.endSession(`The session ended (${next === 'close' ? 'closed' : 'idle timeout'}).`);
      run.beginTurn();
    }
  } catch (error) {
    const outcome = outcomeOf(error, run);
    if (outcome) return outcome;
    throw error;
  } finally {
    interaction?.releaseFollowers();
    view.show();
    view.publish();
    // Followers were just answered: let their Updates complete with the run rather than be left open.
    if (run.ended && !allHandlersFinished()) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}
