import { ApplicationFailure } from '@temporalio/workflow';
import type { Budget, BudgetRaise } from '../../shared/contracts/run-input';
import { limitToolCalls, type DroppedCalls } from '../../shared/actions';
import { RUN_STATUSES, type AgentRunStatus, type RunStatus } from '../../shared/contracts/status';
import { ERROR_TYPES } from '../../shared/errors';
import type { AgentState, FinishedCall } from '../../shared/contracts/run-state';
import type {
  AgentRunResult,
  ChatMessage,
  Observation,
  PlannerContext,
  PlannerContextRequest,
  PlanResult,
  PromptSeen,
  ResolvedAgentRunInput,
  Task,
  TaskError,
  TaskResult,
  ToolSpec,
  Usage,
} from '../../shared/model';
import type { AcceptedPlan } from '../../shared/plan/graph';
import type { WaitingStep } from '../../shared/contracts/workflow-input';
import { EventLog } from './event-log';
import { PlanTable } from './plan-table';
import { PeopleWaits } from './people-waits';
import { compactTranscript, finalTurnMessage, observationMessages, openingMessages } from '../../shared/transcript';

export type { AgentState, FinishedCall } from '../../shared/contracts/run-state';

/** The latest answer of the model, as recorded (calls limited, ids unique). */
export interface RecordedAnswer {
  message: ChatMessage;
  dropped?: DroppedCalls;
}

/** Endings of a session's turn after which it goes idle (failures and cancellation end the session). */
export const SESSION_TURN_ENDINGS: ReadonlySet<string> = new Set([RUN_STATUSES.final, RUN_STATUSES.maxSteps, RUN_STATUSES.budgetExceeded]);

/** Finished calls kept for the live view. */
const RECENT_CALLS = 50;

/** Rows kept in the live details table of the Temporal UI; older rows are dropped to keep it small. */
const DETAIL_ROWS = 20;

/**
 * Everything a run knows, kept in workflow memory (and so rebuilt by replay): the transcript the planner reads,
 * usage, counters and the live view. The state machine of a run: every change is a method here, and the status
 * changes only in `finish`. No I/O.
 */
export class RunState {
  private readonly messages: ChatMessage[];
  private readonly usageSoFar: Usage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  private readonly calls = { ok: 0, failed: 0 };
  private readonly pending = new Map<string, { id: string; tool: string; startedAt: number }>();
  private readonly recent: FinishedCall[] = [];
  private readonly rows: string[] = [];
  /** The latest step's plans, for the details table. */
  private readonly planTable = new PlanTable();
  private outcome?: AgentRunStatus;
  /** Calls waiting for a decision and questions waiting for an answer. */
  readonly people: PeopleWaits;
  /** Limits raised by `raise-budget`, over the input's budget. */
  private raised: BudgetRaise = {};
  private pausedOnBudget = false;
  /** Sessions: turns answered, where the current turn began, its last answer, whether it waits for a message. */
  private turnsAnswered = 0;
  private turnStartStep = 0;
  private lastTurn?: { status: AgentRunStatus; answer: string };
  private waitingForMessage = false;
  private nextMessage?: string;
  private sessionClosed = false;
  /** Set when an idle session ends (closed or idled out): its `finish` is the session's end, not a turn's. */
  private sessionEnding = false;
  /** The run's append-only event log (carried across continue-as-new). */
  readonly events: EventLog;
  private currentStep = 0;
  private tools: ToolSpec[] = [];
  private model?: string;
  private answer?: RecordedAnswer;
  private lastPrompt?: PromptSeen;
  /** Assistant turns dropped by earlier compactions (continue-as-new). */
  private readonly omittedTurns: number = 0;
  /** Workflow time the logical run started (kept across continue-as-new, for the wall-time budget). */
  readonly startedAt: number;
  /** Runs in this continue-as-new chain, this one included. */
  readonly runsSoFar: number;
  /** When the idle session that handed over ends if no message comes. */
  private idleUntilCarried?: number;

