import type { AgentRunInput, BudgetRaise } from '../../contracts/run-input';
import { forkDetails, type ForkPoint } from '../../contracts/fork';
import type { DroppedCalls } from '../../contracts/planner-io';
import { RUN_STATUSES, type AgentRunStatus, type RunStatus } from '../../contracts/status';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { AgentState } from '../../contracts/agent-state';
import type { CarriedFold, WaitingStep } from '../../contracts/workflow-input';
import type { AgentRunResult, TaskError, Usage } from '../../contracts/run-result';
import type { ChatMessage } from '../../contracts/chat-message';
import type { RecordedAnswerText } from '../../contracts/model-text';
import type { Observation, Task, TaskResult } from '../../core/model';
import type { PlannerContext, PlannerContextRequest, PlanResult } from '../../contracts/planner-io';
import type { ResolvedAgentRunInput, ResumeState } from '../../contracts/workflow-input';
import type { AcceptedPlan } from '../../core/plan/graph';
import { RunFold, type RunFoldState, type RunPhase } from '../../core/run-fold';
import { finalTurnMessage } from '../../core/transcript';
import { AgentMetrics } from './agent-metrics';
import { WaitSpans } from './wait-spans';
import { EventLog } from './event-log';
import { LiveDetails } from './live-details';
import { PeopleWaits } from './people-waits';
import { RunBudget } from './run-budget';
import { RunMachine } from './run-machine';
import { RunTranscript, type RecordedAnswer } from './run-transcript';
import { SESSION_TURN_ENDINGS, SessionTurns } from './session-turns';
import { phaseWaitDetails, usdWords } from './ui-words';

export type { AgentState, FinishedCall } from '../../contracts/agent-state';
export type { RecordedAnswer } from './run-transcript';
export { SESSION_TURN_ENDINGS } from './session-turns';

/** Finished calls kept for the live view. */
const RECENT_CALLS = 50;

/** The phase a carried fold was in (an ended phase is never carried: an ended run does not continue as new). */
function carriedPhase(phase: CarriedFold['phase']): RunPhase {
  return phase.name === 'ended' ? { name: 'running' } : { name: phase.name };
}

/** Where the fold of a new run (or the next run of a chain) starts. */
function foldStart(input: ResolvedAgentRunInput): Partial<RunFoldState> {
  const resume = input.resume;
  // `startIdle`: the session waits for its first message (delivered with the start, by update-with-start).
  // A fork goes on from the step before the one it forks at (its seed is the transcript the model saw then).
  if (!resume && input.fork?.seed) return { step: input.fork.atStep - 1, phase: { name: 'running' } };
  if (!resume) return { phase: input.session && input.startIdle ? { name: 'idle' } : { name: 'running' } };
  const counts = { step: resume.step, usage: { ...resume.usage }, toolCalls: { ...resume.toolCalls } };
  if (resume.fold) return { ...counts, ...resume.fold, phase: carriedPhase(resume.fold.phase) };
  // A chain handed over by a build that carried no fold: its phase from what it did carry.
  return { ...counts, phase: resume.session && resume.session.inTurn !== true ? { name: 'idle' } : { name: 'running' } };
}

/**
 * Everything a run knows, kept in workflow memory (and so rebuilt by replay), in its seams: the event log and its
 * fold (phase, step, usage, counts: `RunFold`, moved only by `RunMachine.transition` and the events below), the
 * transcript the planner reads, the budget, a session's turns, people's waits and the UI's details. This class wires
 * them; each change of the run is one method here or on a part. No I/O.
 */
