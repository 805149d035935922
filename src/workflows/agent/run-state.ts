import type {
  AgentRunResult,
  AgentRunStatus,
  ChatMessage,
  Observation,
  PlannerContext,
  PlanResult,
  ResolvedAgentRunInput,
  Task,
  TaskError,
  TaskResult,
  ToolSpec,
  Usage,
} from '../../shared/model';
import { compactTranscript, observationMessages, openingMessages } from '../../shared/transcript';

/** Live state of a run, returned by the `agentState` query. */
export interface AgentState {
  status: 'running' | AgentRunStatus;
  step: number;
  maxSteps: number;
  pending: Array<{ id: string; tool: string; startedAt: number }>;
  usage: Usage;
  toolCalls: { ok: number; failed: number };
  /** The most recent finished calls, newest last. */
  recent: FinishedCall[];
}

export interface FinishedCall {
  id: string;
  step: number;
  tool: string;
  ok: boolean;
  errorType?: string;
  durationMs: number;
}

/** Finished calls kept for the live view. */
const RECENT_CALLS = 50;

/** Rows kept in the live details table of the Temporal UI; older rows are dropped to keep it small. */
const DETAIL_ROWS = 20;

/**
 * Everything a run knows, kept in workflow memory (and so rebuilt by replay): the transcript the planner
 * reads, usage, counters and the live view. No I/O here.
 */
export class RunState {
  readonly messages: ChatMessage[];
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0, modelCalls: 0 };
  readonly toolCalls = { ok: 0, failed: 0 };
  readonly pending = new Map<string, { id: string; tool: string; startedAt: number }>();
  readonly recent: FinishedCall[] = [];
  private readonly rows: string[] = [];
  status: AgentState['status'] = 'running';
  step = 0;
  tools: ToolSpec[] = [];
  model?: string;

  /** Assistant turns dropped by earlier compactions (continue-as-new). */
  omittedTurns = 0;
  /** Workflow time the logical run started (kept across continue-as-new, for the wall-time budget). */
  readonly startedAt: number;
  /** Runs in this continue-as-new chain, this one included. */
  readonly runsSoFar: number;

  constructor(readonly input: ResolvedAgentRunInput) {
    const resume = input.resume;
    this.messages = resume ? [...resume.messages] : openingMessages(input.goal, input.systemPrompt);
    this.model = input.model;
    this.startedAt = resume?.startedAt ?? Date.now();
    this.runsSoFar = resume ? resume.runsSoFar + 1 : 1;
    if (resume) {
      this.step = resume.step;
      Object.assign(this.usage, resume.usage);
      Object.assign(this.toolCalls, resume.toolCalls);
      this.omittedTurns = resume.omittedTurns;
    }
  }

  /** What the next run of the chain needs to go on as the same logical run, with a compacted transcript. */
  resumeState(keepSteps: number): NonNullable<ResolvedAgentRunInput['resume']> {
    const compacted = compactTranscript(this.messages, keepSteps, this.omittedTurns);
    return {
      step: this.step,
      usage: { ...this.usage },
      toolCalls: { ...this.toolCalls },
      messages: compacted.messages,
      startedAt: this.startedAt,
      omittedTurns: compacted.omittedTurns,
      runsSoFar: this.runsSoFar,
    };
  }

  plannerContext(): PlannerContext {
    return { model: this.model, messages: this.messages, tools: this.tools };
  }

  snapshot(): AgentState {
    return {
      status: this.status,
      step: this.step,
      maxSteps: this.input.maxSteps,
      pending: [...this.pending.values()],
      usage: { ...this.usage },
      toolCalls: { ...this.toolCalls },
      recent: [...this.recent],
    };
  }

  recordPlan(plan: PlanResult): void {
    this.messages.push(plan.message);
    this.usage.inputTokens += plan.usage.inputTokens;
    this.usage.outputTokens += plan.usage.outputTokens;
    this.usage.modelCalls += 1;
    this.model ??= plan.model;
  }

  taskStarted(task: Task): void {
    this.pending.set(task.id, { id: task.id, tool: task.tool, startedAt: Date.now() });
  }

  taskFinished(result: TaskResult): void {
    this.pending.delete(result.id);
    if (result.ok) this.toolCalls.ok += 1;
    else this.toolCalls.failed += 1;
    this.recent.push({
      id: result.id,
      step: this.step,
      tool: result.tool,
      ok: result.ok,
      ...(result.error ? { errorType: result.error.type } : {}),
      durationMs: result.durationMs,
    });
    if (this.recent.length > RECENT_CALLS) this.recent.shift();
  }

  recordObservation(observation: Observation): void {
    this.messages.push(...observationMessages(observation));
    const calls = observation.results.map((entry) => `${entry.tool} ${entry.ok ? '✓' : `✗ ${entry.errorType ?? ''}`}`.trim()).join(', ');
    this.rows.push(`| ${this.step} | ${calls} | ${observation.summary} |`);
    if (this.rows.length > DETAIL_ROWS) this.rows.shift();
  }

  /** Markdown for `setCurrentDetails`: the run's progress as a table of steps and calls. */
  details(): string {
    const header = `**${this.status}** · step ${this.step}/${this.input.maxSteps} · ${this.usage.inputTokens + this.usage.outputTokens} tokens · tools ${this.toolCalls.ok} ok / ${this.toolCalls.failed} failed`;
    const pending = [...this.pending.values()].map((call) => `${call.tool} (${call.id})`).join(', ');
    const table = this.rows.length ? `\n\n| step | calls | result |\n|---|---|---|\n${this.rows.join('\n')}` : '';
    return `${header}${pending ? `\n\nRunning: ${pending}` : ''}${table}`;
  }

  result(status: AgentRunStatus, answer: string, error?: TaskError): AgentRunResult {
    this.status = status;
    return {
      status,
      answer,
      steps: this.step,
      usage: { ...this.usage },
      toolCalls: { ...this.toolCalls },
      ...(error ? { error } : {}),
    };
  }
}