  constructor(readonly input: ResolvedAgentRunInput) {
    const resume = input.resume;
    this.messages = resume ? [...resume.messages] : openingMessages(input.goal, input.systemPrompt);
    this.model = input.model;
    // Date.now() in the workflow sandbox is the workflow task's time, recorded in history: replay-safe.
    this.startedAt = resume?.startedAt ?? Date.now();
    this.runsSoFar = resume ? resume.runsSoFar + 1 : 1;
    this.events = new EventLog(resume?.events);
    this.people = new PeopleWaits(this.events, () => this.currentStep, () => this.outcome);
    // `startIdle`: the session waits for its first message (delivered with the start, by update-with-start).
    if (!resume && input.session && input.startIdle) this.waitingForMessage = true;
    if (resume?.session) {
      this.turnsAnswered = resume.session.turns;
      this.turnStartStep = resume.session.turnStartStep;
      this.lastTurn = { status: RUN_STATUSES.final, answer: resume.session.lastAnswer };
      this.waitingForMessage = resume.session.inTurn !== true;
    }
    if (resume) {
      if (resume.raised) this.raised = { ...resume.raised };
      this.idleUntilCarried = resume.session?.idleUntil;
      this.currentStep = resume.step;
      Object.assign(this.usageSoFar, resume.usage);
      Object.assign(this.calls, resume.toolCalls);
      this.omittedTurns = resume.omittedTurns;
    }
  }

  /** The outcome once the run ended; otherwise waiting for people (approvals first), or running. */
  get status(): RunStatus {
    if (this.outcome) return this.outcome;
    if (this.people.awaitingApproval) return RUN_STATUSES.waitingForApproval;
    if (this.people.awaitingAnswer) return RUN_STATUSES.waitingForInput;
    if (this.pausedOnBudget) return RUN_STATUSES.waitingForBudget;
    if (this.waitingForMessage) return RUN_STATUSES.idle;
    return RUN_STATUSES.running;
  }

  get ended(): boolean {
    return this.outcome !== undefined;
  }

  get step(): number {
    return this.currentStep;
  }

  get usage(): Readonly<Usage> {
    return this.usageSoFar;
  }

  /** Messages of the transcript so far (the planner reads a prefix of this length). */
  get messageCount(): number {
    return this.messages.length;
  }

  /** Records the tools this run offers the model (the catalogue narrowed to `allowedTools`). */
  recordCatalogue(tools: readonly ToolSpec[]): void {
    this.tools = [...tools];
  }

  /** Steps of the current turn (a session counts the step cap per turn; a plain run has one turn). */
  get turnStep(): number {
    return this.currentStep - this.turnStartStep;
  }

  get turns(): number {
    return this.turnsAnswered;
  }

  /** A session answered its turn: it goes idle (not ended) and waits for the next message. */
  turnAnswered(result: AgentRunResult): void {
    this.turnsAnswered += 1;
    this.lastTurn = { status: result.status, answer: result.answer };
    this.outcome = undefined;
    this.waitingForMessage = true;
    this.events.append({ type: 'turn_answered', step: this.currentStep, detail: `turn ${this.turnsAnswered}: ${result.status}` });
  }

  /** The answer of the latest turn, as a `send` returns it. */
  latestTurn(): { turn: number; status: string; answer: string } {
    return { turn: this.turnsAnswered, status: this.lastTurn?.status ?? RUN_STATUSES.final, answer: this.lastTurn?.answer ?? '' };
  }

  /** Why a message must be refused now, or undefined when the session takes it. */
  messageRefusal(): string | undefined {
    if (!this.input.session) return 'this run is not a session: start it with `session: true` (or `durable-agent chat`) to send it messages';
    if (this.outcome) return `the session has ended (${this.outcome})`;
    if (this.sessionClosed) return 'the session is closing';
    if (!this.waitingForMessage || this.nextMessage !== undefined) return 'a turn is in progress: wait for its answer, then send the next message';
    return undefined;
  }

  messageArrived(text: string): void {
    this.nextMessage = text;
  }

  closeSession(): void {
    this.sessionClosed = true;
  }

  /** What an idle session waits for: a message, or being closed. */
  get messageOrClose(): 'message' | 'close' | undefined {
    if (this.nextMessage !== undefined) return 'message';
    return this.sessionClosed ? 'close' : undefined;
  }

  /** The next turn starts with the message that arrived: it joins the conversation, and the step cap counts anew. */
  beginTurn(): void {
    const text = this.nextMessage ?? '';
    this.nextMessage = undefined;
    this.waitingForMessage = false;
    this.turnStartStep = this.currentStep;
    this.messages.push({ role: 'user', content: text });
    this.events.append({ type: 'turn_started', step: this.currentStep, detail: text.slice(0, 200) });
  }

  /** Ends an idle session with its last turn's result (the session's one `run_ended`). */
  endSession(reason: string): AgentRunResult {
    this.waitingForMessage = false;
    this.sessionEnding = true;
    const last = this.lastTurn ?? { status: RUN_STATUSES.final, answer: '' };
    return this.finish(last.status, last.answer ? `${last.answer}` : reason);
  }