export class RunState {
  /** The run's append-only event log (carried across continue-as-new). */
  readonly events: EventLog;
  private readonly fold: RunFold;
  readonly machine: RunMachine;
  readonly transcript: RunTranscript;
  readonly budget: RunBudget;
  readonly session: SessionTurns;
  /** Calls waiting for a decision and questions waiting for an answer. */
  readonly people: PeopleWaits;
  private readonly live = new LiveDetails();
  /** The agent's metrics, derived from the events (agent-metrics.ts). */
  private readonly metrics: AgentMetrics;
  /** Waits for people as spans of the run's trace (wait-spans.ts), from the same events. */
  private readonly waitSpans = new WaitSpans();
  private lastAnswerText?: RecordedAnswerText;
  /** Workflow time the logical run started (kept across continue-as-new, for the wall-time budget). */
  readonly startedAt: number;
  /** Runs in this continue-as-new chain, this one included. */
  readonly runsSoFar: number;
  /** Set when an idle session ends (closed or idled out): its `finish` is the session's end, not a turn's. */
  private sessionEnding = false;

  constructor(readonly input: ResolvedAgentRunInput) {
    const resume = input.resume;
    // Date.now() in the workflow sandbox is the workflow task's time, recorded in history: replay-safe.
    this.startedAt = resume?.startedAt ?? Date.now();
    this.runsSoFar = resume ? resume.runsSoFar + 1 : 1;
    this.fold = new RunFold(foldStart(input), RECENT_CALLS);
    const fold = this.fold.save();
    this.metrics = new AgentMetrics({ newRun: !resume, ...(input.model ? { model: input.model } : {}), phase: fold.phase.name, approvals: fold.approvals, questions: fold.questions, costUsd: () => this.fold.usage.costUsd });
    // The one hook of the agent's metrics: each event, once the fold took it, with the phase it left.
    this.events = new EventLog(resume?.events, (event) => {
      const from = this.fold.phase.name;
      this.fold.apply(event);
      this.metrics.observe(event, from);
      this.waitSpans.observe(event);
    });
    if (resume?.events) {
      this.waitSpans.resume(resume.events.events, resume.waiting?.gates, { step: resume.step, toolOf: (callId) => resume.fold?.running.find((call) => call.id === callId)?.tool });
    }
    this.machine = new RunMachine(this.events, this.fold);
    const seed = !resume ? input.fork?.seed?.messages : undefined;
    this.transcript = new RunTranscript({ goal: input.goal, systemPrompt: input.systemPrompt, model: input.model, ...(resume ? { resume } : {}), ...(seed ? { seed } : {}) });
    this.budget = new RunBudget(input.budget, () => ({ usage: this.fold.usage, startedAt: this.startedAt }), resume?.raised);
    this.session = new SessionTurns(resume?.session);
    this.people = new PeopleWaits(this.events, () => this.fold.step, () => this.outcome);
  }

  get phase(): RunPhase {
    return this.fold.phase;
  }

  /** The outcome once the run ended; otherwise what it waits for, or running (the fold's `statusOf`). */
  get status(): RunStatus {
    return this.fold.status;
  }

  get ended(): boolean {
    return this.fold.ended;
  }

  private get outcome(): AgentRunStatus | undefined {
    const phase = this.fold.phase;
    return phase.name === 'ended' ? phase.status : undefined;
  }

  get step(): number {
    return this.fold.step;
  }

  get usage(): Readonly<Usage> {
    return this.fold.usage;
  }

  /** Messages of the transcript so far (the planner reads a prefix of this length). */
  get messageCount(): number {
    return this.transcript.count;
  }

  /** Steps of the current turn (a session counts the step cap per turn; a plain run has one turn). */
  get turnStep(): number {
    return this.fold.step - this.session.turnStartStep;
  }

  beginStep(): void {
    this.events.append({ type: 'step_started', step: this.fold.step + 1 });
  }

  /** The step cap is reached: one last turn, without tools, asks the model to answer from what it has. */
  beginFinalTurn(message: ChatMessage = finalTurnMessage(this.input.maxSteps)): void {
    this.transcript.beginFinalTurn(message);
  }

