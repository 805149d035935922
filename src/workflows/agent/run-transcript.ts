import { ApplicationFailure } from '@temporalio/workflow';
import type { DroppedCalls } from '../../contracts/planner-io';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ChatMessage } from '../../contracts/chat-message';
import type { Observation } from '../../core/model';
import type { PlannerContext, PlannerContextRequest, PlanResult } from '../../contracts/planner-io';
import type { PromptSeen } from '../../contracts/agent-state';
import type { ResumeState } from '../../contracts/workflow-input';
import type { ToolSpec } from '../../contracts/tool-spec';
import { compactTranscript, observationMessages, openingMessages } from '../../core/transcript';

/** The latest answer of the model, as recorded (calls limited, ids unique). */
export interface RecordedAnswer {
  message: ChatMessage;
  dropped?: DroppedCalls;
}

/**
 * What the planner reads: the conversation (goal, answers, observations, session messages), the catalogue the run
 * offers, the model, and what the model was shown last. Part of the run state; no I/O.
 */
export class RunTranscript {
  private readonly messages: ChatMessage[];
  private tools: ToolSpec[] = [];
  private model?: string;
  private answer?: RecordedAnswer;
  private seen?: PromptSeen;
  /** Assistant turns dropped by earlier compactions (continue-as-new). */
  private readonly omittedTurns: number;
  /** Messages the model was shown at each step this execution planned (its first plan of the step): what forks read. */
  private readonly planned = new Map<number, number>();

  /** @param input.seed a fork's first transcript (the original's at the step it forks from) */
  constructor(input: { goal: string; systemPrompt?: string; model?: string; resume?: Pick<ResumeState, 'messages' | 'omittedTurns'>; seed?: readonly ChatMessage[] }) {
    this.messages = input.resume ? [...input.resume.messages] : input.seed ? [...input.seed] : openingMessages(input.goal, input.systemPrompt);
    this.omittedTurns = input.resume?.omittedTurns ?? 0;
    this.model = input.model;
  }

  /** Messages so far (the planner reads a prefix of this length). */
  get count(): number {
    return this.messages.length;
  }

  /** What the model was shown at the latest plan. */
  get lastPrompt(): PromptSeen | undefined {
    return this.seen;
  }

  /** Records the tools this run offers the model (the catalogue narrowed to `allowedTools`). */
  recordCatalogue(tools: readonly ToolSpec[]): void {
    this.tools = [...tools];
  }

  /** A user message joins the conversation (a session's next turn). */
  userSays(text: string): void {
    this.messages.push({ role: 'user', content: text });
  }

  /** The step cap (or a budget) is reached: one last turn, without tools, asks the model to answer from what it has. */
  beginFinalTurn(message: ChatMessage): void {
    this.messages.push(message);
  }

  /** A plan of `step` is asked for with the transcript as it is (only the step's first plan counts). */
  notePlanned(step: number): void {
    if (!this.planned.has(step)) this.planned.set(step, this.messages.length);
  }

  /**
   * What the model was shown when this execution first planned `step`, and its answer (the message after them, once
   * recorded); undefined when it planned no such step.
   */
  plannedAt(step: number): { messages: ChatMessage[]; answer?: ChatMessage } | undefined {
    const count = this.planned.get(step);
    if (count === undefined) return undefined;
    const answer = this.messages.slice(count).find((message) => message.role === 'assistant');
    return { messages: this.messages.slice(0, count), ...(answer ? { answer } : {}) };
  }

  /** The steps this execution planned, first and last (undefined when none yet). */
  plannedSteps(): { first: number; last: number } | undefined {
    const steps = [...this.planned.keys()];
    return steps.length ? { first: Math.min(...steps), last: Math.max(...steps) } : undefined;
  }

  /** Records the model's answer as the planner returned it (it cut the calls to the cap: src/core/actions.ts). */
  recordAnswer(plan: PlanResult): RecordedAnswer {
    const { message } = plan;
    const dropped = plan.droppedCalls;
    this.messages.push(message);
    this.answer = { message, ...(dropped ? { dropped } : {}) };
    if (plan.seen) this.seen = plan.seen;
    if (plan.model) this.model ??= plan.model;
    return this.answer;
  }

  /** The step's answer after a handover within the step: the transcript's last message, recorded before it. */
  resumedAnswer(dropped?: DroppedCalls): RecordedAnswer {
    const message = this.messages[this.messages.length - 1] ?? { role: 'assistant', content: '' };
    this.answer = { message, ...(dropped ? { dropped } : {}) };
    return this.answer;
  }

  /** Appends a step's observation (and says which calls of the answer were dropped, if any); returns its summary. */
  recordObservation(observation: Observation, dropped?: DroppedCalls, maxCalls?: number): string {
    const summary = dropped
      ? `${observation.summary}. ${dropped.count} more call${dropped.count === 1 ? ' was' : 's were'} not run (${ERROR_TYPES.toolCallLimit}: at most ${maxCalls} calls per answer; dropped tools: ${dropped.tools.join(', ')})`
      : observation.summary;
    this.messages.push(...observationMessages({ ...observation, summary }));
    return summary;
  }

  /**
   * What the planner reads: exactly the first `messageCount` messages, checked against the step, so handlers that
   * append meanwhile never change what a plan sees. Without a request (an inspection, not a planner): the whole
   * transcript and the catalogue.
   */
  plannerContext(step: number, request?: PlannerContextRequest): PlannerContext {
    const model = this.model;
    if (!request) return { model, messages: this.messages, tools: this.tools };
    if (request.step !== step || request.messageCount > this.messages.length) {
      throw ApplicationFailure.nonRetryable(
        `stale planner read: asked for step ${request.step} with ${request.messageCount} messages; the run is at step ${step} with ${this.messages.length}`,
        'StalePlannerRead',
      );
    }
    return { model, messages: this.messages.slice(0, request.messageCount), ...(request.includeTools ? { tools: this.tools } : {}) };
  }

  /** The compacted transcript the next run of the chain starts from; `keepAnswer`: the last message is kept whole. */
  carry(keepSteps: number, maxBytes: number | undefined, keepAnswer: boolean): Pick<ResumeState, 'messages' | 'omittedTurns'> {
    const answer = keepAnswer ? this.messages[this.messages.length - 1] : undefined;
    const compacted = compactTranscript(answer ? this.messages.slice(0, -1) : this.messages, keepSteps, this.omittedTurns, maxBytes);
    if (answer) compacted.messages.push(answer);
    return { messages: compacted.messages, omittedTurns: compacted.omittedTurns };
  }
}