  beginStep(): void {
    this.currentStep += 1;
    this.events.append({ type: 'step_started', step: this.currentStep });
  }

  /** The step cap is reached: one last turn, without tools, asks the model to answer from what it has. */
  beginFinalTurn(message: ChatMessage = finalTurnMessage(this.input.maxSteps)): void {
    this.messages.push(message);
  }

  /**
   * Records the model's answer. With `maxCalls` (runs with size limits), the calls beyond it are dropped and
   * the kept calls get unique ids, whatever the planner that answered did.
   */
  recordPlan(plan: PlanResult, maxCalls?: number): RecordedAnswer {
    let message = plan.message;
    let dropped = plan.droppedCalls;
    if (maxCalls !== undefined && message.toolCalls) {
      const limited = limitToolCalls(message.toolCalls, maxCalls);
      message = { ...message, toolCalls: limited.calls };
      if (limited.dropped) {
        dropped = { count: limited.dropped.count + (dropped?.count ?? 0), tools: [...new Set([...limited.dropped.tools, ...(dropped?.tools ?? [])])] };
      }
    }
    this.messages.push(message);
    this.answer = { message, ...(dropped ? { dropped } : {}) };
    if (plan.seen) this.lastPrompt = plan.seen;
    this.recordUsage(plan.usage);
    this.model ??= plan.model;
    const calls = message.toolCalls?.length ?? 0;
    this.events.append({
      type: 'plan_done',
      step: this.currentStep,
      detail: `${calls ? `${calls} call${calls === 1 ? '' : 's'}` : 'answer'} · ${plan.usage.inputTokens}+${plan.usage.outputTokens} tokens`,
      inputTokens: plan.usage.inputTokens,
      outputTokens: plan.usage.outputTokens,
    });
    return this.answer;
  }

  /** The step's answer after a handover within the step: the transcript's last message, recorded before it. */
  resumedAnswer(dropped?: DroppedCalls): RecordedAnswer {
    const message = this.messages[this.messages.length - 1] ?? { role: 'assistant', content: '' };
    this.answer = { message, ...(dropped ? { dropped } : {}) };
    return this.answer;
  }

  /** A call that was running (a question) when the run handed over: shown as running again, with no new event. */
  taskResumed(task: Task): void {
    this.pending.set(task.id, { id: task.id, tool: task.tool, startedAt: Date.now() });
  }

  /** Counts one model call and its tokens. */
  recordUsage(usage: { inputTokens: number; outputTokens: number; costUsd?: number }): void {
    this.usageSoFar.inputTokens += usage.inputTokens;
    this.usageSoFar.outputTokens += usage.outputTokens;
    this.usageSoFar.modelCalls += 1;
    if (usage.costUsd !== undefined) this.usageSoFar.costUsd = (this.usageSoFar.costUsd ?? 0) + usage.costUsd;
  }

  /** The budget in force: the input's, with the limits `raise-budget` raised. */
  budget(): Budget | undefined {
    const base = this.input.budget;
    if (!base && Object.keys(this.raised).length === 0) return base;
    return { ...base, ...this.raised };
  }

  /**
   * Why a raise must be refused, or undefined: the run has ended, a limit is not above the one in force, or (where no
   * limit was in force) not above what the run has already used: a raise never stops a run.
   */
  raiseRefusal(raise: BudgetRaise): string | undefined {
    if (this.outcome) return `the run has ended (${this.outcome}); its budget cannot change`;
    const current = this.budget() ?? {};
    // Workflow-task time (replay-safe), as for the wall-time budget itself.
    const used = { maxTokens: this.usageSoFar.inputTokens + this.usageSoFar.outputTokens, maxWallTimeMs: Date.now() - this.startedAt, maxCostUsd: this.usageSoFar.costUsd ?? 0 };
    for (const key of ['maxTokens', 'maxWallTimeMs', 'maxCostUsd'] as const) {
      const wanted = raise[key];
      if (wanted === undefined) continue;
      const now = current[key];
      if (now !== undefined && wanted <= now) return `${key} is ${now} already: a raise must go above it, got ${wanted}`;
      if (wanted <= used[key]) return `the run has used ${used[key]} of ${key} already: a raise must go above that, got ${wanted}`;
    }
    return undefined;
  }

