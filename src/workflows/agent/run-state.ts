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
import { limitToolCalls, type DroppedCalls } from '../../shared/actions';
import { ERROR_TYPES } from '../../shared/errors';
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

  private answer?: { message: ChatMessage; dropped?: DroppedCalls };

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
  resumeState(keepSteps: number, maxBytes?: number): NonNullable<ResolvedAgentRunInput['resume']> {
    const compacted = compactTranscript(this.messages, keepSteps, this.omittedTurns, maxBytes);
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

  /**
   * Records the model's answer. With `maxCalls` (runs with size limits), the calls beyond it are dropped and
   * the kept calls get unique ids, whatever the planner that answered did.
   */
  recordPlan(plan: PlanResult, maxCalls?: number): void {
    let message = plan.message;
    let dropped = plan.droppedCalls;
    if (maxCalls !== undefined && message.toolCalls) {
      const limited = limitToolCalls(message.toolCalls, maxCalls);
      message = { ...message, toolCalls: limited.calls };
      if (limited.dropped) dropped = { count: limited.dropped.count + (dropped?.count ?? 0), tools: [...new Set([...limited.dropped.tools, ...(dropped?.tools ?? [])])] };
    }
    this.messages.push(message);
    this.answer = { message, ...(dropped ? { dropped } : {}) };
    this.recordUsage(plan.usage);
    this.model ??= plan.model;
  }

  /** Counts one model call and its tokens. */
  recordUsage(usage: { inputTokens: number; outputTokens: number }): void {
    this.usage.inputTokens += usage.inputTokens;
    this.usage.outputTokens += usage.outputTokens;
    this.usage.modelCalls += 1;
  }

  /** The latest answer, as recorded (calls limited and ids unique). */
  lastAnswer(): { message: ChatMessage; dropped?: DroppedCalls } {
    if (!this.answer) throw new Error('no answer recorded yet');
    return this.answer;
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

  recordObservation(observation: Observation, dropped?: DroppedCalls, maxCalls?: number): void {
    if (dropped) {
      observation = {
        ...observation,
        summary: `${observation.summary}. ${dropped.count} more call${dropped.count === 1 ? ' was' : 's were'} not run (${ERROR_TYPES.toolCallLimit}: at most ${maxCalls} calls per answer; dropped tools: ${dropped.tools.join(', ')})`,
      };
    }
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