  /** Records the model's answer (the planner cut its calls to the cap and made their ids unique) and its usage. */
  recordPlan(plan: PlanResult): RecordedAnswer {
    const answer = this.transcript.recordAnswer(plan);
    this.lastAnswerText = { step: this.fold.step, content: answer.message.content, ...(answer.message.toolCalls?.length ? { calls: answer.message.toolCalls.map((call) => call.name) } : {}) };
    const calls = answer.message.toolCalls?.length ?? 0;
    this.metrics.modelAnswered(plan.model);
    this.events.append({
      type: 'plan_done',
      step: this.fold.step,
      detail: `${calls ? `${calls} call${calls === 1 ? '' : 's'}` : 'answer'} · ${plan.usage.inputTokens}+${plan.usage.outputTokens} tokens`,
      ...usageFields(plan.usage),
    });
    return answer;
  }

  /** A plan of the current step is asked for: the transcript as it is now is what a fork at this step starts from. */
  notePlanned(): void {
    this.transcript.notePlanned(this.fold.step);
  }

  /**
   * A fork's stand-in for the model's answer at its first step (docs/forks.md): recorded as the step's answer, with
   * no model call and no tokens.
   */
  recordGivenAnswer(message: ChatMessage): RecordedAnswer {
    this.notePlanned();
    const answer = this.transcript.recordAnswer({ message, usage: { inputTokens: 0, outputTokens: 0 }, model: '' });
    const calls = message.toolCalls?.length ?? 0;
    this.lastAnswerText = { step: this.fold.step, content: message.content, ...(calls ? { calls: message.toolCalls?.map((call) => call.name) } : {}) };
    this.events.append({ type: 'answer_given', step: this.fold.step, detail: calls ? `${calls} call${calls === 1 ? '' : 's'}` : 'answer' });
    return answer;
  }

  /** The text of the latest answer and its step: a live stream ends a call's text with it (docs/streaming.md). */
  lastAnswer(): RecordedAnswerText | null {
    return this.lastAnswerText ?? null;
  }

  /** The tokens of a model call that gave up but still cost them (the planner said how many): a `plan_failed` event. */
  recordUsage(usage: { inputTokens: number; outputTokens: number; costUsd?: number }): void {
    this.events.append({ type: 'plan_failed', step: this.fold.step, detail: `${usage.inputTokens}+${usage.outputTokens} tokens`, ...usageFields(usage) });
  }

  /** The step's answer after a handover within the step: the transcript's last message, recorded before it. */
  resumedAnswer(dropped?: DroppedCalls): RecordedAnswer {
    return this.transcript.resumedAnswer(dropped);
  }

  /** A call that was running (a question) when the run handed over: the carried fold still lists it as running. */
  taskResumed(task: Task): void {
    this.people.noteCall(task);
  }

  /** Applies a budget raise and logs it. */
  raiseBudget(raise: BudgetRaise): void {
    const words = this.budget.raise(raise);
    this.events.append({ type: 'budget_raised', step: this.fold.step, detail: words });
  }

  /** A `submit_plan` was checked and accepted: its graph goes to the event log and the details table. */
  planAccepted(plan: AcceptedPlan): void {
    this.live.planAccepted(plan, this.fold.step);
    this.events.append({
      type: 'plan_graph',
      step: this.fold.step,
      callId: plan.taskId,
      tool: 'submit_plan',
      detail: `${plan.nodes.length} node${plan.nodes.length === 1 ? '' : 's'}: ${plan.outline}`.slice(0, 500),
      nodes: plan.nodes.map((node) => ({ id: node.id, tool: node.call.tool, dependsOn: [...node.dependsOn] })),
    });
  }

  taskStarted(task: Task): void {
    this.live.taskStarted(task);
    this.events.append({ type: 'call_started', step: this.fold.step, callId: task.id, tool: task.tool });
  }