  raiseBudget(raise: BudgetRaise): Budget {
    // Only the limits: the Update's arguments are not trusted to carry nothing else.
    const limits = { maxTokens: raise.maxTokens, maxWallTimeMs: raise.maxWallTimeMs, maxCostUsd: raise.maxCostUsd };
    this.raised = { ...this.raised, ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) };
    const words = Object.entries(raise).map(([key, value]) => `${key} ${String(value)}`).join(', ');
    this.events.append({ type: 'budget_raised', step: this.currentStep, detail: words });
    return this.budget() ?? {};
  }

  /** The budget is used up and the run pauses (true) or goes on after a raise (false); `resumed`: paused before a handover. */
  setPausedOnBudget(paused: boolean, why = '', resumed = false): void {
    this.pausedOnBudget = paused;
    if (paused && !resumed) this.events.append({ type: 'budget_exhausted', step: this.currentStep, detail: why });
  }

  /** A `submit_plan` was checked and accepted: its graph goes to the event log and the details table. */
  planAccepted(plan: AcceptedPlan): void {
    this.planTable.accepted(plan, this.currentStep);
    this.events.append({
      type: 'plan_graph',
      step: this.currentStep,
      callId: plan.taskId,
      tool: 'submit_plan',
      detail: `${plan.nodes.length} node${plan.nodes.length === 1 ? '' : 's'}: ${plan.outline}`.slice(0, 500),
      nodes: plan.nodes.map((node) => ({ id: node.id, tool: node.call.tool, dependsOn: [...node.dependsOn] })),
    });
  }

  taskStarted(task: Task): void {
    this.planTable.started(task);
    this.pending.set(task.id, { id: task.id, tool: task.tool, startedAt: Date.now() });
    this.events.append({ type: 'call_started', step: this.currentStep, callId: task.id, tool: task.tool });
  }

  taskFinished(result: TaskResult): void {
    this.pending.delete(result.id);
    this.planTable.finished(result);
    if (result.ok) this.calls.ok += 1;
    else this.calls.failed += 1;
    this.recent.push({
      id: result.id,
      step: this.currentStep,
      tool: result.tool,
      ok: result.ok,
      ...(result.error ? { errorType: result.error.type } : {}),
      durationMs: result.durationMs,
    });
    if (this.recent.length > RECENT_CALLS) this.recent.shift();
    const denied = result.error?.type === ERROR_TYPES.toolDenied || result.error?.type === ERROR_TYPES.toolApprovalTimeout;
    const detail = result.ok ? `ok ${result.durationMs} ms` : `${result.error?.type ?? 'ToolFailed'}: ${(result.error?.message ?? '').slice(0, 200)}`;
    this.events.append({
      type: denied ? 'call_denied' : 'call_finished',
      step: this.currentStep,
      callId: result.id,
      tool: result.tool,
      detail,
      ok: result.ok,
      durationMs: result.durationMs,
      ...(result.error ? { errorType: result.error.type } : {}),
    });
  }

  /** Appends a step's observation to the transcript (and says which calls of the answer were dropped, if any). */
  recordObservation(observation: Observation, dropped?: DroppedCalls, maxCalls?: number): void {
    const summary = dropped
      ? `${observation.summary}. ${dropped.count} more call${dropped.count === 1 ? ' was' : 's were'} not run (${ERROR_TYPES.toolCallLimit}: at most ${maxCalls} calls per answer; dropped tools: ${dropped.tools.join(', ')})`
      : observation.summary;
    this.messages.push(...observationMessages({ ...observation, summary }));
    const calls = observation.results.map((entry) => `${entry.tool} ${entry.ok ? '✓' : `✗ ${entry.errorType ?? ''}`}`.trim()).join(', ');
    this.rows.push(`| ${this.currentStep} | ${calls} | ${summary} |`);
    if (this.rows.length > DETAIL_ROWS) this.rows.shift();
  }

  /**
   * What the planner reads: exactly the first `messageCount` messages, checked against the step, so handlers that
   * append meanwhile never change what a plan sees. Without a request (an inspection, not a planner): the whole
   * transcript and the catalogue.
   */
  plannerContext(request?: PlannerContextRequest): PlannerContext {
    const model = this.model;
    if (!request) return { model, messages: this.messages, tools: this.tools };
    if (request.step !== this.currentStep || request.messageCount > this.messages.length) {
      throw ApplicationFailure.nonRetryable(
        `stale planner read: asked for step ${request.step} with ${request.messageCount} messages; the run is at step ${this.currentStep} with ${this.messages.length}`,
        'StalePlannerRead',
      );
    }
    return { model, messages: this.messages.slice(0, request.messageCount), ...(request.includeTools ? { tools: this.tools } : {}) };
  }

  /**
   * When an idle session ends if no message comes: `timeoutMs` from now, or the time carried from before a handover
   * while idle (waiting across handovers never extends it).
   */
  idleUntil(timeoutMs: number): number {
    const carried = this.idleUntilCarried;
    this.idleUntilCarried = undefined;
    // Workflow-task time: replay-safe.
    return carried ?? Date.now() + timeoutMs;
  }

  /**
   * What the next run of the chain needs to go on as the same logical run, with a compacted transcript. `waiting`:
   * the run hands over within a step; the step's answer (the last message) is kept whole, whatever the compaction.
   */
  resumeState(keepSteps: number, maxBytes?: number, waiting?: WaitingStep, idleUntil?: number): NonNullable<ResolvedAgentRunInput['resume']> {
    const inStep = waiting !== undefined && waiting.at !== 'before_step';
    const answer = inStep ? this.messages[this.messages.length - 1] : undefined;
    const compacted = compactTranscript(answer ? this.messages.slice(0, -1) : this.messages, keepSteps, this.omittedTurns, maxBytes);
    if (answer) compacted.messages.push(answer);
    const raised = Object.keys(this.raised).length > 0 ? { raised: { ...this.raised } } : {};
    return {
      ...raised,
      ...(waiting ? { waiting } : {}),
      step: this.currentStep,
      usage: { ...this.usageSoFar },
      toolCalls: { ...this.calls },
      messages: compacted.messages,
      startedAt: this.startedAt,
      omittedTurns: compacted.omittedTurns,
      runsSoFar: this.runsSoFar,
      events: this.events.carry(),
      ...(this.input.session && (this.waitingForMessage || waiting)
        ? {
            session: {
              turns: this.turnsAnswered,
              turnStartStep: this.turnStartStep,
              lastAnswer: this.lastTurn?.answer ?? '',
              ...(idleUntil !== undefined ? { idleUntil } : {}),
              ...(this.waitingForMessage ? {} : { inTurn: true }),
            },
          }
        : {}),
    };
  }

  snapshot(): AgentState {
    return {
      status: this.status,
      step: this.currentStep,
      maxSteps: this.input.maxSteps,
      pending: [...this.pending.values()],
      usage: { ...this.usageSoFar },
      toolCalls: { ...this.calls },
      recent: [...this.recent],
      ...(this.lastPrompt ? { lastPrompt: this.lastPrompt } : {}),
    };
  }

  /** Markdown for `setCurrentDetails`: the run's progress as a table of steps and calls. */
  details(): string {
    const tokens = this.usageSoFar.inputTokens + this.usageSoFar.outputTokens;
    const header = `**${this.status}** · step ${this.currentStep}/${this.input.maxSteps} · ${tokens} tokens · tools ${this.calls.ok} ok / ${this.calls.failed} failed`;
    const prompt = this.lastPrompt ? `\n\nLast plan saw ${this.lastPrompt.messageCount} messages (sha256 ${this.lastPrompt.transcriptHash}) and ${this.lastPrompt.tools} tools.` : '';
    const pending = [...this.pending.values()].map((call) => `${call.tool} (${call.id})`).join(', ');
    const table = this.rows.length ? `\n\n| step | calls | result |\n|---|---|---|\n${this.rows.join('\n')}` : '';
    const plan = this.planTable.markdown();
    return `${header}${prompt}${this.people.waitingDetails()}${pending ? `\n\nRunning: ${pending}` : ''}${plan}${table}`;
  }

  /**
   * Ends the run, or a session's turn: a turn that ends with an answer (`final`, `max_steps`, `budget_exceeded`) is
   * logged by `turnAnswered` (`turn_answered`), not as `run_ended`, which a session logs once, when it ends.
   */
  finish(status: AgentRunStatus, answer: string, error?: TaskError): AgentRunResult {
    this.outcome = status;
    const turnEnds = this.input.session === true && !this.sessionEnding && SESSION_TURN_ENDINGS.has(status);
    if (!turnEnds) this.events.append({ type: 'run_ended', step: this.currentStep, detail: status });
    return {
      status,
      answer,
      steps: this.currentStep,
      usage: { ...this.usageSoFar },
      toolCalls: { ...this.calls },
      ...(error ? { error } : {}),
    };
  }
}
