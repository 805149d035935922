import type { RunEvent } from '../contracts/interaction-schemas';
import type { FinishedCall } from '../contracts/agent-state';
import type { Usage } from '../contracts/run-result';
import { RUN_STATUS_WORDS, RUN_STATUSES, type AgentRunStatus, type RunStatus } from '../contracts/status';

/**
 * Where a run is in its life (docs/architecture.md §3, "The run machine"). Waits for people are not phases: calls
 * of a running step wait for them in parallel, so they refine the status of the `running` phase.
 */
export type RunPhase =
  | { name: 'running' }
  /** The budget is used up and `onExhausted` is `pause`: no model call until `raise-budget`. */
  | { name: 'waiting_for_budget' }
  /** A client paused the run (`pause`): it waits before its next step until `resume`. */
  | { name: 'paused' }
  /** A session answered its turn and waits for the next message. */
  | { name: 'idle' }
  | { name: 'ended'; status: AgentRunStatus };
export type RunPhaseName = RunPhase['name'];

/** The events that move a run from one phase to another, the phases each may leave, and where it goes. */
export const PHASE_TRANSITIONS = {
  budget_exhausted: { from: ['running'], to: 'waiting_for_budget' },
  run_paused: { from: ['running'], to: 'paused' },
  run_resumed: { from: ['waiting_for_budget', 'paused'], to: 'running' },
  turn_answered: { from: ['running'], to: 'idle' },
  turn_started: { from: ['idle'], to: 'running' },
  run_ended: { from: ['running', 'waiting_for_budget', 'paused', 'idle'], to: 'ended' },
} as const satisfies Record<string, { from: readonly RunPhaseName[]; to: RunPhaseName }>;
export type PhaseEventType = keyof typeof PHASE_TRANSITIONS;

/** True for the event types that change a run's phase. */
export function isPhaseEvent(type: RunEvent['type']): type is PhaseEventType {
  return Object.prototype.hasOwnProperty.call(PHASE_TRANSITIONS, type);
}

/** The phase a phase event leads to (`run_ended` carries the outcome in `detail`). */
export function phaseAfter(event: Pick<RunEvent, 'type' | 'detail'> & { type: PhaseEventType }): RunPhase {
  const to = PHASE_TRANSITIONS[event.type].to;
  if (to !== 'ended') return { name: to };
  const status = event.detail !== undefined && (RUN_STATUS_WORDS as readonly string[]).includes(event.detail) ? (event.detail as AgentRunStatus) : RUN_STATUSES.failed;
  return { name: 'ended', status };
}

/** A call in flight, as the live view lists it. */
export interface RunningCall {
  id: string;
  tool: string;
  startedAt: number;
}

/** Everything the fold knows: serializable, so a run carries it across continue-as-new. */
export interface RunFoldState {
  phase: RunPhase;
  step: number;
  usage: Usage;
  toolCalls: { ok: number; failed: number };
  running: RunningCall[];
  recent: FinishedCall[];
  /** Calls waiting for a decision and questions waiting for an answer, by call id. */
  approvals: string[];
  questions: string[];
}

/** What the live status says, in priority order: an ended run its outcome; a running one what it waits for. */
export function statusOf(state: Pick<RunFoldState, 'phase' | 'approvals' | 'questions'>): RunStatus {
  switch (state.phase.name) {
    case 'ended':
      return state.phase.status;
    case 'idle':
      return RUN_STATUSES.idle;
    case 'paused':
      return RUN_STATUSES.paused;
    case 'waiting_for_budget':
      return RUN_STATUSES.waitingForBudget;
    case 'running':
      if (state.approvals.length > 0) return RUN_STATUSES.waitingForApproval;
      if (state.questions.length > 0) return RUN_STATUSES.waitingForInput;
      return RUN_STATUSES.running;
  }
}

/**
 * The one fold of a run's event log into its status, step, counts and waits: the workflow's live state, the CLI's
 * progress, the client and the MCP server all read a run through it. Pure: a function of the events (and the state
 * it starts from) only, safe in the workflow sandbox. Lenient: an event that does not fit the phase (a follower that
 * joined late) is applied as far as it makes sense; the workflow checks its own transitions strictly
 * (src/workflows/agent/run-machine.ts).
 */
export class RunFold {
  private readonly state: RunFoldState;

