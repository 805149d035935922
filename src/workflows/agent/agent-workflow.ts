import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, patched, setHandler, upsertMemo } from '@temporalio/workflow';
import { agentStateQuery, ENDED_EVENT_LOG_MEMO, plannerContextQuery } from '../../shared/contracts/handlers';
import type { WaitingStep } from '../../shared/contracts/workflow-input';
import { RUN_STATUSES } from '../../shared/contracts/status';
import { ERROR_TYPES } from '../../shared/errors';
import { AgentWorkflowInputSchema, type AgentRunResult, type AgentWorkflowInput, type ResolvedAgentRunInput } from '../../shared/model';
import { DEFAULT_CARRIED_TRANSCRIPT_BYTES, DEFAULT_MAX_CALLS_PER_ANSWER, ENDED_LOG_MEMO_BYTES } from '../../shared/profiles';
import { describeIssues } from '../../shared/zod-issues';
import { submitPlanSpec } from '../../shared/plan/dag';
import { loadCatalogue } from './catalogue';
import { HandoverPolicy } from './handover';
import { Interaction } from './interaction';
import { PATCHES } from './patches';
import { PlannerGaveUp, TranscriptSender } from './planner';
import { RunState, SESSION_TURN_ENDINGS } from './run-state';
import { RunView } from './run-view';
import { Semaphore } from './semaphore';
import { step } from './step';

export { agentStateQuery, plannerContextQuery };

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


/** How long an idle session waits for its next message. */
const DEFAULT_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1_000;

/** What a handover carries besides the run's state: the step it waits within, or when an idle session ends. */
interface HandoverPlace {
  waiting?: WaitingStep;
  idleUntil?: number;
}

/**
 * Hands over to the next run of the chain (continue-as-new): same logical run, fresh history and Update count.
 * Only once every Update handler has finished: a decision or a message lands in this run.
 */
async function handOver(rawInput: AgentWorkflowInput, input: ResolvedAgentRunInput, run: RunState, sizeLimits: boolean, interaction: Interaction | undefined, place: HandoverPlace = {}): Promise<never> {
  // Followers are answered (they ask the next run); decisions and replies are synchronous handlers, an idle
  // session's `send` returns its answer in this activation, and a `send` waiting within its turn is answered with
  // `continued` (its client reads the answer from the next run): all of them finish before the run hands over.
  interaction?.releaseFollowers();
  await condition(allHandlersFinished);
  const resume = run.resumeState(input.keepStepsOnContinue ?? DEFAULT_KEEP_STEPS, sizeLimits ? DEFAULT_CARRIED_TRANSCRIPT_BYTES : undefined, place.waiting, place.idleUntil);
  return continueAsNew<typeof agentWorkflow>({ ...rawInput, resume });
}

/**
 * Continues as new between steps when history is large, Temporal suggests it, or (runs with `wait-handover-v1`) many
 * Updates were accepted. A session continues only while idle.
 */
async function continueAsNewIfDue(
  rawInput: AgentWorkflowInput,
  input: ResolvedAgentRunInput,
  run: RunState,
  sizeLimits: boolean,
  policy: HandoverPolicy,
  options: { idle?: boolean; interaction?: Interaction | undefined } = {},
): Promise<void> {
  if (!policy.due()) return;
  if (input.session ? !options.idle : run.step >= input.maxSteps) return;
  await handOver(rawInput, input, run, sizeLimits, options.interaction);
}

/** The tail of an ended run's event log that fits the memo: readers that come later need no worker to replay it. */
function endedLogMemo(run: RunState): Record<string, unknown> {
  return { [ENDED_EVENT_LOG_MEMO]: run.events.endedPage(ENDED_LOG_MEMO_BYTES) };
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
 * The agent loop (docs/architecture.md §3): plan → tasks → parallel execution under `maxParallel` → summarize → loop,
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
  const interactive = patched(PATCHES.interaction);
  // Runs that hand over while they wait, count Updates towards it, and leave their log in the memo (runs started on this code).
  const waitHandover = interactive && patched(PATCHES.waitHandover);
  const policy = new HandoverPolicy(input, waitHandover);
  const interaction = interactive ? new Interaction(run, view, input, policy) : undefined;
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
      ...(waitHandover ? { handover: true } : {}),
    };
    const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    /** An idle session waits for its next message; false when it ended (closed or idled out), with its result. */
    const nextTurn = async (): Promise<AgentRunResult | undefined> => {
      const idleUntil = run.idleUntil(idleTimeoutMs);
      const next = await (interaction as Interaction).awaitMessage(idleUntil);
      if (next === 'handover') return handOver(rawInput, input, run, sizeLimits, interaction, { idleUntil });
      if (next !== 'message') return run.endSession(`The session ended (${next === 'close' ? 'closed' : 'idle timeout'}).`);
      run.beginTurn();
      return undefined;
    };
    const sessions = input.session === true && interaction !== undefined && patched(PATCHES.sessions);
    // A session continued as new while idle: it waits for the next message before it steps.
    if (sessions && run.status === RUN_STATUSES.idle) {
      const ended = await nextTurn();
      if (ended) return ended;
    }
    // A run that handed over within a step goes on in it (once).
    let resume = input.resume?.waiting;
    for (;;) {
      const outcome = await step(context, resume);
      resume = undefined;
      if (outcome.next === 'handover') return await handOver(rawInput, input, run, sizeLimits, interaction, { waiting: outcome.waiting });
      if (outcome.next === 'continue') {
        await continueAsNewIfDue(rawInput, input, run, sizeLimits, policy, { interaction });
        continue;
      }
      if (!sessions || !SESSION_TURN_ENDINGS.has(outcome.result.status)) return outcome.result;
      // A session: the turn is answered; go idle until the next message, the close, or the idle timeout.
      run.turnAnswered(outcome.result);
      await continueAsNewIfDue(rawInput, input, run, sizeLimits, policy, { idle: true, interaction });
      const ended = await nextTurn();
      if (ended) return ended;
    }
  } catch (error) {
    const outcome = outcomeOf(error, run);
    if (outcome) return outcome;
    throw error;
  } finally {
    interaction?.releaseFollowers();
    view.show();
    view.publish();
    if (waitHandover && run.ended) upsertMemo(endedLogMemo(run));
    // Followers were just answered: let their Updates complete with the run rather than be left open.
    if (run.ended && !allHandlersFinished()) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}