  taskFinished(result: TaskResult): void {
    this.live.taskFinished(result);
    const denied = result.error?.type === ERROR_TYPES.toolDenied || result.error?.type === ERROR_TYPES.toolApprovalTimeout;
    const detail = result.ok ? `ok ${result.durationMs} ms` : `${result.error?.type ?? 'ToolFailed'}: ${(result.error?.message ?? '').slice(0, 200)}`;
    this.events.append({
      type: denied ? 'call_denied' : 'call_finished',
      step: this.fold.step,
      callId: result.id,
      tool: result.tool,
      detail,
      ok: result.ok,
      durationMs: result.durationMs,
      ...(result.error ? { errorType: result.error.type } : {}),
      // A sub-agent's tokens and cost count in its parent's usage (docs/sub-agents.md).
      ...(result.usage ? usageFields(result.usage) : {}),
    });
  }

  /** Appends a step's observation to the transcript (and says which calls of the answer were dropped, if any). */
  recordObservation(observation: Observation, dropped?: DroppedCalls, maxCalls?: number): void {
    const summary = this.transcript.recordObservation(observation, dropped, maxCalls);
    this.live.stepObserved(this.fold.step, observation.results, summary);
  }

  /** What the planner reads (see `RunTranscript.plannerContext`). */
  plannerContext(request?: PlannerContextRequest): PlannerContext {
    return this.transcript.plannerContext(this.fold.step, request);
  }

  /** Why a message (its Update id) must be refused now, or undefined when the session takes it. */
  messageRefusal(updateId?: string): string | undefined {
    if (!this.input.session) return 'this run is not a session: start it with `session: true` (or `durable-agent chat`) to send it messages';
    if (this.outcome) return `the session has ended (${this.outcome})`;
    const repeated = this.session.repeatOf(updateId);
    if (repeated) return repeated;
    if (this.phase.name !== 'idle') return 'a turn is in progress: wait for its answer, then send the next message';
    return this.session.refusal();
  }

  /** A session answered its turn: it goes idle (not ended) and waits for the next message. */
  turnAnswered(result: AgentRunResult): void {
    const turn = this.session.answeredWith(result.status, result.answer);
    this.machine.transition({ type: 'turn_answered', step: this.fold.step, detail: `turn ${turn}: ${result.status}` });
  }

  /** The next turn starts with the message that arrived: it joins the conversation, and the step cap counts anew. */
  beginTurn(): void {
    const text = this.session.begin(this.fold.step);
    this.transcript.userSays(text);
    this.machine.transition({ type: 'turn_started', step: this.fold.step, detail: text.slice(0, 200) });
  }

  /** Ends an idle session with its last turn's result (the session's one `run_ended`). */
  endSession(reason: string): AgentRunResult {
    this.sessionEnding = true;
    const last = this.session.lastResult() ?? { status: RUN_STATUSES.final, answer: '' };
    return this.finish(last.status, last.answer ? `${last.answer}` : reason);
  }

  /**
   * Ends the run, or a session's turn: a turn that ends with an answer (`final`, `max_steps`, `budget_exceeded`) is
   * logged by `turnAnswered` (`turn_answered`), not as `run_ended`, which a session logs once, when it ends.
   */
  finish(status: AgentRunStatus, answer: string, error?: TaskError): AgentRunResult {
    const turnEnds = this.input.session === true && !this.sessionEnding && SESSION_TURN_ENDINGS.has(status);
    if (!turnEnds && !this.ended) this.machine.transition({ type: 'run_ended', step: this.fold.step, detail: status });
    return {
      status,
      answer,
      steps: this.fold.step,
      usage: { ...this.fold.usage },
      toolCalls: { ...this.fold.toolCalls },
      ...(error ? { error } : {}),
    };
  }

