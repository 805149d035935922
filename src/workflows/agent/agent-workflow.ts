import { allHandlersFinished, CancellationScope, condition, continueAsNew, isCancellation, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { agentStateQuery, forkPointQuery, lastAnswerQuery, ENDED_EVENT_LOG_MEMO, plannerContextQuery } from '../../contracts/definitions';
import type { AgentRunInput } from '../../contracts/run-input';
import type { WaitingStep } from '../../contracts/workflow-input';
import { RUN_STATUSES } from '../../contracts/status';
import { ERROR_TYPES } from '../../contracts/error-types';
import { AgentWorkflowInputSchema, type AgentWorkflowInput, type ResolvedAgentRunInput } from '../../contracts/workflow-input';
import { type AgentRunResult } from '../../contracts/run-result';
import { DEFAULT_CARRIED_TRANSCRIPT_BYTES, DEFAULT_MAX_CALLS_PER_ANSWER, ENDED_LOG_MEMO_BYTES } from '../../contracts/limits';
import { describeIssues } from '../../core/zod-issues';
import { submitPlanSpec } from '../../core/plan/dag';
import { fastToolsOf, loadCatalogue } from './catalogue';
import { HandoverPolicy } from './handover';
import { RunWaits } from './waits';
import { featuresAtStart } from './features';
import { GivenAnswer, PlannerGaveUp, TranscriptSender } from './planner';
import { RunState, SESSION_TURN_ENDINGS } from './run-state';
import { RunView } from './run-view';
import { Semaphore } from './semaphore';
import { step, type StepContext } from './step';

export { agentStateQuery, plannerContextQuery };

/** Steps of transcript kept whole across continue-as-new. */
const DEFAULT_KEEP_STEPS = 10;

/** The run's input, validated; or, when it is invalid, the `failed` result that says why (every agent outcome is a result). */
function parseInput(rawInput: AgentWorkflowInput): { input: ResolvedAgentRunInput } | { invalid: AgentRunResult } {
  const parsed = AgentWorkflowInputSchema.safeParse(rawInput);
  if (parsed.success) return { input: parsed.data };
  const error = { type: ERROR_TYPES.agentInputInvalid, message: `invalid agent input: ${describeIssues(parsed.error)}` };
  const usage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  return { invalid: { status: RUN_STATUSES.failed, answer: `The run did not start: its input is invalid (${error.message}).`, steps: 0, usage, toolCalls: { ok: 0, failed: 0 }, error } };
}


/** The run's input as its client gave it, without what the runtime adds (what a fork starts from). */
function publicInput(rawInput: AgentWorkflowInput): AgentRunInput {
  const { searchAttributes: _searchAttributes, costAttribute: _costAttribute, resume: _resume, fork: _fork, ...input } = rawInput;
  return input;
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
async function handOver(rawInput: AgentWorkflowInput, input: ResolvedAgentRunInput, run: RunState, interaction: RunWaits, place: HandoverPlace = {}): Promise<never> {
  // Followers are answered (they ask the next run); decisions and replies are synchronous handlers, an idle
  // session's `send` returns its answer in this activation, and a `send` waiting within its turn is answered with
  // `continued` (its client reads the answer from the next run): all of them finish before the run hands over.
  interaction.releaseFollowers();
  await condition(allHandlersFinished);
  const resume = run.resumeState(input.keepStepsOnContinue ?? DEFAULT_KEEP_STEPS, DEFAULT_CARRIED_TRANSCRIPT_BYTES, place.waiting, place.idleUntil);
  // A fork's seed served its first run; the next ones keep only where it came from.
  const fork = rawInput.fork ? { fork: { ...rawInput.fork, seed: undefined } } : {};
  return continueAsNew<typeof agentWorkflow>({ ...rawInput, ...fork, resume });
}

/**
 * Continues as new between steps when history is large, Temporal suggests it, or many Updates were accepted. A
 * session continues only while idle.
 */
async function continueAsNewIfDue(rawInput: AgentWorkflowInput, input: ResolvedAgentRunInput, run: RunState, policy: HandoverPolicy, options: { idle?: boolean; interaction: RunWaits }): Promise<void> {
  if (!policy.due()) return;
  if (input.session ? !options.idle : run.step >= input.maxSteps) return;
  await handOver(rawInput, input, run, options.interaction);
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
  // What this run's code path is, computed once (docs/versioning.md): the baseline, plus any feature since.
  const features = featuresAtStart();
  // A fork seed is honoured by runs of the `forks` feature only (one started without it never read it).
  const input = features.forks ? parsed.input : { ...parsed.input, fork: undefined };
  // Runs of the `plannerAuto` feature plan `auto` unless their input says otherwise; earlier ones used the activity.
  const plannerMode = input.planner ?? (features.plannerAuto ? 'auto' : 'activity');
  const run = new RunState(input);
  const view = new RunView(run, input, features);
  setHandler(plannerContextQuery, (request) => run.plannerContext(request));
  setHandler(forkPointQuery, ({ step: at }) => run.forkPoint(at, publicInput(rawInput), workflowInfo().continuedFromExecutionRunId));
  setHandler(agentStateQuery, () => run.snapshot());
  setHandler(lastAnswerQuery, () => run.lastAnswer());
  const policy = new HandoverPolicy(input, features);
  const interaction = new RunWaits(run, view, input, policy);
  interaction.register();

  try {
    const catalogue = await loadCatalogue(input);
    if ('problem' in catalogue) return run.finish(RUN_STATUSES.failed, catalogue.problem.answer, catalogue.problem.error);
    // Fast steps (docs/fast-steps.md): runs of the feature call their fast tools as local activities.
    const fast = features.fastSteps ? fastToolsOf(catalogue.access.catalogue, input.fastTools) : undefined;
    if (fast && 'problem' in fast) return run.finish(RUN_STATUSES.failed, fast.problem.answer, fast.problem.error);
    // Plans with dependencies: `submit_plan` is offered with the tools (runs that plan with it only).
    const planning = input.planning === 'dag' || input.planning === 'auto' ? input.planning : undefined;
    run.transcript.recordCatalogue(planning ? [...catalogue.tools, submitPlanSpec(planning)] : catalogue.tools);
    const context: StepContext = {
      input,
      run,
      view,
      features,
      access: fast ? { ...catalogue.access, fast } : catalogue.access,
      semaphore: new Semaphore(input.maxParallel),
      maxCalls: input.maxCallsPerAnswer ?? DEFAULT_MAX_CALLS_PER_ANSWER,
      interaction,
      plans: planning !== undefined,
      // The activity planner is sent the transcript's new messages; a local one (and `auto`) gets the transcript inline.
      plannerMode,
      ...(plannerMode === 'activity' ? { plannerDelta: new TranscriptSender() } : {}),
      ...(input.fork?.seed?.answer && !input.resume ? { given: new GivenAnswer(input.fork.seed.answer) } : {}),
    };
    const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    /** An idle session waits for its next message; its result when it ended (closed or idled out). */
    const nextTurn = async (): Promise<AgentRunResult | undefined> => {
      const idleUntil = run.session.idleUntil(idleTimeoutMs);
      const next = await interaction.awaitMessage(idleUntil);
      if (next === 'handover') return handOver(rawInput, input, run, interaction, { idleUntil });
      if (next !== 'message') return run.endSession(`The session ended (${next === 'close' ? 'closed' : 'idle timeout'}).`);
      run.beginTurn();
      return undefined;
    };
    const sessions = input.session === true;
    // A session continued as new while idle: it waits for the next message before it steps.
    if (sessions && run.phase.name === 'idle') {
      const ended = await nextTurn();
      if (ended) return ended;
    }
    // A run that handed over within a step goes on in it (once).
    let resume = input.resume?.waiting;
    for (;;) {
      const outcome = await step(context, resume);
      resume = undefined;
      if (outcome.next === 'handover') return await handOver(rawInput, input, run, interaction, { waiting: outcome.waiting });
      if (outcome.next === 'continue') {
        policy.stepEnded();
        await continueAsNewIfDue(rawInput, input, run, policy, { interaction });
        continue;
      }
      if (!sessions || !SESSION_TURN_ENDINGS.has(outcome.result.status)) return outcome.result;
      // A session: the turn is answered; go idle until the next message, the close, or the idle timeout.
      run.turnAnswered(outcome.result);
      policy.stepEnded();
      await continueAsNewIfDue(rawInput, input, run, policy, { idle: true, interaction });
      const ended = await nextTurn();
      if (ended) return ended;
    }
  } catch (error) {
    const outcome = outcomeOf(error, run);
    if (outcome) return outcome;
    throw error;
  } finally {
    interaction.releaseFollowers();
    view.show();
    view.publish();
    if (run.ended) upsertMemo(endedLogMemo(run));
    // Followers were just answered: let their Updates complete with the run rather than be left open.
    if (run.ended && !allHandlersFinished()) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}