  constructor(
    start: Partial<RunFoldState> = {},
    /** Finished calls kept in `recent`. */
    private readonly recentCalls = 50,
  ) {
    this.state = {
      phase: start.phase ?? { name: 'running' },
      step: start.step ?? 0,
      usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0, ...start.usage },
      toolCalls: { ok: 0, failed: 0, ...start.toolCalls },
      running: [...(start.running ?? [])],
      recent: [...(start.recent ?? [])],
      approvals: [...(start.approvals ?? [])],
      questions: [...(start.questions ?? [])],
    };
  }

  apply(event: RunEvent): void {
    const state = this.state;
    state.step = Math.max(state.step, event.step);
    if (isPhaseEvent(event.type)) this.changePhase(event as RunEvent & { type: PhaseEventType });
    switch (event.type) {
      case 'plan_done':
      case 'plan_failed':
        state.usage.inputTokens += event.inputTokens ?? 0;
        state.usage.outputTokens += event.outputTokens ?? 0;
        state.usage.modelCalls += 1;
        if (event.costUsd !== undefined) state.usage.costUsd = (state.usage.costUsd ?? 0) + event.costUsd;
        break;
      case 'call_started':
        if (event.callId && !state.running.some((call) => call.id === event.callId)) state.running.push({ id: event.callId, tool: event.tool ?? '?', startedAt: event.at });
        break;
      case 'call_finished':
      case 'call_denied':
        this.callEnded(event);
        // A sub-agent's call carries its run's tokens and cost: they are its parent's too (not a model call of its own).
        state.usage.inputTokens += event.inputTokens ?? 0;
        state.usage.outputTokens += event.outputTokens ?? 0;
        if (event.costUsd !== undefined) state.usage.costUsd = (state.usage.costUsd ?? 0) + event.costUsd;
        break;
      case 'approval_needed':
        if (event.callId) add(state.approvals, event.callId);
        break;
      case 'approval_decided':
        if (event.callId) remove(state.approvals, event.callId);
        break;
      case 'question_asked':
        if (event.callId) add(state.questions, event.callId);
        break;
      case 'question_answered':
        if (event.callId) remove(state.questions, event.callId);
        break;
      case 'turn_answered':
        state.running.length = 0;
        break;
      default:
        break;
    }
  }

  private changePhase(event: RunEvent & { type: PhaseEventType }): void {
    const from = this.state.phase.name;
    // An ended run stays ended; a late follower's first phase event is taken as it comes.
    if (from === 'ended') return;
    this.state.phase = phaseAfter(event);
  }

  private callEnded(event: RunEvent): void {
    if (!event.callId) return;
    const state = this.state;
    const index = state.running.findIndex((call) => call.id === event.callId);
    if (index >= 0) state.running.splice(index, 1);
    const ok = event.ok ?? event.type === 'call_finished';
    if (ok) state.toolCalls.ok += 1;
    else state.toolCalls.failed += 1;
    state.recent.push({ id: event.callId, step: event.step, tool: event.tool ?? '?', ok, durationMs: event.durationMs ?? 0, ...(event.errorType ? { errorType: event.errorType } : {}) });
    if (state.recent.length > this.recentCalls) state.recent.shift();
  }

  get phase(): RunPhase {
    return this.state.phase;
  }

  get status(): RunStatus {
    return statusOf(this.state);
  }

  get ended(): boolean {
    return this.state.phase.name === 'ended';
  }

  get step(): number {
    return this.state.step;
  }

  get usage(): Readonly<Usage> {
    return this.state.usage;
  }

  get toolCalls(): Readonly<{ ok: number; failed: number }> {
    return this.state.toolCalls;
  }

  get running(): readonly RunningCall[] {
    return this.state.running;
  }

  get recent(): readonly FinishedCall[] {
    return this.state.recent;
  }

  /** A copy of the whole state (what continue-as-new carries). */
  save(): RunFoldState {
    const state = this.state;
    return {
      phase: { ...state.phase },
      step: state.step,
      usage: { ...state.usage },
      toolCalls: { ...state.toolCalls },
      running: state.running.map((call) => ({ ...call })),
      recent: state.recent.map((call) => ({ ...call })),
      approvals: [...state.approvals],
      questions: [...state.questions],
    };
  }
}

function add(list: string[], id: string): void {
  if (!list.includes(id)) list.push(id);
}

function remove(list: string[], id: string): void {
  const index = list.indexOf(id);
  if (index >= 0) list.splice(index, 1);
}