  /**
   * What the next run of the chain needs to go on as the same logical run, with a compacted transcript. `waiting`:
   * the run hands over within a step; the step's answer (the last message) is kept whole, whatever the compaction.
   */
  resumeState(keepSteps: number, maxBytes?: number, waiting?: WaitingStep, idleUntil?: number): ResumeState {
    const inStep = waiting !== undefined && waiting.at !== 'before_step';
    const saved = this.fold.save();
    const raised = this.budget.raised;
    const idle = this.phase.name === 'idle';
    return {
      ...(raised ? { raised } : {}),
      ...(waiting ? { waiting } : {}),
      step: saved.step,
      usage: saved.usage,
      toolCalls: saved.toolCalls,
      ...this.transcript.carry(keepSteps, maxBytes, inStep),
      startedAt: this.startedAt,
      runsSoFar: this.runsSoFar,
      events: this.events.carry(),
      fold: { phase: saved.phase, running: saved.running, recent: saved.recent, approvals: saved.approvals, questions: saved.questions },
      ...(this.input.session && (idle || waiting) ? { session: this.session.carry(idleUntil, !idle) } : {}),
    };
  }

  snapshot(): AgentState {
    const lastPrompt = this.transcript.lastPrompt;
    const budget = this.budget.current();
    return {
      status: this.status,
      step: this.fold.step,
      maxSteps: this.input.maxSteps,
      pending: this.fold.running.map((call) => ({ ...call })),
      usage: { ...this.fold.usage },
      toolCalls: { ...this.fold.toolCalls },
      recent: this.fold.recent.map((call) => ({ ...call })),
      ...(lastPrompt ? { lastPrompt } : {}),
      ...(this.input.session ? { session: { turnsAnswered: this.session.turns, turnStep: this.turnStep } } : {}),
      ...(this.input.fork ? { fork: { workflowId: this.input.fork.workflowId, atStep: this.input.fork.atStep } } : {}),
      ...(budget ? { budget: { ...budget }, budgetUsed: this.budget.used() } : {}),
    };
  }

  /** The `forkPoint` query's answer for `step` (docs/forks.md): what this execution knows of where the step was planned. */
  forkPoint(step: number, input: AgentRunInput, previousRunId: string | undefined): ForkPoint {
    const planned = this.transcript.plannedSteps() ?? { first: this.fold.step + 1, last: this.fold.step };
    const found = this.transcript.plannedAt(step);
    const fork = this.input.fork;
    return {
      firstStep: planned.first,
      lastStep: planned.last,
      ...(previousRunId ? { previousRunId } : {}),
      input,
      ...(found ? { found } : {}),
      ...(fork ? { fork: { workflowId: fork.workflowId, atStep: fork.atStep, lineage: fork.lineage } } : {}),
    };
  }

  /**
   * Markdown for `setCurrentDetails`: the run's progress as a table of steps and calls, what it waits for and the
   * command that answers each wait. Redrawn after every event of the run (`RunView`).
   */
  details(): string {
    const usage = this.fold.usage;
    const calls = this.fold.toolCalls;
    // The cost when the worker knows the model's price (`DURABLE_AGENT_PRICES`); otherwise tokens only.
    const cost = usage.costUsd !== undefined ? ` · ${usdWords(usage.costUsd)}` : '';
    const header = `**${this.status}** · step ${this.fold.step} of ${this.input.maxSteps} · ${usage.inputTokens + usage.outputTokens} tokens${cost} · tools ${calls.ok} ok / ${calls.failed} failed`;
    const fork = this.input.fork;
    const origin = fork ? `\n\n${forkDetails(fork)}` : '';
    const seen = this.transcript.lastPrompt;
    const prompt = seen ? `\n\nLast plan saw ${seen.messageCount} messages (sha256 ${seen.transcriptHash}) and ${seen.tools} tools.` : '';
    const pending = this.fold.running.map((call) => `${call.tool} (${call.id})`).join(', ');
    return `${header}${origin}${prompt}${this.people.waitingDetails()}${phaseWaitDetails(this.phase)}${pending ? `\n\nRunning: ${pending}` : ''}${this.live.markdown()}`;
  }
}

/** The usage fields of a model call's event. */
function usageFields(usage: { inputTokens: number; outputTokens: number; costUsd?: number }): { inputTokens: number; outputTokens: number; costUsd?: number } {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, ...(usage.costUsd !== undefined ? { costUsd: usage.costUsd } : {}) };
}
